/*
 * arith.c: the one arithmetic of the formula language. Every binary
 * operator and every function is computed here and nowhere else: the
 * constant folder (parse.c) and the bytecode VM (vm.c) both call these
 * tables, so a folded formula and the same formula evaluated at run time
 * give the same bits and the same errors (as Lua's lcode.c and lvm.c share
 * the luai_num* macros). The list of operators and functions, with the
 * semantics of each, is LR_BINOPS / LR_FUNCS in formula.h.
 */
#include <math.h>

#include "formula/formula.h"

static const char *
op_ADD(double a, double b, double *r)
{
    *r = a + b;
    return NULL;
}

static const char *
op_SUB(double a, double b, double *r)
{
    *r = a - b;
    return NULL;
}

static const char *
op_MUL(double a, double b, double *r)
{
    *r = a * b;
    return NULL;
}

/* A zero divisor is an error even where IEEE would give inf or NaN: the
 * message names the cause, which "result is infinite" would not. */
static const char *
op_DIV(double a, double b, double *r)
{
    if (b == 0)
        return "division by zero";
    *r = a / b;
    return NULL;
}

static const char *
op_MOD(double a, double b, double *r)
{
    if (b == 0)
        return "modulo by zero";
    *r = fmod(a, b);
    return NULL;
}

static const char *
op_POW(double a, double b, double *r)
{
    *r = pow(a, b);
    return NULL;
}

static const char *
op_LT(double a, double b, double *r)
{
    *r = a < b;
    return NULL;
}

static const char *
op_LE(double a, double b, double *r)
{
    *r = a <= b;
    return NULL;
}

static const char *
op_GT(double a, double b, double *r)
{
    *r = a > b;
    return NULL;
}

static const char *
op_GE(double a, double b, double *r)
{
    *r = a >= b;
    return NULL;
}

static const char *
op_EQ(double a, double b, double *r)
{
    *r = a == b;
    return NULL;
}

static const char *
op_NE(double a, double b, double *r)
{
    *r = a != b;
    return NULL;
}

static double
fn_MIN(const double *x, int n)
{
    double v = x[0];
    for (int i = 1; i < n; i++)
        v = x[i] < v ? x[i] : v;
    return v;
}

static double
fn_MAX(const double *x, int n)
{
    double v = x[0];
    for (int i = 1; i < n; i++)
        v = x[i] > v ? x[i] : v;
    return v;
}

/* The unary functions ignore n (always 1). */
#define UNARY(name, cfn)                                                                           \
    static double fn_##name(const double *x, int n)                                                \
    {                                                                                              \
        (void)n;                                                                                   \
        return cfn(x[0]);                                                                          \
    }
UNARY(CEIL, ceil)
UNARY(FLOOR, floor)
UNARY(SQRT, sqrt)
UNARY(LOG2, log2)
UNARY(LOG, log)
UNARY(EXP, exp)
UNARY(ABS, fabs)
UNARY(ROUND, round)
#undef UNARY

#define BINOP_ROW(name, text) [B_##name] = {text, op_##name},
const lr_binop_def lr_binops[NBINOPS] = {LR_BINOPS(BINOP_ROW)};
#undef BINOP_ROW

#define FUNC_ROW(name, text, arity) [F_##name] = {text, arity, fn_##name},
const lr_func_def lr_funcs[NFUNCS] = {LR_FUNCS(FUNC_ROW)};
#undef FUNC_ROW

double
lr_arith_neg(double x)
{
    return -x;
}

double
lr_arith_not(double x)
{
    return x == 0;
}

int
lr_arith_true(double x)
{
    return x != 0;
}

const char *
lr_arith_check(double x)
{
    if (isnan(x))
        return "result is not a number (NaN)";
    if (isinf(x))
        return "result is infinite";
    return NULL;
}
