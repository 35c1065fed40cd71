/*
 * fuzz_arch.c: libFuzzer target for the prototype's architecture JSON,
 * then a plan against the default module database.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "llmroof.h"

static lr_profile *prof;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_error err;
    if (!prof && !(prof = lr_profile_load(LR_DATA_DIR "/profiles/default", NULL, &err)))
        abort();
    lr_arch *a = lr_arch_from_json_file(fuzz_file(data, size), &err);
    if (!a)
        return 0;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_plan_free(p);
    lr_arch_free(a);
    return 0;
}
