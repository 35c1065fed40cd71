/*
 * test_expr.c: the formula language: values of expressions (worked out by
 * hand in the comments), precedence, short-circuit evaluation, and errors
 * with their columns.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "llmroof.h"

/* Runtime variables used by every test: B=2 S=8 ctx=16 w=2 a=2 kv=1 logits=1 prefill=1 */
static const double vars[LR_NVARS] = {2, 8, 16, 2, 2, 1, 1, 1};

static double
eval(const char *text)
{
    lr_error err;
    lr_formula *f = lr_formula_compile(text, NULL, NULL, NULL, 0, &err);
    if (!f)
        fail_msg("compile '%s': %s (col %d)", text, err.msg, err.col);
    double v = NAN;
    if (lr_formula_eval(f, vars, &v, &err) < 0)
        fail_msg("eval '%s': %s", text, err.msg);
    lr_formula_free(f);
    return v;
}

static void
compile_fails(const char *text, const char *msg_part, int col)
{
    lr_error err;
    lr_formula *f = lr_formula_compile(text, NULL, NULL, NULL, 0, &err);
    if (f) {
        lr_formula_free(f);
        fail_msg("'%s' compiled but should not", text);
    }
    if (!strstr(err.msg, msg_part))
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, msg_part);
    assert_int_equal(err.col, col);
}

static void
test_numbers(void **state)
{
    (void)state;
    assert_true(eval("42") == 42);
    assert_true(eval("2.5") == 2.5);
    assert_true(eval("1e3") == 1000);
    assert_true(eval("1.5E-1") == 0.15);
    assert_true(eval(".5") == 0.5);
}

static void
test_precedence(void **state)
{
    (void)state;
    assert_true(eval("1 + 2 * 3") == 7); /* * before + */
    assert_true(eval("(1 + 2) * 3") == 9);
    assert_true(eval("10 - 4 - 3") == 3);    /* left-assoc: (10-4)-3 */
    assert_true(eval("2 ** 3 ** 2") == 512); /* right-assoc: 2**9 */
    assert_true(eval("2 ^ 10") == 1024);     /* ^ is ** */
    assert_true(eval("-2 ** 2") == -4);      /* -(2**2), as in Python */
    assert_true(eval("7 % 4") == 3);
    assert_true(eval("-(3)") == -3);
    assert_true(eval("+3") == 3);
    assert_true(eval("12 / 4 * 3") == 9); /* (12/4)*3 */
}

static void
test_variables(void **state)
{
    (void)state;
    /* 2 * B * S * 4096 = 2*2*8*4096 = 131072 */
    assert_true(eval("2 * {B} * {S} * 4096") == 131072);
    assert_true(eval("{ctx} / {S}") == 2);
    /* the prototype's byte-width names are aliases: a=2, w=2 */
    assert_true(eval("{a_dtype_bytes} + {w_dtype_bytes}") == 4);
    assert_true(eval("{kv_bytes}") == 1);
}

static void
test_conditionals(void **state)
{
    (void)state;
    assert_true(eval("{B} > 1 ? 10 : 20") == 10);
    assert_true(eval("{B} >= 3 ? 10 : 20") == 20);
    assert_true(eval("1 == 1") == 1);
    assert_true(eval("1 != 1") == 0);
    assert_true(eval("2 <= 2 && 3 < 2") == 0);
    assert_true(eval("2 <= 2 || 3 < 2") == 1);
    assert_true(eval("!0") == 1);
    /* only the taken branch runs: no division by zero here */
    assert_true(eval("{S} - {S} == 0 ? 0 : 1 / ({S} - {S})") == 0);
    assert_true(eval("0 && 1 / ({S} - {S})") == 0);
    /* nested: B=2 -> inner: S=8 > 4 -> 1 */
    assert_true(eval("{B} == 2 ? ({S} > 4 ? 1 : 2) : 3") == 1);
}

static void
test_functions(void **state)
{
    (void)state;
    assert_true(eval("min(3, 1, 2)") == 1);
    assert_true(eval("max(3, {ctx}, 2)") == 16);
    assert_true(eval("min({ctx}, 4096)") == 16);
    assert_true(eval("ceil(2.1)") == 3);
    assert_true(eval("floor(2.9)") == 2);
    assert_true(eval("sqrt(144)") == 12);
    assert_true(eval("log2(1024)") == 10);
    assert_true(eval("abs(-5)") == 5);
    assert_true(eval("round(2.5)") == 3);
    assert_true(fabs(eval("exp(1)") - 2.718281828459045) < 1e-15);
}

static void
test_extra_names(void **state)
{
    (void)state;
    const char *names[] = {"hidden_size", "heads"};
    const double vals[] = {4096, 32};
    lr_error err;
    lr_formula *f = lr_formula_compile("{hidden_size} / {heads} * {B}", NULL, names, vals, 2, &err);
    assert_non_null(f);
    double v;
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), 0);
    assert_true(v == 256); /* 4096/32*2 */
    lr_formula_free(f);
}

static void
test_syntax_errors(void **state)
{
    (void)state;
    compile_fails("1 +", "unexpected end", 4);
    compile_fails("2 * (3 + 4", "expected ')'", 11);
    compile_fails("{B} * {unknown_thing}", "unknown variable {unknown_thing}", 7);
    compile_fails("{B", "expected variable name", 3);
    compile_fails("foo(1)", "unknown function 'foo'", 1);
    compile_fails("1 2", "after the end", 3);
    compile_fails("", "empty formula", 1);
    compile_fails("3 @ 4", "after the end", 3);
    compile_fails("{B} ? 1", "expected ':'", 8);
    compile_fails("min()", "at least one argument", 1);
    compile_fails("0x10", "bad number", 2); /* decimal only */
    compile_fails("2 * 1.5.3", "bad number", 8);
    compile_fails("sqrt(1, 2)", "exactly one argument", 1);
    compile_fails("${torch.nn.Linear}(1, 2, 3)", "needs a module database", 1);
}

/* Hostile formulas are refused before the recursive passes can overflow
 * the stack. */
static void
test_limits(void **state)
{
    (void)state;
    static char deep[1000], longf[20000];
    memset(deep, '(', 300);
    strcpy(deep + 300, "1");
    memset(deep + 301, ')', 300);
    compile_fails(deep, "nested too deeply", 201);
    size_t n = 0;
    for (int i = 0; i < 6000; i++)
        n += (size_t)snprintf(longf + n, sizeof longf - n, "%s1", i ? "+" : "");
    lr_error err;
    assert_null(lr_formula_compile(longf, NULL, NULL, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "too long"));
    /* found by fuzz_expr: a product of more than 64 factors overflowed the
     * constant folder's buffer; 100 factors of {B} (= 2) and 1 -> 2^100 */
    n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(longf + n, sizeof longf - n, "{B} * ");
    snprintf(longf + n, sizeof longf - n, "1");
    assert_true(eval(longf) == ldexp(1, 100));
    /* 150 levels are fine: (((1))) -> 1 */
    memset(deep, 0, sizeof deep);
    memset(deep, '(', 150);
    deep[150] = '1';
    memset(deep + 151, ')', 150);
    assert_true(eval(deep) == 1);
}

static void
test_eval_errors(void **state)
{
    (void)state;
    lr_error err;
    double v;
    lr_formula *f = lr_formula_compile("{B} / ({S} - 8)", NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), -1);
    assert_non_null(strstr(err.msg, "division by zero"));
    lr_formula_free(f);
    f = lr_formula_compile("sqrt({B} - 3)", NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), -1);
    assert_non_null(strstr(err.msg, "NaN"));
    lr_formula_free(f);
    f = lr_formula_compile("10 ** (400 * {B})", NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), -1);
    assert_non_null(strstr(err.msg, "infinite"));
    lr_formula_free(f);
    /* constant division by zero is left to evaluation, which names it */
    f = lr_formula_compile("1 / 0", NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), -1);
    lr_formula_free(f);
}

static void
test_error_format(void **state)
{
    (void)state;
    lr_error err;
    lr_formula *f = lr_formula_compile("2 * {B} +", NULL, NULL, NULL, 0, &err);
    assert_null(f);
    char buf[2048];
    lr_error_format(&err, buf, sizeof buf);
    /* "column 10: unexpected end of formula\n    2 * {B} +\n             ^" */
    assert_non_null(strstr(buf, "column 10"));
    assert_non_null(strstr(buf, "2 * {B} +\n"));
    const char *caret = strstr(buf, "+\n    ");
    assert_non_null(caret);
    assert_string_equal(caret + 2, "             ^"); /* 4 spaces + 9 + ^ */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),       cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_variables),     cmocka_unit_test(test_conditionals),
        cmocka_unit_test(test_functions),     cmocka_unit_test(test_extra_names),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_eval_errors),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_error_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
