/*
 * fuzz_config.c: libFuzzer target for config.json reading through the
 * family templates, then a plan and an analysis of the tree built.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "llmroof.h"

static lr_profile *prof;
static lr_hwdb *hw;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_error err;
    if (!prof) {
        prof = lr_profile_load(LR_DATA_DIR "/profiles/default", NULL, &err);
        hw = lr_hwdb_load(LR_DATA_DIR "/hardware", &err);
        if (!prof || !hw)
            abort();
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    lr_arch *a = lr_arch_from_hf_config_text(text, "fuzz",
                                             LR_DATA_DIR "/profiles/default/architectures", &err);
    free(text);
    if (!a)
        return 0;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    if (p) {
        lr_result *r = lr_result_new(p);
        lr_settings s;
        lr_settings_default(&s);
        s.seq_len = 64;
        lr_analyze(p, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 1, 1, r, &err);
        lr_result_free(r);
        lr_plan_free(p);
    }
    lr_arch_free(a);
    return 0;
}
