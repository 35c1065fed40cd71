/*
 * test_arith.c: the one arithmetic (src/formula/arith.c) as the VM runs it.
 * Most formulas in the other tests are folded to constants before the VM
 * sees them, so here every operand is a runtime variable, which the folder
 * cannot touch: each opcode runs in the VM. Expected values are worked out
 * by hand in the comments. Then folded and unfolded evaluation of the same
 * constant formulas must agree bit for bit.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formula/formula.h"
#include "llmroof.h"

/* Runtime variables as operands (their meaning does not matter here):
 * B=2.5 S=-2.5 ctx=0 w_bytes=8 a_bytes=7 kv_bytes=3 logit_tokens=-1
 * prefill=1 w_bit=2 a_bit=0.5 kv_bit=10 flash=-8 causal=4 a_fp8=1.5
 * w_scale_bytes=0.49999999999999994 (the largest double below 0.5)
 * ... tp=2. */
static const double rv[LR_NVARS] = {
    [LR_V_B] = 2.5,
    [LR_V_S] = -2.5,
    [LR_V_CTX] = 0,
    [LR_V_W_BYTES] = 8,
    [LR_V_A_BYTES] = 7,
    [LR_V_KV_BYTES] = 3,
    [LR_V_LOGIT_TOKENS] = -1,
    [LR_V_PREFILL] = 1,
    [LR_V_W_BIT] = 2,
    [LR_V_A_BIT] = 0.5,
    [LR_V_KV_BIT] = 10,
    [LR_V_FLASH] = -8,
    [LR_V_CAUSAL] = 4,
    [LR_V_A_FP8] = 1.5,
    [LR_V_W_SCALE_BYTES] = 0.49999999999999994,
    [LR_V_TP] = 2,
};

/* Compiles and runs; returns 0 and *v, or -1 and the message in *msg. */
static int
run(const char *text, const double *vars, double *v, char *msg, size_t cap)
{
    lr_error err;
    lr_formula *f = lr_formula_compile(text, NULL, NULL, NULL, 0, &err);
    if (!f)
        fail_msg("compile '%s': %s (col %d)", text, err.msg, err.col);
    int rc = lr_formula_eval(f, vars, v, &err);
    lr_formula_free(f);
    if (rc < 0)
        snprintf(msg, cap, "%s", err.msg);
    return rc;
}

static double
vm(const char *text)
{
    double v = NAN;
    char msg[256];
    if (run(text, rv, &v, msg, sizeof msg) < 0)
        fail_msg("eval '%s': %s", text, msg);
    return v;
}

static void
vm_fails(const char *text, const char *want)
{
    double v;
    char msg[256];
    if (run(text, rv, &v, msg, sizeof msg) == 0)
        fail_msg("'%s' gave %.17g, expected the error '%s'", text, v, want);
    if (strcmp(msg, want) != 0)
        fail_msg("'%s': error '%s', expected '%s'", text, msg, want);
}

#define VM_EQ(text, want) assert_true(vm(text) == (want))

static void
test_binops(void **state)
{
    (void)state;
    VM_EQ("{w_bytes} + {a_bytes}", 15);             /* 8 + 7 */
    VM_EQ("{w_bytes} - {a_bytes}", 1);              /* 8 - 7 */
    VM_EQ("{w_bytes} * {a_bytes}", 56);             /* 8 * 7 */
    VM_EQ("{a_bytes} / {w_bytes}", 0.875);          /* 7 / 8 */
    VM_EQ("{w_bytes} % {kv_bytes}", 2);             /* fmod(8, 3) = 2 (remainder() gives -1) */
    VM_EQ("-{w_bytes} % {kv_bytes}", -2);           /* the sign of the dividend */
    VM_EQ("{B} % {a_bit}", 0);                      /* 2.5 = 5 * 0.5 */
    VM_EQ("{a_fp8} % {causal}", 1.5);               /* 1.5 < 4 */
    VM_EQ("{kv_bytes} ** {w_bit}", 9);              /* 3^2 */
    VM_EQ("{kv_bytes} ^ {w_bit}", 9);               /* ^ is ** */
    VM_EQ("{causal} ** {a_bit}", 2);                /* 4^0.5 */
    VM_EQ("{w_bit} ** {kv_bytes} ** {w_bit}", 512); /* 2^(3^2) */
    VM_EQ("{w_bit} ** -{prefill}", 0.5);            /* 2^-1 */
}

static void
test_comparisons(void **state)
{
    (void)state;
    /* at equality: w_bit = tp = 2 */
    VM_EQ("{w_bit} >= {tp}", 1);
    VM_EQ("{w_bit} > {tp}", 0);
    VM_EQ("{w_bit} <= {tp}", 1);
    VM_EQ("{w_bit} < {tp}", 0);
    VM_EQ("{w_bit} == {tp}", 1);
    VM_EQ("{w_bit} != {tp}", 0);
    /* apart: B = 2.5 > w_bit = 2 */
    VM_EQ("{B} >= {w_bit}", 1);
    VM_EQ("{B} > {w_bit}", 1);
    VM_EQ("{B} <= {w_bit}", 0);
    VM_EQ("{B} < {w_bit}", 0);
    VM_EQ("{B} == {w_bit}", 0);
    VM_EQ("{B} != {w_bit}", 1);
    /* NaN compares false except != (sqrt(-2.5) is NaN) */
    VM_EQ("sqrt({S}) == sqrt({S})", 0);
    VM_EQ("sqrt({S}) != sqrt({S})", 1);
}

static void
test_functions(void **state)
{
    (void)state;
    VM_EQ("min({B}, {S}, {ctx})", -2.5);
    VM_EQ("max({S}, {B}, {ctx})", 2.5);
    VM_EQ("min({B})", 2.5);
    VM_EQ("ceil({B})", 3);
    VM_EQ("ceil({S})", -2);
    VM_EQ("floor({B})", 2);
    VM_EQ("floor({S})", -3);
    VM_EQ("sqrt({causal})", 2);
    VM_EQ("log2({w_bytes})", 3); /* 2^3 = 8 */
    VM_EQ("log2({a_bit})", -1);
    VM_EQ("log({prefill})", 0);
    /* ln 8 = 3 ln 2 = 3 * 0.693147180559945309... = 2.0794415416798357 */
    assert_true(fabs(vm("log({w_bytes})") - 2.0794415416798357) < 1e-15);
    VM_EQ("exp({ctx})", 1);
    /* e = 2.718281828459045235... (exp2 would give 2) */
    assert_true(fabs(vm("exp({prefill})") - 2.718281828459045) < 1e-15);
    VM_EQ("abs({S})", 2.5);
    VM_EQ("abs({B})", 2.5);
    VM_EQ("round({B})", 3); /* halves away from zero, not to even */
    VM_EQ("round({S})", -3);
    VM_EQ("round({a_fp8})", 2);
    VM_EQ("round({w_scale_bytes})", 0); /* floor(x + 0.5) would give 1 */
}

static void
test_logic(void **state)
{
    (void)state;
    /* the branch not taken divides by ctx = 0 and must not run */
    VM_EQ("{ctx} ? {B} / {ctx} : {S}", -2.5);
    VM_EQ("{prefill} ? {B} : {B} / {ctx}", 2.5);
    VM_EQ("{S} ? {B} : {S}", 2.5); /* any non-zero is true */
    VM_EQ("{ctx} && {B} / {ctx}", 0);
    VM_EQ("{prefill} || {B} / {ctx}", 1);
    VM_EQ("{prefill} && {B}", 1); /* 0 or 1, not the operand */
    VM_EQ("{prefill} && {ctx}", 0);
    VM_EQ("{ctx} || {S}", 1);
    VM_EQ("{ctx} || {ctx}", 0);
    VM_EQ("-{B}", -2.5);
    VM_EQ("-{S}", 2.5);
    VM_EQ("!{ctx}", 1);
    VM_EQ("!{B}", 0);
    VM_EQ("!!{S}", 1);
}

static void
test_errors(void **state)
{
    (void)state;
    vm_fails("{B} / {ctx}", "division by zero");
    vm_fails("{ctx} / {ctx}", "division by zero");
    vm_fails("{B} % {ctx}", "modulo by zero");
    vm_fails("sqrt({S})", "result is not a number (NaN)");
    vm_fails("log({ctx})", "result is infinite"); /* -inf */
    vm_fails("log2({ctx})", "result is infinite");
    vm_fails("log({S})", "result is not a number (NaN)");
    vm_fails("exp({kv_bit} * 100)", "result is infinite"); /* e^1000 */
    /* a division by zero fails even where its value would not matter */
    vm_fails("{ctx} * ({B} / {ctx})", "division by zero");
    /* a non-finite intermediate is fine if the result is finite */
    VM_EQ("1 / exp({kv_bit} * 100)", 0);
}

/* Folds {name} bound to constants (extra names), but not runtime
 * variables: the tree after folding tells. */
static ast *
folded(lr_arena *a, const char *text, const char *name, double value)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    ast *t = lr_expr_parse(a, text, &err);
    assert_non_null(t);
    lr_binding env = {name, lr_ast_num(a, value)};
    lr_bind_ctx cx = {a, NULL, NULL, LR_V_A_BYTES, 0, &err, LR_WR_DEFAULT};
    ast *b = lr_bind(&cx, t, &env, 1);
    assert_non_null(b);
    return lr_ast_fold(a, b);
}

static void
test_what_folds(void **state)
{
    (void)state;
    lr_arena a = {0};
    ast *e = folded(&a, "{h} * 2 + 1", "h", 3);
    assert_int_equal(e->kind, A_NUM);
    assert_true(e->num == 7); /* 3 * 2 + 1 */
    e = folded(&a, "{B} * 2 + 1", "h", 3);
    assert_int_equal(e->kind, A_BIN);
    /* failing or non-finite constant operations stay for the VM */
    assert_int_equal(folded(&a, "{h} / 0", "h", 3)->kind, A_BIN);
    assert_int_equal(folded(&a, "sqrt(-{h})", "h", 3)->kind, A_FUNC);
    assert_int_equal(folded(&a, "{h} * 1e308 * 10", "h", 3)->kind, A_BIN);
    lr_arena_free(&a);
    /* and the same formula gives new values when the variables change */
    double v1, v2;
    char msg[256];
    double other[LR_NVARS] = {[LR_V_B] = 10};
    assert_int_equal(run("{B} * 2 + 1", rv, &v1, msg, sizeof msg), 0);
    assert_int_equal(run("{B} * 2 + 1", other, &v2, msg, sizeof msg), 0);
    assert_true(v1 == 6 && v2 == 21); /* 2.5 * 2 + 1, 10 * 2 + 1 */
}

/* ---- folded and unfolded evaluation agree bit for bit ---- */

/* Copies `text` to `out` with every number replaced by a runtime variable
 * set to the number's value in `vars` (equal numbers share one). Returns the
 * count of numbers replaced. */
static int
hide_numbers(const char *text, char *out, size_t cap, double *vars)
{
    double seen[LR_NVARS];
    int nseen = 0, nrep = 0;
    size_t o = 0;
    for (const char *p = text; *p;) {
        int starts = isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]));
        int in_name = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (!starts || in_name) {
            assert_true(o + 1 < cap);
            out[o++] = *p++;
            continue;
        }
        char *end;
        double v = strtod(p, &end);
        int slot = 0;
        while (slot < nseen && memcmp(&seen[slot], &v, sizeof v) != 0)
            slot++;
        assert_true(slot < LR_NVARS);
        if (slot == nseen)
            seen[nseen++] = v;
        vars[slot] = v;
        int n = snprintf(out + o, cap - o, "{%s}", lr_var_name((enum lr_var)slot));
        assert_true(n > 0 && (size_t)n < cap - o);
        o += (size_t)n;
        p = end;
        nrep++;
    }
    out[o] = '\0';
    return nrep;
}

static void
test_fold_equals_vm(void **state)
{
    (void)state;
    static const char *const formulas[] = {
        "round(2.5) + log2(8) * 3 % 5",
        "round(-2.5) - ceil(-0.5)",
        "round(0.49999999999999994) + round(1.5) * 10",
        "0.1 + 0.2 * 3 - 0.7",
        "1 / 3 * 3 - 1",
        "2 ** 0.5 * sqrt(2)",
        "exp(1) ** 2 / exp(2)",
        "log(10) / log(2) - log2(10)",
        "7.5 % 2 + -7 % 3 * 10",
        "min(3, 0.1 + 0.2, 0.3) * max(-1, -0.5, -0.25)",
        "abs(-0.1 - 0.2) + floor(-0.5) + ceil(0.5)",
        "(2 >= 2) + (2 > 2) * 10 + (2 <= 2) * 100 + (2 < 2) * 1000 + (2 == 2) * 1e4",
        "(3 != 2) + (3 == 2) * 10",
        "0 && 1 / 0",
        "1 || 1 % 0",
        "0.5 ? 0.1 * 3 : 1 / 0",
        "!0 + !2.5 - -(0.3)",
        "2 ^ 3 ^ 2 / 1e3 + 2 ** -1",
        "-0 * 5",
        "sqrt(-1) != 1",
        "3 * (sqrt(-1) != 1) * 0.1",
        "-(sqrt(-1) > 1) - -0",
        /* errors, which must be the same error both ways */
        "0.1 * (1e308 * 10)",
        "1e308 * 10 * 0.1",
        "1 / 0",
        "0 * (1 / 0)",
        "5 % 0",
        "sqrt(-1)",
        "log(0)",
        "exp(1000) * 0",
    };
    for (size_t i = 0; i < sizeof formulas / sizeof formulas[0]; i++) {
        const char *text = formulas[i];
        double vars[LR_NVARS] = {0}, a = 0, b = 0;
        char hidden[512], ma[256] = "", mb[256] = "";
        assert_true(hide_numbers(text, hidden, sizeof hidden, vars) > 0);
        int ra = run(text, vars, &a, ma, sizeof ma);
        int rb = run(hidden, vars, &b, mb, sizeof mb);
        if (ra != rb || strcmp(ma, mb) != 0 || (ra == 0 && memcmp(&a, &b, sizeof a) != 0))
            fail_msg("'%s' folded: %d %.17g %s; as '%s': %d %.17g %s", text, ra, a, ma, hidden, rb,
                     b, mb);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binops),         cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_functions),      cmocka_unit_test(test_logic),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_what_folds),
        cmocka_unit_test(test_fold_equals_vm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
