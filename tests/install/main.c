/*
 * install/main.c: a program built against an installed llmroof, outside the
 * source tree (tests/install.sh builds it through pkg-config and through the
 * CMake package). It finds the data through lr_data_dir(), analyses
 * Llama-2-7b on an A100 80GB with the defaults and checks the prefill's
 * total FLOPs against the count derived by hand from the model's config.
 *   usage: main EXPECTED_DATA_PREFIX EXPECTED_VERSION
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llmroof.h>

/* Llama-2-7b (h = 4096, 32 heads of 128, I = 11008, 32 layers, V = 32000),
 * prefill of S = 2048 tokens, batch 1, default profile (docs/conventions.md
 * section 13: 28,754,414,934,016): per layer two RMSNorms (4 FLOPs per
 * element + 3 per row), four h x h projections and three h x I ones (2 per
 * multiply-add), RoPE on q and k (3 per element each), QK and SV (2 S S h
 * each), softmax (5 per score), two residual adds, SiLU (4 per element) and
 * the gate * up product; then the rotary tables (5 per token and half head
 * dimension), the final norm and lm_head on the last token only. */
static double
llama2_7b_prefill_flops(void)
{
    const double S = 2048, h = 4096, I = 11008, V = 32000, heads = 32, layers = 32;
    double norm = 4 * S * h + 3 * S;
    double layer = 2 * norm + 4 * (2 * S * h * h) + 2 * 3 * S * h + 2 * (2 * S * S * h) +
                   5 * heads * S * S + 2 * S * h + 3 * (2 * S * h * I) + 4 * S * I + S * I;
    return layers * layer + 5 * S * (128 / 2) + norm + 2 * h * V;
}

static int
fail(const char *what, const lr_error *err)
{
    char buf[4096];
    lr_error_format(err, buf, sizeof buf);
    fprintf(stderr, "install test: %s: %s\n", what, buf);
    return 1;
}

/* Loads, plans and analyses; returns the prefill FLOPs, or -1. */
static double
prefill_flops(const char *data)
{
    char dir[PATH_MAX];
    lr_error err;
    double flops = -1;
    snprintf(dir, sizeof dir, "%s/profiles/default", data);
    lr_profile *prof = lr_profile_load(dir, NULL, &err);
    if (!prof) {
        fail("profile", &err);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/hardware", data);
    lr_hwdb *hw = lr_hwdb_load(dir, &err);
    char models[PATH_MAX], templates[PATH_MAX];
    snprintf(models, sizeof models, "%s/models", data);
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(prof));
    lr_arch *arch = hw ? lr_model_load(models, templates, "meta-llama/Llama-2-7b-hf", &err) : NULL;
    lr_plan *plan = arch ? lr_plan_new(arch, lr_profile_db(prof), &err) : NULL;
    if (!plan) {
        fail("load", &err);
    } else {
        lr_result *r = lr_result_new(plan);
        lr_settings s;
        lr_settings_default(&s);
        if (lr_analyze(plan, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 1, 0, r, &err) == 0)
            flops = r->stage[LR_PREFILL].total.v[LR_F_FLOPS];
        else
            fail("analyze", &err);
        lr_result_free(r);
    }
    lr_plan_free(plan);
    lr_arch_free(arch);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
    return flops;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s EXPECTED_DATA_PREFIX EXPECTED_VERSION\n", argv[0]);
        return 2;
    }
    const char *data = lr_data_dir();
    printf("version %s\ndata %s\n", lr_version(), data);
    if (strcmp(lr_version(), argv[2]) != 0 || strcmp(LR_VERSION, argv[2]) != 0) {
        fprintf(stderr, "install test: version %s (header %s), expected %s\n", lr_version(),
                LR_VERSION, argv[2]);
        return 1;
    }
    if (strncmp(data, argv[1], strlen(argv[1])) != 0) {
        fprintf(stderr, "install test: data directory %s is not under %s\n", data, argv[1]);
        return 1;
    }
    double flops = prefill_flops(data), want = llama2_7b_prefill_flops();
    printf("prefill flops %.0f (expected %.0f)\n", flops, want);
    return flops == want ? 0 : 1;
}
