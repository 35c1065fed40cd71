/*
 * parse.c: the formula language's lexer and parser, and tree utilities
 * (constant folding, printing, walking). The arithmetic itself, folding
 * included, is in arith.c.
 *
 * Grammar, loosest binding first (docs/formula-language.md):
 *   cond   := or ('?' cond ':' cond)?
 *   or     := and ('||' and)*
 *   and    := cmp ('&&' cmp)*
 *   cmp    := sum (('<'|'<='|'>'|'>='|'=='|'!=') sum)?
 *   sum    := prod (('+'|'-') prod)*
 *   prod   := unary (('*'|'/'|'%') unary)*
 *   unary  := ('-'|'+'|'!') unary | pow
 *   pow    := atom (('**'|'^') unary)?        right-associative, binds tighter
 *   atom   := NUMBER | '{' name '}' | '${' class '}' '(' args ')' |
 *             func '(' args ')' | '(' cond ')'
 * `a && b` and `a || b` become conditionals so that only the needed side is
 * evaluated (a guarded division must not fail on the branch not taken).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formula/formula.h"

/* Limits that keep hostile formulas from exhausting the stack in the
 * recursive passes (parse, bind, fold, emit): real formulas use a few
 * dozen nodes and a nesting depth under ten. */
#define MAX_DEPTH 200
#define MAX_NODES 5000

typedef struct parser {
    lr_arena *arena;
    const char *src;
    const char *p;
    lr_error *err;
    int failed;
    int depth;
    int nodes;
} parser;

static void
fail(parser *ps, const char *at, const char *fmt, const char *arg)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    lr_error *e = ps->err;
    if (!e)
        return;
    snprintf(e->msg, sizeof e->msg, fmt, arg ? arg : "");
    e->col = (int)(at - ps->src) + 1;
    snprintf(e->source, sizeof e->source, "%s", ps->src);
}

static void
skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int
accept(parser *ps, const char *tok)
{
    skip_ws(ps);
    size_t n = strlen(tok);
    if (strncmp(ps->p, tok, n) != 0)
        return 0;
    /* Do not take '*' out of '**', '<' out of '<=', '!' out of '!=' ... */
    if (n == 1 &&
        (tok[0] == '*' || tok[0] == '<' || tok[0] == '>' || tok[0] == '!' || tok[0] == '=') &&
        (ps->p[1] == '=' || (tok[0] == '*' && ps->p[1] == '*')))
        return 0;
    ps->p += n;
    return 1;
}

static ast *
node(parser *ps, enum ast_kind kind, const char *at)
{
    if (++ps->nodes > MAX_NODES)
        fail(ps, at, "formula too long (more than %s operations)", "5000");
    ast *e = lr_arena_alloc(ps->arena, sizeof *e);
    e->kind = kind;
    e->col = (int)(at - ps->src) + 1;
    return e;
}

static ast *
bin(parser *ps, int op, ast *l, ast *r, const char *at)
{
    ast *e = node(ps, A_BIN, at);
    e->op = op;
    e->args = lr_arena_alloc(ps->arena, 2 * sizeof *e->args);
    e->args[0] = l;
    e->args[1] = r;
    e->nargs = 2;
    return e;
}

static ast *
cond3(parser *ps, ast *c, ast *a, ast *b, const char *at)
{
    ast *e = node(ps, A_COND, at);
    e->args = lr_arena_alloc(ps->arena, 3 * sizeof *e->args);
    e->args[0] = c;
    e->args[1] = a;
    e->args[2] = b;
    e->nargs = 3;
    return e;
}

static ast *parse_cond(parser *ps);
static ast *parse_unary(parser *ps);
static ast *parse_unary_inner(parser *ps, const char *at);

/* Reads "name}" after an opening brace: a name is any run of characters
 * other than whitespace and braces (class names carry dots). */
static const char *
read_braced(parser *ps, const char *what)
{
    const char *start = ps->p;
    while (*ps->p && *ps->p != '}' && !isspace((unsigned char)*ps->p) && *ps->p != '{')
        ps->p++;
    if (*ps->p != '}' || ps->p == start) {
        fail(ps, ps->p, "expected %s name and '}'", what);
        return NULL;
    }
    size_t n = (size_t)(ps->p - start);
    char *name = lr_arena_alloc(ps->arena, n + 1);
    memcpy(name, start, n);
    ps->p++;
    return name;
}

static int
parse_args(parser *ps, ast *call)
{
    if (!accept(ps, "(")) {
        fail(ps, ps->p, "expected '(' after %s",
             call->kind == A_CALL ? "module call" : "function name");
        return -1;
    }
    ast *buf[64];
    int n = 0;
    skip_ws(ps);
    if (!accept(ps, ")")) {
        for (;;) {
            if (n == 64) {
                fail(ps, ps->p, "too many arguments%s", NULL);
                return -1;
            }
            buf[n++] = parse_cond(ps);
            if (ps->failed)
                return -1;
            if (accept(ps, ")"))
                break;
            if (!accept(ps, ",")) {
                fail(ps, ps->p, "expected ',' or ')' in argument list%s", NULL);
                return -1;
            }
        }
    }
    call->args = lr_arena_alloc(ps->arena, (size_t)(n ? n : 1) * sizeof *call->args);
    memcpy(call->args, buf, (size_t)n * sizeof *buf);
    call->nargs = n;
    return 0;
}

static ast *
parse_number(parser *ps)
{
    const char *at = ps->p, *q = ps->p;
    /* decimal only: digits, an optional fraction, an optional exponent
     * (strtod alone would also take hex such as 0x10) */
    while (isdigit((unsigned char)*q))
        q++;
    if (*q == '.')
        for (q++; isdigit((unsigned char)*q); q++)
            ;
    if ((*q == 'e' || *q == 'E') &&
        (isdigit((unsigned char)q[1]) ||
         ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
        q += 2;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (isalpha((unsigned char)*q) || *q == '_' || *q == '.') {
        fail(ps, q, "bad number: unexpected '%s' (numbers are decimal: 12, 1.5, 2e9)",
             (char[]){*q, 0});
        return NULL;
    }
    char buf[64];
    size_t n = (size_t)(q - at);
    if (n >= sizeof buf) {
        fail(ps, at, "number too long%s", NULL);
        return NULL;
    }
    memcpy(buf, at, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v)) {
        fail(ps, at, "number out of range%s", NULL);
        return NULL;
    }
    ps->p = q;
    ast *e = node(ps, A_NUM, at);
    e->num = v;
    return e;
}

static ast *
parse_atom(parser *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    char c = *ps->p;
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)ps->p[1])))
        return parse_number(ps);
    if (c == '{') {
        ps->p++;
        ast *e = node(ps, A_VAR, at);
        e->name = read_braced(ps, "variable");
        return ps->failed ? NULL : e;
    }
    if (c == '$') {
        if (ps->p[1] != '{') {
            fail(ps, at, "expected '${' to start a module call%s", NULL);
            return NULL;
        }
        ps->p += 2;
        ast *e = node(ps, A_CALL, at);
        e->name = read_braced(ps, "module class");
        if (ps->failed || parse_args(ps, e) < 0)
            return NULL;
        return e;
    }
    if (c == '(') {
        ps->p++;
        ast *e = parse_cond(ps);
        if (ps->failed)
            return NULL;
        if (!accept(ps, ")")) {
            fail(ps, ps->p, "expected ')'%s", NULL);
            return NULL;
        }
        return e;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        const char *s = ps->p;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
            ps->p++;
        size_t n = (size_t)(ps->p - s);
        for (int f = 0; f < NFUNCS; f++) {
            if (strlen(lr_funcs[f].name) == n && strncmp(s, lr_funcs[f].name, n) == 0) {
                ast *e = node(ps, A_FUNC, at);
                e->op = f;
                if (parse_args(ps, e) < 0)
                    return NULL;
                int want = lr_funcs[f].arity;
                if ((want == 1 && e->nargs != 1) || (want == -1 && e->nargs < 1)) {
                    fail(ps, at,
                         want == 1 ? "%s() takes exactly one argument"
                                   : "%s() takes at least one argument",
                         lr_funcs[f].name);
                    return NULL;
                }
                return e;
            }
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), s);
        fail(ps, at,
             "unknown function '%s' (functions: min max ceil floor sqrt log2 log exp abs round; "
             "variables are written {name})",
             name);
        return NULL;
    }
    if (c == '\0')
        fail(ps, at, "unexpected end of formula%s", NULL);
    else
        fail(ps, at, "unexpected character '%s'", (char[]){c, 0});
    return NULL;
}

static ast *
parse_pow(parser *ps)
{
    ast *base = parse_atom(ps);
    if (ps->failed)
        return NULL;
    skip_ws(ps);
    const char *at = ps->p;
    if (accept(ps, "**") || accept(ps, "^")) {
        ast *ex = parse_unary(ps); /* right-assoc: 2**3**2 = 2**9 */
        if (ps->failed)
            return NULL;
        return bin(ps, B_POW, base, ex, at);
    }
    return base;
}

static ast *
parse_unary(parser *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (ps->depth >= MAX_DEPTH) {
        fail(ps, at, "formula nested too deeply (more than %s levels)", "200");
        return NULL;
    }
    ps->depth++;
    ast *e = parse_unary_inner(ps, at);
    ps->depth--;
    return ps->failed ? NULL : e;
}

static ast *
parse_unary_inner(parser *ps, const char *at)
{
    if (accept(ps, "-")) {
        ast *e = node(ps, A_NEG, at);
        e->args = lr_arena_alloc(ps->arena, sizeof *e->args);
        e->args[0] = parse_unary(ps);
        e->nargs = 1;
        return ps->failed ? NULL : e;
    }
    if (accept(ps, "+"))
        return parse_unary(ps);
    if (accept(ps, "!")) {
        ast *e = node(ps, A_NOT, at);
        e->args = lr_arena_alloc(ps->arena, sizeof *e->args);
        e->args[0] = parse_unary(ps);
        e->nargs = 1;
        return ps->failed ? NULL : e;
    }
    return parse_pow(ps);
}

static ast *
parse_prod(parser *ps)
{
    ast *l = parse_unary(ps);
    while (!ps->failed) {
        skip_ws(ps);
        const char *at = ps->p;
        int op;
        if (accept(ps, "*"))
            op = B_MUL;
        else if (accept(ps, "/"))
            op = B_DIV;
        else if (accept(ps, "%"))
            op = B_MOD;
        else
            break;
        ast *r = parse_unary(ps);
        if (ps->failed)
            return NULL;
        l = bin(ps, op, l, r, at);
    }
    return ps->failed ? NULL : l;
}

static ast *
parse_sum(parser *ps)
{
    ast *l = parse_prod(ps);
    while (!ps->failed) {
        skip_ws(ps);
        const char *at = ps->p;
        int op;
        if (accept(ps, "+"))
            op = B_ADD;
        else if (accept(ps, "-"))
            op = B_SUB;
        else
            break;
        ast *r = parse_prod(ps);
        if (ps->failed)
            return NULL;
        l = bin(ps, op, l, r, at);
    }
    return ps->failed ? NULL : l;
}

static ast *
parse_cmp(parser *ps)
{
    ast *l = parse_sum(ps);
    if (ps->failed)
        return NULL;
    skip_ws(ps);
    const char *at = ps->p;
    static const struct {
        const char *tok;
        int op;
    } ops[] = {{"<=", B_LE}, {">=", B_GE}, {"==", B_EQ}, {"!=", B_NE}, {"<", B_LT}, {">", B_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (accept(ps, ops[i].tok)) {
            ast *r = parse_sum(ps);
            if (ps->failed)
                return NULL;
            return bin(ps, ops[i].op, l, r, at);
        }
    }
    return l;
}

static ast *
parse_and(parser *ps)
{
    ast *l = parse_cmp(ps);
    while (!ps->failed) {
        skip_ws(ps);
        const char *at = ps->p;
        if (!accept(ps, "&&"))
            break;
        ast *r = parse_cmp(ps);
        if (ps->failed)
            return NULL;
        l = cond3(ps, l, bin(ps, B_NE, r, lr_ast_num(ps->arena, 0), at), lr_ast_num(ps->arena, 0),
                  at);
    }
    return ps->failed ? NULL : l;
}

static ast *
parse_or(parser *ps)
{
    ast *l = parse_and(ps);
    while (!ps->failed) {
        skip_ws(ps);
        const char *at = ps->p;
        if (!accept(ps, "||"))
            break;
        ast *r = parse_and(ps);
        if (ps->failed)
            return NULL;
        l = cond3(ps, l, lr_ast_num(ps->arena, 1), bin(ps, B_NE, r, lr_ast_num(ps->arena, 0), at),
                  at);
    }
    return ps->failed ? NULL : l;
}

static ast *
parse_cond(parser *ps)
{
    ast *c = parse_or(ps);
    if (ps->failed)
        return NULL;
    skip_ws(ps);
    const char *at = ps->p;
    if (!accept(ps, "?"))
        return c;
    ast *a = parse_cond(ps);
    if (ps->failed)
        return NULL;
    if (!accept(ps, ":")) {
        fail(ps, ps->p, "expected ':' of a '? :' conditional%s", NULL);
        return NULL;
    }
    ast *b = parse_cond(ps);
    if (ps->failed)
        return NULL;
    return cond3(ps, c, a, b, at);
}

ast *
lr_expr_parse(lr_arena *arena, const char *text, lr_error *err)
{
    parser ps = {arena, text, text, err, 0, 0, 0};
    skip_ws(&ps);
    if (!*ps.p) {
        fail(&ps, ps.p, "empty formula%s", NULL);
        return NULL;
    }
    ast *e = parse_cond(&ps);
    if (ps.failed)
        return NULL;
    skip_ws(&ps);
    if (*ps.p) {
        fail(&ps, ps.p, "unexpected '%s' after the end of the expression", (char[]){*ps.p, 0});
        return NULL;
    }
    return e;
}

ast *
lr_ast_num(lr_arena *a, double v)
{
    ast *e = lr_arena_alloc(a, sizeof *e);
    e->kind = A_NUM;
    e->num = v;
    return e;
}

int
lr_ast_walk(const ast *e, lr_ast_visit fn, void *ud)
{
    if (!e)
        return 0;
    if (e->kind == A_VAR || e->kind == A_CALL) {
        int r = fn(e, ud);
        if (r)
            return r;
    }
    for (int i = 0; i < e->nargs; i++) {
        int r = lr_ast_walk(e->args[i], fn, ud);
        if (r)
            return r;
    }
    return 0;
}

/* ---- constant folding ---- */

/* x - c and x / c are x exactly when c is +0 (not -0: -0 - -0 is +0) or 1. */
static int
is_identity(const ast *e, double v)
{
    return e->kind == A_NUM && e->num == v && !signbit(e->num);
}

/* Whether e reads anything that is not a constant. A subtree without
 * variables that is not a constant was left unfolded on purpose (it divides
 * by zero or passes through NaN or infinity): it must run as written. */
static int
has_vars(const ast *e)
{
    if (e->kind == A_VAR || e->kind == A_SLOT || e->kind == A_CALL)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (has_vars(e->args[i]))
            return 1;
    return 0;
}

/* Collects the factors of a product chain (a*b*c) into out[]. */
static int
collect(ast *e, int op, ast **out, int n, int cap)
{
    if (n < 0)
        return n;
    if (e->kind == A_BIN && e->op == op && has_vars(e)) {
        n = collect(e->args[0], op, out, n, cap);
        return collect(e->args[1], op, out, n, cap);
    }
    if (n == cap)
        return -1; /* a longer chain than the buffer: leave it unflattened */
    out[n++] = e;
    return n;
}

/* Rebuilds a product or sum with all constant terms combined into one, so
 * that 2*{B}*{S}*4096*4096 costs three multiplications at run time. This
 * reorders the operations, which is exact while every value is an integer
 * below 2^53, as counts of FLOPs and bytes are; it is done only when every
 * other term depends on a variable, so that a formula of constants alone
 * folds to exactly the bits the VM would compute (fuzz/fuzz_fold.c). */
static ast *
fold_chain(lr_arena *a, ast *e)
{
    ast *terms[64];
    int n = collect(e, e->op, terms, 0, 64);
    if (n < 0)
        return e;
    double unit = e->op == B_MUL ? 1 : 0;
    double k = unit;
    int nk = 0, m = 0;
    for (int i = 0; i < n; i++) {
        if (terms[i]->kind == A_NUM) {
            lr_binops[e->op].apply(k, terms[i]->num, &k); /* + and * never fail */
            nk++;
        } else if (!has_vars(terms[i])) {
            return e;
        } else {
            terms[m++] = terms[i];
        }
    }
    if (!isfinite(k) || (nk < 2 && !(nk == 1 && k == unit)))
        return e; /* nothing to gain, or an overflow to report: keep the shape */
    ast *r = (nk && k != unit) || m == 0 ? lr_ast_num(a, k) : NULL;
    for (int i = 0; i < m; i++) {
        if (!r) {
            r = terms[i];
            continue;
        }
        ast *b = lr_arena_alloc(a, sizeof *b);
        b->kind = A_BIN;
        b->op = e->op;
        b->col = e->col;
        b->args = lr_arena_alloc(a, 2 * sizeof *b->args);
        b->args[0] = r;
        b->args[1] = terms[i];
        b->nargs = 2;
        r = b;
    }
    return r;
}

/* A constant for v, or NULL when the VM must compute it (see lr_arith_check). */
static ast *
fold_value(lr_arena *a, double v)
{
    return lr_arith_check(v) ? NULL : lr_ast_num(a, v);
}

static ast *
fold_func(lr_arena *a, ast *e)
{
    double x[64];
    for (int i = 0; i < e->nargs && i < 64; i++)
        x[i] = e->args[i]->num;
    ast *r = fold_value(a, lr_funcs[e->op].apply(x, e->nargs));
    return r ? r : e;
}

static ast *
fold_bin(lr_arena *a, ast *e)
{
    double v;
    /* a failing operation stays, for the evaluator to report with the op */
    if (lr_binops[e->op].apply(e->args[0]->num, e->args[1]->num, &v))
        return e;
    ast *r = fold_value(a, v);
    return r ? r : e;
}

/* Folds node e whose arguments are already folded. */
static ast *
fold_node(lr_arena *a, ast *e)
{
    int all = 1;
    for (int i = 0; i < e->nargs; i++)
        all &= e->args[i]->kind == A_NUM;
    switch (e->kind) {
    case A_NEG: return all ? lr_ast_num(a, lr_arith_neg(e->args[0]->num)) : e;
    case A_NOT: return all ? lr_ast_num(a, lr_arith_not(e->args[0]->num)) : e;
    case A_COND:
        if (e->args[0]->kind == A_NUM)
            return lr_arith_true(e->args[0]->num) ? e->args[1] : e->args[2];
        return e;
    case A_FUNC: return all ? fold_func(a, e) : e;
    case A_BIN:
        if (all)
            return fold_bin(a, e);
        if (e->op == B_MUL || e->op == B_ADD)
            return fold_chain(a, e);
        if ((e->op == B_SUB || e->op == B_DIV) && is_identity(e->args[1], e->op == B_SUB ? 0 : 1))
            return e->args[0];
        return e;
    default: return e;
    }
}

ast *
lr_ast_fold(lr_arena *a, ast *e)
{
    if (!e)
        return NULL;
    for (int i = 0; i < e->nargs; i++)
        e->args[i] = lr_ast_fold(a, e->args[i]);
    return fold_node(a, e);
}

/* The tree is shared with the generic program, so a node whose arguments
 * change is copied before it is folded; an unchanged subtree is returned
 * as it is (it was folded when the plan was built). */
const ast *
lr_ast_specialize(lr_arena *a, const ast *e, uint64_t known, const double *vals)
{
    if (e->kind == A_SLOT && (known >> e->op & 1) && isfinite(vals[e->op]))
        return lr_ast_num(a, vals[e->op]);
    if (e->nargs == 0)
        return e;
    const ast *args[64];
    int changed = 0, n = e->nargs < 64 ? e->nargs : 64;
    for (int i = 0; i < n; i++) {
        args[i] = lr_ast_specialize(a, e->args[i], known, vals);
        changed |= args[i] != e->args[i];
    }
    if (!changed || e->nargs > 64)
        return e;
    ast *c = lr_arena_alloc(a, sizeof *c);
    *c = *e;
    c->args = lr_arena_alloc(a, (size_t)n * sizeof *c->args);
    memcpy(c->args, args, (size_t)n * sizeof *c->args);
    return fold_node(a, c);
}

/* ---- printing ---- */

static void
put(char *buf, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (*n + l + 1 > cap)
        l = *n + 1 < cap ? cap - *n - 1 : 0;
    memcpy(buf + *n, s, l);
    *n += l;
    buf[*n] = '\0';
}

static void
print_rec(const ast *e, char *buf, size_t cap, size_t *n)
{
    char tmp[64];
    switch (e->kind) {
    case A_NUM:
        snprintf(tmp, sizeof tmp, "%.17g", e->num);
        put(buf, cap, n, tmp);
        return;
    case A_VAR:
        put(buf, cap, n, "{");
        put(buf, cap, n, e->name);
        put(buf, cap, n, "}");
        return;
    case A_SLOT:
        put(buf, cap, n, "{");
        put(buf, cap, n, lr_var_name((enum lr_var)e->op));
        put(buf, cap, n, "}");
        return;
    case A_NEG:
    case A_NOT:
        put(buf, cap, n, e->kind == A_NEG ? "-(" : "!(");
        print_rec(e->args[0], buf, cap, n);
        put(buf, cap, n, ")");
        return;
    case A_BIN:
        put(buf, cap, n, "(");
        print_rec(e->args[0], buf, cap, n);
        put(buf, cap, n, " ");
        put(buf, cap, n, lr_binops[e->op].text);
        put(buf, cap, n, " ");
        print_rec(e->args[1], buf, cap, n);
        put(buf, cap, n, ")");
        return;
    case A_COND:
        put(buf, cap, n, "(");
        print_rec(e->args[0], buf, cap, n);
        put(buf, cap, n, " ? ");
        print_rec(e->args[1], buf, cap, n);
        put(buf, cap, n, " : ");
        print_rec(e->args[2], buf, cap, n);
        put(buf, cap, n, ")");
        return;
    case A_FUNC:
    case A_CALL:
        if (e->kind == A_CALL) {
            put(buf, cap, n, "${");
            put(buf, cap, n, e->name);
            put(buf, cap, n, "}(");
        } else {
            put(buf, cap, n, lr_funcs[e->op].name);
            put(buf, cap, n, "(");
        }
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(buf, cap, n, ", ");
            print_rec(e->args[i], buf, cap, n);
        }
        put(buf, cap, n, ")");
        return;
    }
}

void
lr_ast_print(const ast *e, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    print_rec(e, buf, cap, &n);
}

char *
lr_ast_print_alloc(const ast *e)
{
    /* a vision tower's token counts fold to formulas of a few thousand
     * characters: grow until the text fits rather than cut it */
    for (size_t cap = 1024;; cap *= 2) {
        char *buf = lr_xcalloc(cap, 1);
        lr_ast_print(e, buf, cap);
        if (strlen(buf) + 1 < cap)
            return buf;
        free(buf);
    }
}
