/*
 * fuzz_moddb.c: libFuzzer target for the module database loader: the
 * input is one module file loaded over the bundled default entries, then
 * checked (names, calls, cycles) and sample-evaluated.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "llmroof.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    lr_error err;
    lr_db *db = lr_db_new();
    if (lr_db_load_dir(db, LR_DATA_DIR "/profiles/default/modules", &err) == 0 &&
        lr_db_load_layer(db, path, &err) == 0 && lr_db_finish(db, &err) == 0)
        lr_db_check_samples(db, &err);
    lr_db_free(db);
    return 0;
}
