/* gguf.c: GGUF header reader (being written). */
#include "internal.h"

int
lr_gguf_read(const char *path, const char *key_map, lr_weights_info *info, lr_error *err)
{
    (void)key_map;
    (void)info;
    lr_err_set(err, path, "", "GGUF reading is not implemented yet");
    return -1;
}
