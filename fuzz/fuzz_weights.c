/*
 * fuzz_weights.c: libFuzzer target for the GGUF and safetensors header
 * readers: the same bytes read as both formats.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "llmroof.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    lr_error err;
    lr_weights_info info;
    memset(&info, 0, sizeof info);
    if (lr_gguf_read(path, LR_DATA_DIR "/gguf-keys.json", &info, &err) == 0)
        lr_weights_info_free(&info);
    memset(&info, 0, sizeof info);
    if (lr_safetensors_read(path, &info, &err) == 0)
        lr_weights_info_free(&info);
    return 0;
}
