/*
 * vm.c: compiles bound formula trees to a flat stack bytecode and runs
 * it. A whole plan (every formula of every op) is one program whose STORE
 * instructions write the op fields, so an analysis is one pass through one
 * array with no allocation and no per-formula call overhead.
 *
 * Code is an int32 array: an opcode, then its immediate where it has one.
 */
#include <stdlib.h>
#include <string.h>

#include "formula/formula.h"

/* The first opcodes are the binary operators then the functions, generated
 * from the lists in formula.h, so emission adds the enum value to OP_ADD or
 * OP_MIN and execution calls the same row of lr_binops / lr_funcs that the
 * constant folder calls. */
#define BINOP_OPCODE(name, text) OP_##name,
#define FUNC_OPCODE(name, text, arity) OP_##name,
enum {
    LR_BINOPS(BINOP_OPCODE) /* pop b, a; push a op b; may fail (division by zero) */
    LR_FUNCS(FUNC_OPCODE)   /* unary: replace top; OP_MIN, OP_MAX: imm n: pop n, push one */
    OP_CONST,               /* imm k: push constant k */
    OP_VAR,                 /* imm v: push runtime variable v */
    OP_NEG,                 /* negate top */
    OP_NOT,                 /* top = (top == 0) */
    OP_JZ,                  /* imm pc: pop; jump unless true (lr_arith_true) */
    OP_JMP,                 /* imm pc: jump */
    OP_STORE,               /* imm slot: pop into out[slot], checking it is finite */
    OP_OUT,                 /* imm slot: push out[slot] (an op's presence, to guard its fields) */
    OP_MULV,                /* imm v: top = top * vars[v] (VAR v; MUL in one dispatch) */
    OP_MULK,                /* imm k: top = top * constant k (CONST k; MUL) */
    OP_END
};
#undef BINOP_OPCODE
#undef FUNC_OPCODE

void
lr_prog_init(lr_prog *p)
{
    memset(p, 0, sizeof *p);
}

void
lr_prog_free(lr_prog *p)
{
    free(p->code);
    free(p->k);
    memset(p, 0, sizeof *p);
}

static void
emit(lr_prog *p, int32_t w)
{
    if (p->ncode == p->capcode) {
        p->capcode = p->capcode ? p->capcode * 2 : 256;
        p->code = lr_xrealloc(p->code, p->capcode, sizeof *p->code);
    }
    p->code[p->ncode++] = w;
}

static void
push_depth(lr_prog *p, int d)
{
    p->depth += d;
    if (p->depth > p->maxdepth)
        p->maxdepth = p->depth;
}

static int32_t
constant(lr_prog *p, double v)
{
    for (size_t i = 0; i < p->nk; i++)
        if (memcmp(&p->k[i], &v, sizeof v) == 0)
            return (int32_t)i;
    if (p->nk == p->capk) {
        p->capk = p->capk ? p->capk * 2 : 64;
        p->k = lr_xrealloc(p->k, p->capk, sizeof *p->k);
    }
    p->k[p->nk] = v;
    return (int32_t)p->nk++;
}

static void
gen(lr_prog *p, const ast *e)
{
    switch (e->kind) {
    case A_NUM:
        emit(p, OP_CONST);
        emit(p, constant(p, e->num));
        push_depth(p, 1);
        return;
    case A_SLOT:
        emit(p, OP_VAR);
        emit(p, e->op);
        push_depth(p, 1);
        return;
    case A_NEG:
    case A_NOT:
        gen(p, e->args[0]);
        emit(p, e->kind == A_NEG ? OP_NEG : OP_NOT);
        return;
    case A_BIN:
        gen(p, e->args[0]);
        /* the folded chains k * {B} * {S} ... are most of a program: their
         * right operands are fused into the multiplication, which computes
         * the same product in the same order */
        if (e->op == B_MUL && (e->args[1]->kind == A_SLOT || e->args[1]->kind == A_NUM)) {
            int var = e->args[1]->kind == A_SLOT;
            emit(p, var ? OP_MULV : OP_MULK);
            emit(p, var ? e->args[1]->op : constant(p, e->args[1]->num));
            return;
        }
        gen(p, e->args[1]);
        emit(p, OP_ADD + e->op);
        push_depth(p, -1);
        return;
    case A_FUNC:
        for (int i = 0; i < e->nargs; i++)
            gen(p, e->args[i]);
        emit(p, OP_MIN + e->op);
        if (lr_funcs[e->op].arity < 0) {
            emit(p, e->nargs);
            push_depth(p, 1 - e->nargs);
        }
        return;
    case A_COND: {
        gen(p, e->args[0]);
        emit(p, OP_JZ);
        size_t jz = p->ncode;
        emit(p, 0);
        push_depth(p, -1);
        gen(p, e->args[1]);
        emit(p, OP_JMP);
        size_t jmp = p->ncode;
        emit(p, 0);
        p->code[jz] = (int32_t)p->ncode;
        push_depth(p, -1); /* only one branch's value is on the stack */
        gen(p, e->args[2]);
        p->code[jmp] = (int32_t)p->ncode;
        return;
    }
    case A_VAR:
    case A_CALL:
        /* lr_bind removes these; reaching here is a bug in the caller */
        abort();
    }
}

void
lr_prog_emit_store(lr_prog *p, const ast *e, int slot)
{
    gen(p, e);
    emit(p, OP_STORE);
    emit(p, slot);
    push_depth(p, -1);
    p->nstore++;
}

size_t
lr_prog_emit_guard(lr_prog *p, int slot)
{
    emit(p, OP_OUT);
    emit(p, slot);
    emit(p, OP_JZ);
    emit(p, 0);
    return p->ncode - 1;
}

void
lr_prog_patch_guard(lr_prog *p, size_t at)
{
    p->code[at] = (int32_t)p->ncode;
}

/* Which output was being computed at pc: the next STORE after it. */
static int
slot_at(const lr_prog *p, size_t pc)
{
    size_t i = 0;
    while (i < p->ncode) {
        int32_t op = p->code[i];
        int has_imm = op == OP_MIN || op == OP_MAX || op == OP_CONST || op == OP_VAR ||
                      op == OP_JZ || op == OP_JMP || op == OP_STORE || op == OP_OUT ||
                      op == OP_MULV || op == OP_MULK;
        if (op == OP_STORE && i >= pc)
            return p->code[i + 1];
        i += has_imm ? 2 : 1;
    }
    return -1;
}

int
lr_prog_run(const lr_prog *p, const double *vars, double *out, double *stack, int *bad_slot,
            const char **why)
{
    const int32_t *code = p->code;
    const double *k = p->k;
    size_t pc = 0, end = p->ncode;
    double *sp = stack; /* points past the top */
    while (pc < end) {
        switch (code[pc]) {
/* one case per operator and function, each calling its own arith row */
#define BINOP_CASE(name, text)                                                                     \
    case OP_##name: {                                                                              \
        sp--;                                                                                      \
        const char *bad = lr_bin_##name(sp[-1], sp[0], &sp[-1]);                                   \
        if (bad) {                                                                                 \
            *why = bad;                                                                            \
            *bad_slot = slot_at(p, pc);                                                            \
            return -1;                                                                             \
        }                                                                                          \
        pc++;                                                                                      \
        break;                                                                                     \
    }
            LR_BINOPS(BINOP_CASE)
#undef BINOP_CASE
#define FUNC_CASE(name, text, arity)                                                               \
    case OP_##name: {                                                                              \
        int n = (arity) < 0 ? code[pc + 1] : 1; /* min, max carry their count */                   \
        sp -= n;                                                                                   \
        sp[0] = lr_fn_##name(sp, n);                                                               \
        sp++;                                                                                      \
        pc += (arity) < 0 ? 2 : 1;                                                                 \
        break;                                                                                     \
    }
            LR_FUNCS(FUNC_CASE)
#undef FUNC_CASE
        case OP_CONST:
            *sp++ = k[code[pc + 1]];
            pc += 2;
            break;
        case OP_VAR:
            *sp++ = vars[code[pc + 1]];
            pc += 2;
            break;
        case OP_OUT:
            *sp++ = out[code[pc + 1]];
            pc += 2;
            break;
        case OP_MULV:
            lr_bin_MUL(sp[-1], vars[code[pc + 1]], &sp[-1]); /* never fails */
            pc += 2;
            break;
        case OP_MULK:
            lr_bin_MUL(sp[-1], k[code[pc + 1]], &sp[-1]);
            pc += 2;
            break;
        case OP_NEG:
            sp[-1] = lr_arith_neg(sp[-1]);
            pc++;
            break;
        case OP_NOT:
            sp[-1] = lr_arith_not(sp[-1]);
            pc++;
            break;
        case OP_JZ:
            sp--;
            pc = lr_arith_true(sp[0]) ? pc + 2 : (size_t)code[pc + 1];
            break;
        case OP_JMP: pc = (size_t)code[pc + 1]; break;
        case OP_STORE: {
            double v = *--sp;
            *why = lr_arith_check(v);
            if (*why) {
                *bad_slot = code[pc + 1];
                return -1;
            }
            out[code[pc + 1]] = v;
            pc += 2;
            break;
        }
        default:
            *why = "corrupt program";
            *bad_slot = -1;
            return -1;
        }
    }
    return 0;
}
