/*
 * fuzz_fold.c: libFuzzer target for the one arithmetic (src/formula/arith.c):
 * any bytes are a formula, compiled twice the way lr_formula_compile does
 * (parse, bind, fold, bytecode) and run. The first time every value is a
 * constant (runtime variables included), so the folder computes all it can;
 * the second time every number literal is hidden behind a variable slot of
 * its own and runtime variables stay variables, so the folder has nothing to
 * fold and the VM computes everything. The two must give the same bits, or
 * the same error; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formula/formula.h"
#include "llmroof.h"

/* The runtime variables' values: a few zeros, fractions and negatives so
 * that divisions, logarithms and roots meet their edges. */
static const double runtime[LR_NVARS] = {1, 2048, 2048, 2, 0.5, 0, 1, 1, 16, -3, 16,
                                         0, 1,    0,    0, 0,   0, 0, 1, 1,  2.5};

/* The slot a runtime variable name (aliases and out_bytes included) reads. */
static int
runtime_slot(const char *name)
{
    int v = lr_var_lookup(name);
    return v >= 0 ? v : strcmp(name, "out_bytes") == 0 ? LR_V_A_BYTES : -1;
}

typedef struct env_list {
    lr_arena *arena;
    lr_binding b[LR_NVARS + 8]; /* each distinct name once: at most 21 + aliases */
    size_t n;
} env_list;

/* Binds each runtime variable name the formula uses to its value. */
static int
add_binding(const ast *e, void *ud)
{
    env_list *env = ud;
    int v = e->kind == A_VAR ? runtime_slot(e->name) : -1;
    if (v < 0)
        return 0;
    for (size_t i = 0; i < env->n; i++)
        if (strcmp(env->b[i].name, e->name) == 0)
            return 0;
    if (env->n == sizeof env->b / sizeof env->b[0])
        abort(); /* more distinct runtime variable names than exist */
    env->b[env->n].name = e->name;
    env->b[env->n++].value = lr_ast_num(env->arena, runtime[v]);
    return 0;
}

static size_t
count_numbers(const ast *e)
{
    size_t n = e->kind == A_NUM;
    for (int i = 0; i < e->nargs; i++)
        n += count_numbers(e->args[i]);
    return n;
}

/* Turns every number into a slot after the runtime variables, recording its
 * value there. */
static void
hide_numbers(ast *e, double *vars, size_t *next)
{
    if (e->kind == A_NUM) {
        e->kind = A_SLOT;
        e->op = (int)*next;
        vars[(*next)++] = e->num;
    }
    for (int i = 0; i < e->nargs; i++)
        hide_numbers(e->args[i], vars, next);
}

typedef struct outcome {
    int compiled;    /* 0: parse or bind failed (then the same both ways) */
    int rc;          /* lr_prog_run */
    double value;    /* when rc == 0 */
    const char *why; /* when rc < 0 */
} outcome;

static outcome
compile_and_run(const char *text, int hide)
{
    outcome o = {0, 0, 0, NULL};
    lr_arena arena = {0};
    lr_error err;
    memset(&err, 0, sizeof err);
    double *vars = NULL;
    env_list env = {&arena, {{0}}, 0};
    lr_bind_ctx cx = {&arena, NULL, NULL, LR_V_A_BYTES, 0, &err, LR_WR_DEFAULT};
    ast *t = lr_expr_parse(&arena, text, &err);
    if (!t)
        goto done;
    if (hide) {
        size_t next = LR_NVARS;
        vars = calloc(LR_NVARS + count_numbers(t), sizeof *vars);
        if (!vars)
            abort();
        memcpy(vars, runtime, sizeof runtime);
        hide_numbers(t, vars, &next);
    } else {
        lr_ast_walk(t, add_binding, &env);
    }
    ast *b = lr_bind(&cx, t, env.b, env.n);
    if (!b)
        goto done;
    b = lr_ast_fold(&arena, b);
    lr_prog prog;
    lr_prog_init(&prog);
    lr_prog_emit_store(&prog, b, 0);
    double *stack = calloc((size_t)prog.maxdepth + 1, sizeof *stack);
    if (!stack)
        abort();
    int bad;
    o.compiled = 1;
    o.rc = lr_prog_run(&prog, hide ? vars : runtime, &o.value, stack, &bad, &o.why);
    free(stack);
    lr_prog_free(&prog);
done:
    free(vars);
    lr_arena_free(&arena);
    return o;
}

static int
same(const outcome *a, const outcome *b)
{
    if (a->compiled != b->compiled || a->rc != b->rc)
        return 0;
    if (!a->compiled)
        return 1;
    if (a->rc < 0)
        return strcmp(a->why, b->why) == 0;
    return memcmp(&a->value, &b->value, sizeof a->value) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    outcome folded = compile_and_run(text, 0);
    outcome hidden = compile_and_run(text, 1);
    if (!same(&folded, &hidden)) {
        fprintf(stderr,
                "fuzz_fold: folding changed the result of '%s': folded %d %.17g %s, "
                "unfolded %d %.17g %s\n",
                text, folded.rc, folded.value, folded.why ? folded.why : "", hidden.rc,
                hidden.value, hidden.why ? hidden.why : "");
        abort();
    }
    free(text);
    return 0;
}
