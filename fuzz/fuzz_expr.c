/*
 * fuzz_expr.c: libFuzzer target for the formula compiler and evaluator:
 * any bytes are a formula text; it must compile or fail with a message,
 * and evaluate or fail, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llmroof.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    static const char *const names[] = {"hidden_size", "heads"};
    static const double values[] = {4096, 32};
    lr_error err;
    lr_formula *f = lr_formula_compile(text, NULL, names, values, 2, &err);
    if (f) {
        double vars[LR_NVARS] = {1, 2048, 2048, 2, 2, 2, 1, 1, 16, 16, 16,
                                 0, 1,    0,    0, 0, 0, 0, 1, 1,  1};
        double out;
        lr_formula_eval(f, vars, &out, &err);
        lr_formula_free(f);
    } else {
        char buf[4096];
        lr_error_format(&err, buf, sizeof buf);
    }
    free(text);
    return 0;
}
