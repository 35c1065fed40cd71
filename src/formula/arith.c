/*
 * arith.c: the one arithmetic of the formula language. Every binary
 * operator and every function is computed here and nowhere else: the
 * constant folder (parse.c) and the bytecode VM (vm.c) both call these
 * tables, so a folded formula and the same formula evaluated at run time
 * give the same bits and the same errors (as Lua's lcode.c and lvm.c share
 * the luai_num* macros). The operators and functions themselves are static
 * inline in formula.h, so that the VM calls them without an indirect call;
 * here are the tables the folder and the parser look them up in.
 */
#include <math.h>

#include "formula/formula.h"

#define BINOP_ROW(name, text) [B_##name] = {text, lr_bin_##name},
const lr_binop_def lr_binops[NBINOPS] = {LR_BINOPS(BINOP_ROW)};
#undef BINOP_ROW

#define FUNC_ROW(name, text, arity) [F_##name] = {text, arity, lr_fn_##name},
const lr_func_def lr_funcs[NFUNCS] = {LR_FUNCS(FUNC_ROW)};
#undef FUNC_ROW
