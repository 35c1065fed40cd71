/*
 * fuzz_repr.c: libFuzzer target for the print(model) reader: the text is
 * parsed into a tree, then (with a head count) built through the family
 * template and checked against the module database.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llmroof.h"

static lr_profile *prof;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_error err;
    if (!prof && !(prof = lr_profile_load(LR_DATA_DIR "/profiles/default", NULL, &err)))
        abort();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    lr_arch *a = lr_repr_parse(text, "fuzz", &err);
    lr_arch_free(a);
    static const char *const sets[] = {"num_attention_heads=32", "n_head=12"};
    lr_repr_opts o = {NULL, NULL, sets, 2, lr_profile_db(prof)};
    char *notes = NULL;
    a = lr_arch_from_repr(text, "fuzz", LR_DATA_DIR "/profiles/default", &o, &notes, &err);
    free(notes);
    lr_arch_free(a);
    free(text);
    return 0;
}
