/*
 * repr.c: the text print(model) shows for a PyTorch module (a HuggingFace
 * model's repr). Two parts:
 *
 *   1. lr_repr_parse: the text into a tree of the printed modules, with
 *      their numeric arguments as parameters and folded ModuleList runs as
 *      repeat counts;
 *   2. lr_arch_from_repr: an HF-style config derived from that tree through
 *      the profile's repr/ map for the root class, completed by --config,
 *      --set and inference, built through the family template, and checked
 *      against the printed tree (classes and layer dimensions).
 *
 * The grammar, the map format and the rules are in docs/repr.md.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

/* Real reprs nest about 6 deep; the bounds only keep hostile input from
 * exhausting the stack. */
#define REPR_MAX_DEPTH 64
#define REPR_MAX_VDEPTH 32

/* ---- growing text, for notes ---- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_line(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_line(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 2 > b->cap) {
        b->cap = (b->len + (size_t)n + 2) * 2;
        b->s = lr_xrealloc(b->s, b->cap, 1);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    b->s[b->len++] = '\n';
    b->s[b->len] = '\0';
}

/* ---- tree helpers ---- */

static void
node_init(lr_node *n, const char *name)
{
    memset(n, 0, sizeof *n);
    n->name = lr_xstrdup(name);
    n->repeat = 1;
}

/* Frees a node's contents through lr_arch_free, which owns the one
 * recursive node destructor of the library. */
static void
node_dispose(lr_node *n)
{
    lr_arch *holder = lr_xcalloc(1, sizeof *holder);
    holder->root = *n;
    lr_arch_free(holder);
    memset(n, 0, sizeof *n);
}

static lr_node *
add_sub(lr_node *parent, const char *name)
{
    parent->subs = lr_xrealloc(parent->subs, parent->nsubs + 1, sizeof *parent->subs);
    lr_node *c = &parent->subs[parent->nsubs++];
    node_init(c, name);
    return c;
}

/* The child of `n` named by the path component p[0..len): `name` is the
 * first child of that name, `name[j]` the j-th after it (sibling layer
 * groups of one name: DeepSeek's dense and MoE `layers`). */
static const lr_node *
find_child(const lr_node *n, const char *p, size_t len)
{
    size_t want = 0;
    const char *br = memchr(p, '[', len);
    if (br && p[len - 1] == ']') {
        want = (size_t)strtoul(br + 1, NULL, 10);
        len = (size_t)(br - p);
    }
    for (size_t i = 0; i < n->nsubs; i++)
        if (!n->subs[i].op && strlen(n->subs[i].name) == len &&
            strncmp(n->subs[i].name, p, len) == 0 && want-- == 0)
            return &n->subs[i];
    return NULL;
}

/* The node at a dotted path below `root` ("" is the root itself). Op
 * placeholders of template trees are not nodes of a path. */
static const lr_node *
find_path(const lr_node *root, const char *path)
{
    const lr_node *n = root;
    const char *p = path;
    while (n && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        n = find_child(n, p, len);
        p = dot ? dot + 1 : p + len;
    }
    return n;
}

static void
join_path(char *out, size_t cap, const char *parent, const char *name)
{
    snprintf(out, cap, "%s%s%s", parent, parent[0] ? "." : "", name);
}

/* The path of child i of `parent`: its name, with `[j]` when j earlier
 * siblings (ops aside) have the same name, as find_child reads it. */
static void
child_path(char *out, size_t cap, const char *path, const lr_node *parent, size_t i)
{
    size_t j = 0;
    for (size_t s = 0; s < i; s++)
        j += !parent->subs[s].op && strcmp(parent->subs[s].name, parent->subs[i].name) == 0;
    char name[512];
    if (j)
        snprintf(name, sizeof name, "%s[%zu]", parent->subs[i].name, j);
    else
        snprintf(name, sizeof name, "%s", parent->subs[i].name);
    join_path(out, cap, path, name);
}

/* ---- part 1: parsing ---- */

typedef struct rparse {
    const char *p;   /* cursor */
    const char *bol; /* start of the cursor's line */
    int line;
    const char *source;
    lr_error *err;
} rparse;

typedef struct rpos {
    int line, col;
} rpos;

static rpos
here(const rparse *r)
{
    return (rpos){r->line, (int)(r->p - r->bol) + 1};
}

static int fail_at(rparse *r, rpos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail_at(rparse *r, rpos at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lr_err_set(r->err, r->source, "", "%s", msg);
    if (r->err) {
        r->err->line = at.line;
        r->err->col = at.col;
    }
    return -1;
}

/* "end of text", "'x'" or "byte 0x07": what the parser found. */
static const char *
found(const char *p, char *buf, size_t cap)
{
    unsigned char c = (unsigned char)*p;
    if (!c)
        snprintf(buf, cap, "end of text");
    else if (c == '\n')
        snprintf(buf, cap, "end of line");
    else if (isprint(c))
        snprintf(buf, cap, "'%c'", c);
    else
        snprintf(buf, cap, "byte 0x%02x", c);
    return buf;
}

static void
advance(rparse *r)
{
    if (*r->p == '\n') {
        r->line++;
        r->bol = r->p + 1;
    }
    r->p++;
}

/* Spaces, tabs and carriage returns: the blanks within a line. */
static void
skip_blank(rparse *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r')
        advance(r);
}

static void
skip_space(rparse *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n')
        advance(r);
}

static int
ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static int
ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* A class name or keyword (dots allowed: lora.Linear), or NULL. */
static char *
read_ident(rparse *r)
{
    if (!ident_start(*r->p))
        return NULL;
    const char *s = r->p;
    while (ident_char(*r->p))
        advance(r);
    size_t n = (size_t)(r->p - s);
    char *id = lr_xmalloc(n + 1);
    memcpy(id, s, n);
    id[n] = '\0';
    return id;
}

static int parse_module(rparse *r, lr_node *n, int depth);
static int parse_value(rparse *r, lr_node *n, const char *name, int vdepth);

static void
add_num(lr_node *n, const char *name, double v)
{
    if (n && !lr_node_param(n, name))
        lr_node_add_param(n, name, v, NULL);
}

static int
parse_number(rparse *r, lr_node *n, const char *name)
{
    rpos at = here(r);
    char *end;
    double v = strtod(r->p, &end);
    if (end == r->p || ident_char(*end) || !isfinite(v)) {
        char b[32];
        at.col += (int)(end - r->p); /* at what spoils it (no newline in a number) */
        return fail_at(r, at, "bad number (found %s)", found(end, b, sizeof b));
    }
    while (r->p < end)
        advance(r);
    add_num(n, name, v);
    return 0;
}

/* A quoted string, skipped: strings are not dimensions. */
static int
skip_string(rparse *r)
{
    rpos at = here(r);
    char q = *r->p;
    advance(r);
    while (*r->p && *r->p != q && *r->p != '\n') {
        if (*r->p == '\\' && r->p[1] && r->p[1] != '\n')
            advance(r);
        advance(r);
    }
    if (*r->p != q)
        return fail_at(r, at, "unterminated string");
    advance(r);
    return 0;
}

/* The elements of (...), [...] or {...}: element i of a value named N is
 * named N_i; NAME=VALUE elements (arguments of a call) are N_NAME. */
static int
parse_seq(rparse *r, lr_node *n, const char *name, int vdepth)
{
    rpos at = here(r);
    char open = *r->p, close = open == '(' ? ')' : open == '[' ? ']' : '}';
    advance(r);
    for (int i = 0;; i++) {
        skip_space(r);
        if (*r->p == close) {
            advance(r);
            return 0;
        }
        char el[256];
        snprintf(el, sizeof el, "%s_%d", name, i);
        const char *save = r->p;
        char *kw = read_ident(r);
        if (kw && *r->p == '=' && r->p[1] != '=') {
            snprintf(el, sizeof el, "%s_%s", name, kw);
            advance(r);
        } else {
            r->p = save; /* an identifier never spans lines: line and bol hold */
        }
        free(kw);
        if (parse_value(r, n, el, vdepth + 1) < 0)
            return -1;
        skip_space(r);
        if (*r->p == ',' || (open == '{' && *r->p == ':')) {
            advance(r);
        } else if (*r->p != close) {
            char b[32];
            return fail_at(r, here(r),
                           "expected ',' or '%c' closing the '%c' at line %d, column %d; found %s",
                           close, open, at.line, at.col, found(r->p, b, sizeof b));
        }
    }
}

static int
parse_value(rparse *r, lr_node *n, const char *name, int vdepth)
{
    if (vdepth > REPR_MAX_VDEPTH)
        return fail_at(r, here(r), "arguments nested more than %d deep", REPR_MAX_VDEPTH);
    char c = *r->p;
    int sign = (c == '-' || c == '+') && (isdigit((unsigned char)r->p[1]) || r->p[1] == '.');
    if (isdigit((unsigned char)c) || sign || (c == '.' && isdigit((unsigned char)r->p[1])))
        return parse_number(r, n, name);
    if (c == '\'' || c == '"')
        return skip_string(r);
    if (c == '(' || c == '[' || c == '{')
        return parse_seq(r, n, name, vdepth);
    char *id = read_ident(r);
    if (!id) {
        char b[32];
        return fail_at(r, here(r), "unexpected %s in an argument list", found(r->p, b, sizeof b));
    }
    int rc = 0;
    if (*r->p == '(') /* a call (device(type='cuda')): checked, not kept */
        rc = parse_seq(r, NULL, name, vdepth);
    else if (strcmp(id, "True") == 0 || strcmp(id, "False") == 0)
        add_num(n, name, strcmp(id, "True") == 0);
    free(id);
    return rc;
}

/* One argument: NAME=VALUE, or a positional value named arg0, arg1, ... */
static int
parse_arg(rparse *r, lr_node *n, int *npos)
{
    char name[128];
    const char *save = r->p;
    char *kw = read_ident(r);
    if (kw && *r->p == '=' && r->p[1] != '=') {
        snprintf(name, sizeof name, "%s", kw);
        advance(r);
    } else {
        r->p = save;
        snprintf(name, sizeof name, "arg%d", (*npos)++);
    }
    free(kw);
    return parse_value(r, n, name, 0);
}

/* "(name): " starts a child; "(4096,)" is a tuple argument. */
static int
child_ahead(const rparse *r)
{
    if (*r->p != '(')
        return 0;
    const char *q = r->p + 1;
    while (*q && *q != ')' && *q != '(' && *q != '\n' && *q != ',' && *q != ' ')
        q++;
    if (*q != ')' || q == r->p + 1)
        return 0;
    q++;
    while (*q == ' ' || *q == '\t')
        q++;
    return *q == ':';
}

/* "12-31" -> 12 and 31; 0 when the key is not a range. */
static int
range_key(const char *key, long *a, long *b)
{
    char *e1, *e2;
    if (!isdigit((unsigned char)key[0]))
        return 0;
    *a = strtol(key, &e1, 10);
    if (*e1 != '-' || !isdigit((unsigned char)e1[1]))
        return 0;
    *b = strtol(e1 + 1, &e2, 10);
    return *e2 == '\0';
}

/* After a range key: "N x " with N the number of modules in the range. */
static int
parse_count(rparse *r, const char *key, rpos key_at, double *repeat)
{
    long a, b;
    if (!range_key(key, &a, &b))
        return 0;
    rpos at = here(r);
    char *end;
    long n = isdigit((unsigned char)*r->p) ? strtol(r->p, &end, 10) : -1;
    if (n < 0)
        return fail_at(r, at, "bad range: (%s) must be followed by 'N x ' (N modules)", key);
    while (r->p < end)
        advance(r);
    skip_blank(r);
    if (*r->p != 'x' || (r->p[1] != ' ' && r->p[1] != '\t'))
        return fail_at(r, here(r), "bad range: expected 'x ' after the count %ld of (%s)", n, key);
    advance(r);
    skip_blank(r);
    if (b > 1000000000L || n > 1000000000L) /* also keeps b - a + 1 from overflowing */
        return fail_at(r, key_at, "bad range (%s): more than 1e9 modules", key);
    if (b < a || n != b - a + 1)
        return fail_at(r, key_at,
                       "bad range (%s): %ld x does not match the %ld index(es) from %ld to %ld",
                       key, n, b >= a ? b - a + 1 : 0, a, b);
    *repeat = (double)n;
    return 0;
}

/* "(key): Module(...)" or "(a-b): N x Module(...)". */
static int
parse_child(rparse *r, lr_node *parent, int depth)
{
    rpos at = here(r);
    advance(r); /* '(' */
    const char *k = r->p;
    while (*r->p != ')')
        advance(r);
    size_t klen = (size_t)(r->p - k);
    char *key = lr_xmalloc(klen + 1);
    memcpy(key, k, klen);
    key[klen] = '\0';
    advance(r); /* ')' */
    skip_blank(r);
    advance(r); /* ':' (child_ahead saw it) */
    skip_blank(r);
    double repeat = 1;
    int rc = parse_count(r, key, at, &repeat);
    if (rc == 0) {
        lr_node *c = add_sub(parent, key);
        c->repeat = repeat;
        rc = parse_module(r, c, depth + 1);
    }
    free(key);
    return rc;
}

/* The inside of Class(...): arguments and children up to the ')'. */
static int
parse_body(rparse *r, lr_node *n, int depth, rpos open)
{
    int npos = 0;
    for (;;) {
        skip_space(r);
        if (*r->p == ')') {
            advance(r);
            return 0;
        }
        if (!*r->p)
            return fail_at(r, here(r),
                           "unbalanced parentheses: end of text inside %s( opened at line %d, "
                           "column %d",
                           n->cls, open.line, open.col);
        int rc = child_ahead(r) ? parse_child(r, n, depth) : parse_arg(r, n, &npos);
        if (rc < 0)
            return -1;
        skip_blank(r);
        if (*r->p == ',') {
            advance(r);
        } else if (*r->p != '\n' && *r->p != ')' && *r->p != '\0') {
            char b[32];
            return fail_at(r, here(r), "expected ',', a new line or ')' in %s(...), found %s",
                           n->cls, found(r->p, b, sizeof b));
        }
    }
}

/* Structural equality, names of the two nodes themselves left aside: the
 * layers of a ModuleList printed one by one. */
static int
node_equal(const lr_node *a, const lr_node *b)
{
    if (strcmp(a->cls, b->cls) != 0 || a->nparams != b->nparams || a->nsubs != b->nsubs)
        return 0;
    for (size_t i = 0; i < a->nparams; i++)
        if (strcmp(a->params[i].name, b->params[i].name) != 0 ||
            a->params[i].value != b->params[i].value)
            return 0;
    for (size_t i = 0; i < a->nsubs; i++)
        if (strcmp(a->subs[i].name, b->subs[i].name) != 0 ||
            a->subs[i].repeat != b->subs[i].repeat || !node_equal(&a->subs[i], &b->subs[i]))
            return 0;
    return 1;
}

/* Names "3" or "3-7" of two neighbouring runs -> "first-last". */
static void
merge_names(lr_node *into, const lr_node *next)
{
    char *e;
    long first = strtol(into->name, &e, 10);
    const char *dash = strchr(next->name, '-');
    long last = strtol(dash ? dash + 1 : next->name, NULL, 10);
    if (e == into->name)
        return;
    free(into->name);
    into->name = lr_xasprintf("%ld-%ld", first, last);
}

/* A ModuleList: runs of equal children merge (older PyTorch prints every
 * index); a list that is one run becomes the run's module with a repeat
 * count, so that paths read model.layers.mlp like the templates' trees. */
static void
fold_list(lr_node *n)
{
    size_t w = 0;
    for (size_t i = 0; i < n->nsubs; i++) {
        if (w > 0 && node_equal(&n->subs[w - 1], &n->subs[i])) {
            n->subs[w - 1].repeat += n->subs[i].repeat;
            merge_names(&n->subs[w - 1], &n->subs[i]);
            node_dispose(&n->subs[i]);
        } else {
            n->subs[w++] = n->subs[i];
        }
    }
    n->nsubs = w;
    if (n->nsubs != 1 || n->nparams)
        return;
    lr_node c = n->subs[0];
    free(n->subs);
    free(n->cls);
    free(c.name);
    n->cls = c.cls;
    n->params = c.params;
    n->nparams = c.nparams;
    n->subs = c.subs;
    n->nsubs = c.nsubs;
    n->repeat *= c.repeat;
}

/* A ModuleList left as several runs of different modules (DeepSeek's
 * `(0-2): 3 x DecoderLayer` dense and `(3-60): 58 x DecoderLayer` MoE
 * layers) stands for sibling layer groups, which is how templates build
 * it: each run replaces the list in its parent, named as the list, in
 * order, so that `model.layers` is the first run and `model.layers[1]`
 * the second (find_child). Done before the map reads the text and the
 * check compares it, not by lr_repr_parse, which shows the list. */
static void
spread_runs(lr_node *n)
{
    for (size_t i = 0; i < n->nsubs; i++) {
        lr_node *c = &n->subs[i];
        int runs = strcmp(c->cls, "ModuleList") == 0 && c->nsubs > 1 && !c->nparams;
        for (size_t j = 0; runs && j < c->nsubs; j++)
            runs = isdigit((unsigned char)c->subs[j].name[0]);
        if (!runs) {
            spread_runs(c);
            continue;
        }
        lr_node list = *c;
        size_t k = list.nsubs;
        n->subs = lr_xrealloc(n->subs, n->nsubs + k - 1, sizeof *n->subs);
        memmove(&n->subs[i + k], &n->subs[i + 1], (n->nsubs - i - 1) * sizeof *n->subs);
        for (size_t j = 0; j < k; j++) {
            lr_node *run = &n->subs[i + j];
            *run = list.subs[j];
            free(run->name);
            run->name = lr_xstrdup(list.name);
            run->repeat *= list.repeat;
            spread_runs(run);
        }
        n->nsubs += k - 1;
        i += k - 1;
        free(list.name);
        free(list.cls);
        free(list.params);
        free(list.subs);
    }
}

static int
parse_module(rparse *r, lr_node *n, int depth)
{
    rpos at = here(r);
    if (depth > REPR_MAX_DEPTH)
        return fail_at(r, at, "modules nested more than %d deep", REPR_MAX_DEPTH);
    n->cls = read_ident(r);
    if (!n->cls) {
        char b[32];
        n->cls = lr_xstrdup("");
        return fail_at(r, at, "expected a module class name (Name followed by '('), found %s",
                       found(r->p, b, sizeof b));
    }
    if (*r->p != '(') {
        char b[32];
        return fail_at(r, here(r), "expected '(' after the class name '%s', found %s", n->cls,
                       found(r->p, b, sizeof b));
    }
    rpos open = here(r);
    advance(r);
    if (parse_body(r, n, depth, open) < 0)
        return -1;
    if (strcmp(n->cls, "ModuleList") == 0)
        fold_list(n);
    return 0;
}

int
lr_repr_detect(const char *text)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!ident_start(*p))
        return 0;
    while (ident_char(*p))
        p++;
    return *p == '(';
}

lr_arch *
lr_repr_parse(const char *text, const char *source, lr_error *err)
{
    lr_err_clear(err);
    const char *src = source ? source : "";
    rparse r = {text, text, 1, src, err};
    lr_arch *a = lr_xcalloc(1, sizeof *a);
    a->name = lr_xstrdup(src);
    a->file = lr_xstrdup(src);
    a->family = lr_xstrdup("");
    node_init(&a->root, "");
    skip_space(&r);
    int rc = parse_module(&r, &a->root, 0);
    if (rc == 0) {
        skip_space(&r);
        char b[32];
        if (*r.p)
            rc = fail_at(&r, here(&r), "unexpected %s after the closing ')' of %s",
                         found(r.p, b, sizeof b), a->root.cls);
    }
    if (rc < 0) {
        lr_arch_free(a);
        return NULL;
    }
    return a;
}

/* ---- part 2: from the printed tree to an analysis tree ---- */

#define MAX_LAYER_KINDS 16

/* A map's "layers" (docs/repr.md): a ModuleList whose layers come in kinds
 * (Jamba's Mamba and attention layers, dense and MoE), printed as many
 * runs in layer order, while the template builds one group per kind. Each
 * printed run gets the kind whose formula holds for it; the kinds per layer
 * give the config's pattern fields, and the check pairs each run with the
 * template's group of its kind. */
typedef struct rlayers {
    json_t *spec;     /* the map's "layers" object, or NULL */
    char parent[256]; /* the list's parent path, "model" */
    char name[128];   /* the list's name, "layers" */
    const char *kind_name[MAX_LAYER_KINDS];
    const char *kind_formula[MAX_LAYER_KINDS];
    size_t nkinds;
    int *run_kind;     /* per printed run, in order */
    size_t *run_first; /* its first layer index */
    size_t nruns;
    unsigned char *kind; /* per layer */
    size_t total;        /* layers */
} rlayers;

typedef struct rctx {
    const char *source;  /* the repr's name in errors */
    const lr_node *root; /* the printed tree */
    json_t *map;         /* repr/<family>.json for the root class */
    char *mapfile;
    json_t *common; /* repr/common.json (or {}) */
    json_t *cfg;    /* the config being derived */
    json_t *given;  /* --config's object, or NULL */
    const char *given_name;
    json_t *sets; /* --set values */
    sbuf notes;
    lr_error *err;
    const lr_node *base; /* where map paths are read from: the root, or a layer run */
    rlayers lay;         /* the map's "layers": the kinds of the printed layers */
} rctx;

static json_t *
load_json(const char *path, lr_error *err)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
    } else if (!json_is_object(j)) {
        lr_err_set(err, path, "$", "expected a JSON object");
        json_decref(j);
        j = NULL;
    }
    return j;
}

static int
list_has(json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

/* One file of the maps directory: common.json, the map for the root class,
 * or another map (its classes are offered to `known`, the closest of which
 * the error message names: the maps are too many to list them all). */
static int
consider_map(rctx *c, const char *file, lr_suggest *known, size_t *nclasses)
{
    json_t *j = load_json(file, c->err);
    if (!j)
        return -1;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    json_t *arch = json_object_get(j, "architectures");
    if (strcmp(base, "common.json") == 0) {
        c->common = j;
    } else if (!c->map && list_has(arch, c->root->cls)) {
        c->map = j;
        c->mapfile = lr_xstrdup(file);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(arch, i, v)
        {
            if (!json_is_string(v))
                continue;
            lr_suggest_offer(known, c->root->cls, json_string_value(v), json_string_value(v));
            (*nclasses)++;
        }
        json_decref(j);
    }
    return 0;
}

/* The profile's repr/ maps; a profile without one uses the default
 * profile's: the maps speak HuggingFace's config names, not a profile's
 * counting conventions. */
static char *
maps_dir(const char *profile_dir)
{
    char *d = lr_xasprintf("%s/repr", profile_dir);
    if (lr_is_dir(d))
        return d;
    free(d);
    d = lr_xasprintf("%s/../default/repr", profile_dir);
    if (lr_is_dir(d))
        return d;
    free(d);
    return NULL;
}

static int
load_maps(rctx *c, const char *profile_dir)
{
    char *dir = maps_dir(profile_dir);
    if (!dir) {
        lr_err_set(c->err, profile_dir, "repr", "the profile has no repr/ directory of maps");
        return -1;
    }
    size_t n = 0;
    char **files = lr_list_json(dir, &n, c->err);
    int rc = !files && c->err->msg[0] ? -1 : 0;
    lr_suggest known;
    lr_suggest_init(&known);
    size_t nclasses = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = consider_map(c, files[i], &known, &nclasses);
        free(files[i]);
    }
    free(files);
    if (rc == 0 && !c->map) {
        char close[600] = "";
        lr_suggest_write(&known, close, sizeof close);
        lr_err_set(c->err, c->source, "(root)",
                   "no repr map for the root class '%s' in %s (maps exist for %zu classes%s%s). "
                   "Add a map (docs/repr.md)",
                   c->root->cls, dir, nclasses, close[0] ? "; the closest: " : ", none close",
                   close);
        rc = -1;
    }
    free(dir);
    if (rc == 0 && !c->common)
        c->common = json_object();
    return rc;
}

static json_t *
number_json(double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* A --set value: true, false, null, a number, else the text as a string.
 * Also what models.c puts into a config.json for --set. */
json_t *
lr_config_set_value(const char *s)
{
    if (strcmp(s, "true") == 0)
        return json_true();
    if (strcmp(s, "false") == 0)
        return json_false();
    if (strcmp(s, "null") == 0)
        return json_null();
    char *end;
    double d = strtod(s, &end);
    if (*s && !isspace((unsigned char)*s) && end != s && !*end && isfinite(d))
        return number_json(d);
    return json_string(s);
}

static int
parse_sets(rctx *c, const char *const *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i]) {
            lr_err_set(c->err, "", "--set",
                       "'%s': expected NAME=VALUE (e.g. --set num_attention_heads=32)", sets[i]);
            return -1;
        }
        char *name = lr_xmalloc((size_t)(eq - sets[i]) + 1);
        memcpy(name, sets[i], (size_t)(eq - sets[i]));
        name[eq - sets[i]] = '\0';
        json_object_set_new(c->sets, name, lr_config_set_value(eq + 1));
        free(name);
    }
    return 0;
}

/* --config: a config.json text, or the file opts->config_path. */
static int
load_given(rctx *c, const lr_repr_opts *o)
{
    const char *text = o->config_text;
    char *owned = NULL;
    c->given_name = o->config_path ? o->config_path : "config.json";
    if (!text && o->config_path) {
        size_t len;
        owned = lr_read_file(o->config_path, &len, c->err);
        if (!owned)
            return -1;
        text = owned;
    }
    if (!text)
        return 0;
    /* as a config.json model is read: Python's bare Infinity/NaN as null */
    c->given = lr_config_loads(text, c->given_name, c->err);
    free(owned);
    if (!c->given)
        return -1;
    if (!json_is_object(c->given)) {
        lr_err_set(c->err, c->given_name, "$", "expected a config.json object");
        return -1;
    }
    return 0;
}

/* ---- map formulas: over printed values (paths) and config fields ---- */

enum { EV_ERR = -1, EV_OK = 0, EV_NO_PATH = 1, EV_NO_FIELD = 2 };

#define MAX_FORMULA_NAMES 64

typedef struct fvars {
    const char *names[MAX_FORMULA_NAMES];
    size_t n;
    int bad; /* a module call, or too many names */
} fvars;

static int
collect_var(const ast *e, void *ud)
{
    fvars *v = ud;
    if (e->kind == A_CALL || v->n == MAX_FORMULA_NAMES) {
        v->bad = 1;
        return 1;
    }
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->names[i], e->name) == 0)
            return 0;
    v->names[v->n++] = e->name;
    return 0;
}

/* find_path for the maps' formulas: a component without [j] that names
 * several siblings (the runs of a layer list) reads the first of them from
 * which the rest of the path resolves, so that model.layers.self_attn is
 * found whether or not the first layer has attention. */
static const lr_node *
find_path_any(const lr_node *n, const char *p)
{
    if (!*p)
        return n;
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    const char *rest = dot ? dot + 1 : p + len;
    if (memchr(p, '[', len)) {
        const lr_node *c = find_child(n, p, len);
        return c ? find_path_any(c, rest) : NULL;
    }
    for (size_t i = 0; i < n->nsubs; i++) {
        const lr_node *c = &n->subs[i];
        if (c->op || strlen(c->name) != len || strncmp(c->name, p, len) != 0)
            continue;
        const lr_node *r = find_path_any(c, rest);
        if (r)
            return r;
    }
    return NULL;
}

/* Names with a '.' or '#' are paths into the printed tree. */
static int
is_repr_path(const char *name)
{
    return strchr(name, '.') || strchr(name, '#');
}

/* PATH.PARAM, PATH#repeat or PATH#present from the printed tree: 0 with
 * the value, 1 when the text lacks it, -1 for an unknown #suffix. */
static int
repr_value(const lr_node *root, const char *ref, double *v)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", ref);
    char *hash = strchr(buf, '#');
    if (hash) {
        *hash = '\0';
        const lr_node *n = find_path_any(root, buf);
        if (strcmp(hash + 1, "present") == 0) {
            *v = n != NULL;
            return 0;
        }
        if (strcmp(hash + 1, "repeat") != 0)
            return -1;
        if (!n)
            return 1;
        *v = n->repeat;
        return 0;
    }
    char *dot = strrchr(buf, '.');
    const char *param = buf;
    const lr_node *n = root;
    if (dot) {
        *dot = '\0';
        param = dot + 1;
        n = find_path_any(root, buf);
    }
    const lr_param *p = n ? lr_node_param(n, param) : NULL;
    if (!p)
        return 1;
    *v = p->value;
    return 0;
}

/* ---- nested sub-configs: vision_config and the like ----
 *
 * A vision-language model's config.json keeps its vision tower's numbers
 * in a nested object ("vision_config": {"hidden_size": 1280, ...}) and
 * often its text model's in "text_config". A map lists the nested objects
 * it writes under "sub_configs"; a config name whose first component is
 * one of them ("vision_config.hidden_size") is a nested field, in "fields",
 * "required", "infer" and in formulas (any other dotted name is a path into
 * the printed tree). The text model's fields are written at the top level,
 * as template.c reads a config whose model is under text_config. */

static int
sub_config_name(const rctx *c, const char *name)
{
    const char *dot = strchr(name, '.');
    size_t i;
    json_t *v;
    if (!dot || strchr(name, '#'))
        return 0;
    json_array_foreach(json_object_get(c->map, "sub_configs"), i, v)
    {
        const char *s = json_string_value(v);
        if (s && strlen(s) == (size_t)(dot - name) && strncmp(s, name, (size_t)(dot - name)) == 0)
            return 1;
    }
    return 0;
}

/* A path into the printed tree, not a config name. */
static int
printed_ref(const rctx *c, const char *name)
{
    return is_repr_path(name) && !sub_config_name(c, name);
}

json_t *
lr_config_parent(json_t *cfg, const char *key, int make, const char **leaf)
{
    const char *dot;
    while (json_is_object(cfg) && (dot = strchr(key, '.')) != NULL) {
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)(dot - key), key);
        json_t *sub = json_object_get(cfg, part);
        if (!json_is_object(sub) && make) {
            sub = json_object();
            json_object_set_new(cfg, part, sub);
        }
        cfg = sub;
        key = dot + 1;
    }
    *leaf = key;
    return json_is_object(cfg) ? cfg : NULL;
}

/* cfg's field `key`; "a.b" is field b of the object a. */
static json_t *
cfg_get(json_t *cfg, const char *key)
{
    const char *leaf;
    json_t *o = lr_config_parent(cfg, key, 0, &leaf);
    return o ? json_object_get(o, leaf) : NULL;
}

/* Sets cfg's field `key` ("a.b": in the object a, made when missing);
 * takes the reference to v. */
static void
cfg_put(json_t *cfg, const char *key, json_t *v)
{
    const char *leaf;
    json_t *o = lr_config_parent(cfg, key, 1, &leaf);
    json_object_set_new(o, leaf, v);
}

/* The fields of src that dst lacks, objects merged field by field: the
 * user's vision_config completes the printed one. */
static void
merge_missing_deep(json_t *dst, json_t *src)
{
    const char *key;
    json_t *v;
    json_object_foreach(src, key, v)
    {
        json_t *d = json_object_get(dst, key);
        if (!d)
            json_object_set(dst, key, v);
        else if (json_is_object(d) && json_is_object(v))
            merge_missing_deep(d, v);
    }
}

/* A --config whose text model is under "text_config" reads as template.c
 * reads it: the text part's fields over the top level's, but the top
 * level keeps what names the whole model (model_type, architectures,
 * _name_or_path), which a map compares or reports. Returns a new
 * reference. */
static json_t *
given_text_merged(json_t *given)
{
    json_t *text = json_object_get(given, "text_config");
    if (!json_is_object(text))
        return json_incref(given);
    json_t *m = json_copy(given);
    json_object_del(m, "text_config");
    const char *key;
    json_t *v;
    json_object_foreach(text, key, v)
    {
        if (strcmp(key, "model_type") != 0 && strcmp(key, "architectures") != 0 &&
            strcmp(key, "_name_or_path") != 0)
            json_object_set(m, key, v);
    }
    return m;
}

/* A config value as a number: 0 with it, 1 when absent or null, -1 when
 * it is not a number or a boolean. */
static int
json_num(json_t *v, double *d)
{
    if (!v || json_is_null(v))
        return 1;
    if (json_is_number(v)) {
        *d = json_number_value(v);
        return 0;
    }
    if (json_is_boolean(v)) {
        *d = json_is_true(v);
        return 0;
    }
    return -1;
}

static int
map_error(rctx *c, const char *where, const char *text, const lr_error *perr)
{
    lr_err_set(c->err, c->mapfile, where, "%s", perr->msg);
    c->err->col = perr->col;
    snprintf(c->err->source, sizeof c->err->source, "%s", text);
    return EV_ERR;
}

static int
bind_vars(rctx *c, const fvars *fv, lr_arena *arena, lr_binding *env, const char *where,
          char *missing, size_t cap)
{
    for (size_t i = 0; i < fv->n; i++) {
        const char *name = fv->names[i];
        double v = 0;
        int path = printed_ref(c, name);
        int rc = path ? repr_value(c->base ? c->base : c->root, name, &v)
                      : json_num(cfg_get(c->cfg, name), &v);
        if (rc < 0 && path) {
            lr_err_set(c->err, c->mapfile, where,
                       "{%s}: a path ends in a parameter name, #repeat or #present", name);
            return EV_ERR;
        }
        if (rc < 0) {
            lr_err_set(c->err, c->source, name, "expected a number, found a %s",
                       json_is_string(cfg_get(c->cfg, name)) ? "string" : "list or object");
            return EV_ERR;
        }
        if (rc > 0) {
            snprintf(missing, cap, "%s", name);
            return path ? EV_NO_PATH : EV_NO_FIELD;
        }
        env[i].name = name;
        env[i].value = lr_ast_num(arena, v);
    }
    return EV_OK;
}

/* Evaluates a map formula. EV_NO_PATH / EV_NO_FIELD put the name that
 * has no value in `missing`; EV_ERR fills the error. */
static int
eval_formula(rctx *c, const char *text, const char *where, double *out, char *missing, size_t cap)
{
    lr_arena arena = {0};
    lr_error perr;
    lr_err_clear(&perr);
    fvars fv = {{0}, 0, 0};
    int rc = EV_OK;
    ast *t = lr_expr_parse(&arena, text, &perr);
    if (!t)
        rc = map_error(c, where, text, &perr);
    if (rc == EV_OK && (lr_ast_walk(t, collect_var, &fv), fv.bad)) {
        lr_err_set(c->err, c->mapfile, where,
                   "a map formula uses at most %d names and no module calls", MAX_FORMULA_NAMES);
        rc = EV_ERR;
    }
    lr_binding *env = lr_arena_alloc(&arena, (fv.n + 1) * sizeof *env);
    if (rc == EV_OK)
        rc = bind_vars(c, &fv, &arena, env, where, missing, cap);
    if (rc == EV_OK) {
        lr_bind_ctx cx = lr_db_bind_ctx(&arena, NULL, LR_V_A_BYTES, &perr);
        ast *b = lr_bind(&cx, t, env, fv.n);
        b = b ? lr_ast_fold(&arena, b) : NULL;
        if (!b) {
            rc = map_error(c, where, text, &perr);
        } else if (b->kind != A_NUM || !isfinite(b->num)) {
            lr_err_set(c->err, c->source, where, "%s is not a finite number (division by zero?)",
                       text);
            rc = EV_ERR;
        } else {
            *out = b->num;
        }
    }
    lr_arena_free(&arena);
    return rc;
}

/* ---- deriving the config ---- */

/* Where the user gave field `key`: --set first, then --config. */
static json_t *
user_value(rctx *c, const char *key, char *origin, size_t cap)
{
    json_t *v = json_object_get(c->sets, key);
    if (v && !json_is_null(v)) {
        snprintf(origin, cap, "--set %s", key);
        return v;
    }
    v = c->given ? cfg_get(c->given, key) : NULL;
    if (v && !json_is_null(v)) {
        snprintf(origin, cap, "--config %s", c->given_name);
        return v;
    }
    return NULL;
}

static void
describe_json(json_t *v, char *buf, size_t cap)
{
    double d;
    if (json_num(v, &d) == 0)
        lr_fmt_double(buf, cap, d);
    else if (json_is_string(v))
        snprintf(buf, cap, "'%s'", json_string_value(v));
    else
        snprintf(buf, cap, "a list or object");
}

static int
fact_conflict(rctx *c, const char *key, double printed, const char *how, json_t *user,
              const char *origin)
{
    char a[40], b[300];
    lr_fmt_double(a, sizeof a, printed);
    describe_json(user, b, sizeof b);
    lr_err_set(c->err, c->source, key,
               "the print(model) text says %s (%s) but %s says %s: the printed dimensions are "
               "those of the loaded model; correct or leave out that value",
               a, how, origin, b);
    return -1;
}

/* A "length" field: the config's value is a list (Qwen3-VL's
 * deepstack_visual_indexes), of which the text shows how many elements
 * (the printed mergers), not which. Templates read such a list by its
 * length and take a number as the length, so a number stands for it; the
 * user's list must have that length and is kept, elements and all. */
static int
list_fact(rctx *c, const char *key, double printed, const char *how, json_t *list,
          const char *origin)
{
    if ((double)json_array_size(list) != printed) {
        char a[40];
        lr_fmt_double(a, sizeof a, printed);
        lr_err_set(c->err, c->source, key,
                   "the print(model) text shows %s of them (%s) but %s lists %zu: the printed "
                   "modules are those of the loaded model; correct or leave out that value",
                   a, how, origin, json_array_size(list));
        return -1;
    }
    cfg_put(c->cfg, key, json_deep_copy(list));
    return 0;
}

/* A "fields" entry: a formula, or {"value": formula, "optional": true}. */
static const char *
spec_formula(json_t *spec, int *optional)
{
    *optional = json_is_true(json_object_get(spec, "optional"));
    if (json_is_string(spec))
        return json_string_value(spec);
    return json_string_value(json_object_get(spec, "value"));
}

/* One printed fact; a --config or --set value for it must agree. */
static int
derive_fact(rctx *c, const char *key, json_t *spec)
{
    int optional;
    const char *text = spec_formula(spec, &optional);
    char where[300], missing[300], origin[600];
    snprintf(where, sizeof where, "fields.%s", key);
    if (!text) {
        lr_err_set(c->err, c->mapfile, where,
                   "expected a formula string or {\"value\": FORMULA, \"optional\": true}");
        return -1;
    }
    double v;
    int rc = eval_formula(c, text, where, &v, missing, sizeof missing);
    if (rc == EV_ERR)
        return -1;
    if (rc == EV_NO_PATH && optional)
        return 0;
    if (rc == EV_NO_PATH) {
        lr_err_set(c->err, c->source, key,
                   "the print(model) text has no %s, from which %s reads %s: is this %s printed "
                   "in a layout the map does not know?",
                   missing, c->mapfile, key, c->root->cls);
        return -1;
    }
    if (rc == EV_NO_FIELD) {
        lr_err_set(c->err, c->mapfile, where,
                   "{%s} is not an earlier field: \"fields\" formulas read the printed tree and "
                   "the fields before them",
                   missing);
        return -1;
    }
    json_t *u = user_value(c, key, origin, sizeof origin);
    if (json_is_true(json_object_get(spec, "length")) && json_is_array(u))
        return list_fact(c, key, v, text, u, origin);
    double uv;
    if (u && (json_num(u, &uv) != 0 || uv != v))
        return fact_conflict(c, key, v, text, u, origin);
    cfg_put(c->cfg, key, number_json(v));
    return 0;
}

/* ---- the kinds of the printed layers (the map's "layers") ---- */

static void
layers_free(rlayers *l)
{
    free(l->run_kind);
    free(l->run_first);
    free(l->kind);
    memset(l, 0, sizeof *l);
}

/* The map's "layers": {"path", "kinds": {name: formula, ...}, "fields"}. */
static int
layers_spec(rctx *c, json_t *spec)
{
    const char *path = json_string_value(json_object_get(spec, "path"));
    json_t *kinds = json_object_get(spec, "kinds");
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || !json_is_object(kinds) || json_object_size(kinds) == 0 ||
        json_object_size(kinds) > MAX_LAYER_KINDS) {
        lr_err_set(c->err, c->mapfile, "layers",
                   "expected {\"path\": \"model.layers\", \"kinds\": {NAME: FORMULA, ...} (1 to "
                   "%d kinds), \"fields\": {...}}",
                   MAX_LAYER_KINDS);
        return -1;
    }
    rlayers *l = &c->lay;
    l->spec = spec;
    snprintf(l->parent, sizeof l->parent, "%.*s", (int)(dot - path), path);
    snprintf(l->name, sizeof l->name, "%s", dot + 1);
    const char *k;
    json_t *f;
    json_object_foreach(kinds, k, f)
    {
        if (!json_is_string(f)) {
            lr_err_set(c->err, c->mapfile, "layers.kinds", "kind '%s': expected a formula string",
                       k);
            return -1;
        }
        l->kind_name[l->nkinds] = k;
        l->kind_formula[l->nkinds++] = json_string_value(f);
    }
    return 0;
}

/* The kind of one layer node (a printed run or a template group): the
 * first kind whose formula, over paths below the node, is not zero; -1
 * when none holds, -2 on an error. */
static int
layer_kind(rctx *c, const lr_node *n)
{
    const lr_node *keep = c->base;
    int kind = -1;
    c->base = n;
    for (size_t i = 0; i < c->lay.nkinds && kind == -1; i++) {
        char where[200], missing[300];
        double v;
        snprintf(where, sizeof where, "layers.kinds.%s", c->lay.kind_name[i]);
        int rc = eval_formula(c, c->lay.kind_formula[i], where, &v, missing, sizeof missing);
        if (rc == EV_ERR || rc == EV_NO_FIELD) {
            if (rc == EV_NO_FIELD)
                lr_err_set(c->err, c->mapfile, where,
                           "{%s}: a kind formula reads paths below the layer (self_attn#present)",
                           missing);
            kind = -2;
        } else if (rc == EV_OK && v != 0) {
            kind = (int)i;
        }
    }
    c->base = keep;
    return kind;
}

/* The kinds of the printed runs, in layer order. */
static int
classify_runs(rctx *c)
{
    rlayers *l = &c->lay;
    const lr_node *parent = find_path(c->root, l->parent);
    for (size_t i = 0; parent && i < parent->nsubs; i++)
        l->nruns += strcmp(parent->subs[i].name, l->name) == 0;
    if (!l->nruns) {
        lr_err_set(c->err, c->source, "layers",
                   "the print(model) text has no %s.%s, whose layers %s reads: is this %s printed "
                   "in a layout the map does not know?",
                   l->parent, l->name, c->mapfile, c->root->cls);
        return -1;
    }
    l->run_kind = lr_xcalloc(l->nruns, sizeof *l->run_kind);
    l->run_first = lr_xcalloc(l->nruns, sizeof *l->run_first);
    size_t r = 0;
    for (size_t i = 0; i < parent->nsubs; i++) {
        const lr_node *run = &parent->subs[i];
        if (strcmp(run->name, l->name) != 0)
            continue;
        int k = layer_kind(c, run);
        if (k == -2)
            return -1;
        if (k == -1) {
            char names[400] = "", at[300];
            for (size_t j = 0, n = 0; j < l->nkinds && n < sizeof names; j++)
                n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", j ? ", " : "",
                                      l->kind_name[j]);
            if (r)
                snprintf(at, sizeof at, "%s.%s[%zu]", l->parent, l->name, r);
            else
                snprintf(at, sizeof at, "%s.%s", l->parent, l->name);
            lr_err_set(c->err, c->source, at,
                       "layer %zu (%s) is none of the layer kinds of %s (%s): is this %s printed "
                       "in a layout the map does not know?",
                       l->total, run->cls, c->mapfile, names, c->root->cls);
            return -1;
        }
        l->run_kind[r] = k;
        l->run_first[r++] = l->total;
        l->total += (size_t)run->repeat;
    }
    l->kind = lr_xcalloc(l->total ? l->total : 1, 1);
    for (size_t i = 0; i < l->nruns; i++) {
        size_t end = i + 1 < l->nruns ? l->run_first[i + 1] : l->total;
        memset(l->kind + l->run_first[i], l->run_kind[i], end - l->run_first[i]);
    }
    return 0;
}

/* A list of kind names (or "all") as a bit set. */
static int
kind_set(rctx *c, json_t *names, const char *where, unsigned *set)
{
    *set = 0;
    if (json_is_string(names) && strcmp(json_string_value(names), "all") == 0) {
        *set = (1u << c->lay.nkinds) - 1;
        return 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        size_t k = 0;
        while (k < c->lay.nkinds &&
               (!json_is_string(v) || strcmp(c->lay.kind_name[k], json_string_value(v)) != 0))
            k++;
        if (k == c->lay.nkinds) {
            lr_err_set(c->err, c->mapfile, where, "expected kind names of layers.kinds or \"all\"");
            return -1;
        }
        *set |= 1u << k;
    }
    if (!json_is_array(names) || !*set) {
        lr_err_set(c->err, c->mapfile, where, "expected a list of kind names or \"all\"");
        return -1;
    }
    return 0;
}

/* The layers of the kinds in `set`: their number, first and second index
 * (total when there is none). */
static size_t
kind_layers(const rlayers *l, unsigned set, size_t *first, size_t *second)
{
    size_t n = 0;
    *first = *second = l->total;
    for (size_t i = 0; i < l->total; i++) {
        if (!(set >> l->kind[i] & 1))
            continue;
        if (n == 0)
            *first = i;
        else if (n == 1)
            *second = i;
        n++;
    }
    return n;
}

/* "period"/"offset": the layers of the set are every p-th from o (o < p,
 * and none missing up to the end); else the field cannot describe them. */
static int
layer_period(rctx *c, unsigned set, const char *key, int want_offset, json_t **out)
{
    const rlayers *l = &c->lay;
    size_t first, second, n = kind_layers(l, set, &first, &second);
    if (n < 2) {
        sb_line(&c->notes,
                "%s not read from the layers: %zu layer(s) of its kinds cannot show a period", key,
                n);
        return 0;
    }
    size_t p = second - first;
    for (size_t i = 0; i < l->total; i++) {
        int in = (set >> l->kind[i] & 1) != 0;
        if (in != (i % p == first % p)) {
            lr_err_set(
                c->err, c->source, key,
                "%s.%s: the layers of %s's kinds are not one in every %zu from layer %zu (layer "
                "%zu is %s): %s cannot describe the printed pattern",
                l->parent, l->name, key, p, first, i, l->kind_name[l->kind[i]], key);
            return -1;
        }
    }
    *out = json_integer((json_int_t)(want_offset ? first : p));
    return 0;
}

/* One entry of "each" or "string": the value for layer i's kind. */
static json_t *
kind_value(rctx *c, json_t *table, size_t i, const char *where)
{
    json_t *v = json_object_get(table, c->lay.kind_name[c->lay.kind[i]]);
    if (!v)
        lr_err_set(c->err, c->mapfile, where, "no value for the layer kind '%s'",
                   c->lay.kind_name[c->lay.kind[i]]);
    return v;
}

/* One field of "layers.fields": a number, a list or a string built from the
 * kinds per layer; NULL with *out unset when it cannot be read. */
static int
layer_field(rctx *c, const char *key, json_t *spec, json_t **out)
{
    const rlayers *l = &c->lay;
    char where[300];
    snprintf(where, sizeof where, "layers.fields.%s", key);
    const char *how = NULL;
    json_t *arg = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(spec, k, v)
    {
        how = k;
        arg = v;
    }
    unsigned set = 0;
    size_t first, second;
    int table = how && (strcmp(how, "each") == 0 || strcmp(how, "string") == 0);
    if (!how || json_object_size(spec) != 1 ||
        (table ? !json_is_object(arg) : kind_set(c, arg, where, &set) < 0)) {
        if (!c->err->msg[0])
            lr_err_set(c->err, c->mapfile, where,
                       "expected one of {\"count\" | \"first\" | \"period\" | \"offset\" | "
                       "\"indices\": [KIND, ...]} or {\"each\" | \"string\": {KIND: VALUE}}");
        return -1;
    }
    if (strcmp(how, "count") == 0) {
        *out = json_integer((json_int_t)kind_layers(l, set, &first, &second));
    } else if (strcmp(how, "first") == 0) {
        kind_layers(l, set, &first, &second);
        *out = json_integer((json_int_t)first);
    } else if (strcmp(how, "period") == 0 || strcmp(how, "offset") == 0) {
        return layer_period(c, set, key, how[0] == 'o', out);
    } else if (strcmp(how, "indices") == 0) {
        *out = json_array();
        for (size_t i = 0; i < l->total; i++)
            if (set >> l->kind[i] & 1)
                json_array_append_new(*out, json_integer((json_int_t)i));
    } else if (strcmp(how, "each") == 0) {
        *out = json_array();
        for (size_t i = 0; i < l->total; i++) {
            json_t *e = kind_value(c, arg, i, where);
            if (!e)
                return -1;
            json_array_append(*out, e);
        }
    } else if (strcmp(how, "string") == 0) {
        char *s = lr_xmalloc(l->total + 1);
        for (size_t i = 0; i < l->total; i++) {
            json_t *e = kind_value(c, arg, i, where);
            if (!e || !json_is_string(e) || strlen(json_string_value(e)) != 1) {
                free(s);
                if (!c->err->msg[0])
                    lr_err_set(c->err, c->mapfile, where, "expected one character per kind");
                return -1;
            }
            s[i] = json_string_value(e)[0];
        }
        s[l->total] = '\0';
        *out = json_string(s);
        free(s);
    } else {
        lr_err_set(c->err, c->mapfile, where, "unknown rule '%s'", how);
        return -1;
    }
    return 0;
}

/* Two config values equal as the pattern fields compare them: numbers and
 * booleans as numbers, strings as text, lists element by element. The
 * index of the first difference goes to *at (SIZE_MAX: none in a list). */
static int
same_value(json_t *a, json_t *b, size_t *at)
{
    double x, y;
    *at = SIZE_MAX;
    if (json_num(a, &x) == 0 && json_num(b, &y) == 0)
        return x == y;
    if (json_is_string(a) && json_is_string(b)) {
        const char *s = json_string_value(a), *t = json_string_value(b);
        size_t i = 0;
        while (s[i] && s[i] == t[i])
            i++;
        *at = i;
        return s[i] == t[i];
    }
    if (!json_is_array(a) || !json_is_array(b))
        return 0;
    size_t n = json_array_size(a), m = json_array_size(b), i = 0, dummy;
    while (i < n && i < m && same_value(json_array_get(a, i), json_array_get(b, i), &dummy))
        i++;
    *at = i;
    return i == n && i == m;
}

/* Entry `at` of a list or string value, for a message ("nothing" past
 * its end). */
static void
describe_entry(json_t *v, size_t at, char *buf, size_t cap)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (at < strlen(s))
            snprintf(buf, cap, "'%c'", s[at]);
        else
            snprintf(buf, cap, "nothing");
    } else if (at < json_array_size(v)) {
        describe_json(json_array_get(v, at), buf, cap);
    } else {
        snprintf(buf, cap, "nothing");
    }
}

/* A pattern field that --config or --set also gives: the same value, or an
 * error at the first entry where they differ (for a per-layer rule, "each"
 * or "string", the entry is the layer and its printed kind is named). A
 * per-layer list given empty stands for transformers' default and is not
 * compared. */
static int
check_layer_field(rctx *c, const char *key, json_t *v, int per_layer)
{
    char origin[600], a[300], b[300], kind[200] = "";
    json_t *u = user_value(c, key, origin, sizeof origin);
    size_t at;
    if (!u || (per_layer && json_is_array(u) && json_array_size(u) == 0) || same_value(v, u, &at))
        return 0;
    const rlayers *l = &c->lay;
    if (at == SIZE_MAX || json_is_array(v) != json_is_array(u) ||
        json_is_string(v) != json_is_string(u)) {
        describe_json(v, a, sizeof a);
        describe_json(u, b, sizeof b);
        lr_err_set(c->err, c->source, key,
                   "the layers of %s.%s give %s = %s but %s says %s: the printed layers are "
                   "those of the loaded model; correct or leave out that value",
                   l->parent, l->name, key, a, origin, b);
        return -1;
    }
    describe_entry(v, at, a, sizeof a);
    describe_entry(u, at, b, sizeof b);
    if (per_layer && at < l->total)
        snprintf(kind, sizeof kind, " (layer %zu is printed as a '%s' layer)", at,
                 l->kind_name[l->kind[at]]);
    lr_err_set(c->err, c->source, key,
               "%s differs from the layers printed in %s.%s at entry %zu, where the text gives "
               "%s and the given value %s%s: the printed layers are those of the loaded model; "
               "correct or leave out that value",
               origin, l->parent, l->name, at, a, b, kind);
    return -1;
}

/* The kinds of the printed layers and the config fields they give. */
static int
derive_layers(rctx *c)
{
    json_t *spec = json_object_get(c->map, "layers");
    if (!spec)
        return 0;
    if (layers_spec(c, spec) < 0 || classify_runs(c) < 0)
        return -1;
    const char *key;
    json_t *f;
    json_object_foreach(json_object_get(spec, "fields"), key, f)
    {
        json_t *v = NULL;
        if (layer_field(c, key, f, &v) < 0)
            return -1;
        if (!v)
            continue;
        int per_layer = json_object_get(f, "each") || json_object_get(f, "string");
        if (check_layer_field(c, key, v, per_layer) < 0) {
            json_decref(v);
            return -1;
        }
        json_object_set_new(c->cfg, key, v);
    }
    return 0;
}

/* model_type and architectures come from the map and the root class. */
static int
set_identity(rctx *c)
{
    const char *mt = json_string_value(json_object_get(c->map, "model_type"));
    char origin[600];
    if (!mt) {
        lr_err_set(c->err, c->mapfile, "model_type", "a map needs a \"model_type\" string");
        return -1;
    }
    json_t *u = user_value(c, "model_type", origin, sizeof origin);
    if (u && (!json_is_string(u) || strcmp(json_string_value(u), mt) != 0)) {
        char b[300];
        describe_json(u, b, sizeof b);
        lr_err_set(c->err, c->source, "model_type",
                   "the print(model) text is a %s (model_type '%s' by %s) but %s says "
                   "model_type %s",
                   c->root->cls, mt, c->mapfile, origin, b);
        return -1;
    }
    json_object_set_new(c->cfg, "model_type", json_string(mt));
    json_t *arch = json_array();
    json_array_append_new(arch, json_string(c->root->cls));
    json_object_set_new(c->cfg, "architectures", arch);
    return 0;
}

/* Fields no repr shows and nothing infers: given, or a clear error. */
static int
check_required(rctx *c)
{
    char names[600] = "", how[900] = "", first[200] = "";
    size_t nn = 0, nh = 0, count = 0, i;
    json_t *v;
    double d;
    json_array_foreach(json_object_get(c->map, "required"), i, v)
    {
        const char *name = json_string_value(v);
        if (!name || json_num(cfg_get(c->cfg, name), &d) <= 0)
            continue;
        if (!count++)
            snprintf(first, sizeof first, "%s", name);
        if (nn < sizeof names)
            nn += (size_t)snprintf(names + nn, sizeof names - nn, "%s%s", nn ? ", " : "", name);
        if (nh < sizeof how)
            nh += (size_t)snprintf(how + nh, sizeof how - nh, "%s--set %s=N", nh ? " " : "", name);
    }
    if (!count)
        return 0;
    lr_err_set(c->err, c->source, first,
               "the print(model) text does not show %s: give %s with %s, or with --config "
               "config.json (the model's config.json)",
               names, count > 1 ? "them" : "it", how);
    return -1;
}

/* An "infer" rule's value, when the user has given the field: it must
 * agree with what the printed dimensions imply. */
static int
check_inferred(rctx *c, const char *name, const char *text, double v, json_t *u, const char *origin)
{
    double uv;
    if (json_num(u, &uv) != 0 || uv == v)
        return 0;
    char a[40], b[300];
    lr_fmt_double(a, sizeof a, v);
    describe_json(u, b, sizeof b);
    lr_err_set(c->err, c->source, name,
               "%s says %s but the print(model) text implies %s (%s = %s): correct or leave "
               "out that value",
               origin, b, a, name, text);
    return -1;
}

static int
infer_missing(rctx *c, const char *name, const char *text, const char *missing, int rc)
{
    if (rc == EV_NO_PATH) {
        lr_err_set(c->err, c->source, name,
                   "cannot infer %s (%s): the print(model) text has no %s; give --set %s=N or "
                   "--config config.json",
                   name, text, missing, name);
    } else {
        lr_err_set(c->err, c->source, missing,
                   "the print(model) text does not show %s, and %s (%s) cannot be inferred "
                   "without it: give --set %s=N, or --config config.json (the model's "
                   "config.json)",
                   missing, name, text, missing);
    }
    return -1;
}

/* One "infer" rule: {"name", "value", "whole", "optional", "guess"}. A
 * "guess" (its text says why) is for what no print(model) text can show
 * (tied embeddings: a tied lm_head prints as any Linear): the value is
 * used only when --config/--set does not give the field, never checked
 * against them, and a note says it was guessed and how to decide. */
static int
infer_one(rctx *c, json_t *rule, size_t i)
{
    const char *name = json_string_value(json_object_get(rule, "name"));
    const char *text = json_string_value(json_object_get(rule, "value"));
    char where[64], missing[300], origin[600];
    snprintf(where, sizeof where, "infer[%zu]", i);
    if (!name || !text) {
        lr_err_set(c->err, c->mapfile, where, "an infer rule needs \"name\" and \"value\"");
        return -1;
    }
    double v = 0;
    int rc = eval_formula(c, text, where, &v, missing, sizeof missing);
    json_t *u = user_value(c, name, origin, sizeof origin);
    if (rc == EV_ERR)
        return -1;
    const char *guess = json_string_value(json_object_get(rule, "guess"));
    if (u)
        return rc == EV_OK && !guess ? check_inferred(c, name, text, v, u, origin) : 0;
    if (rc == EV_NO_PATH && json_is_true(json_object_get(rule, "optional")))
        return 0;
    if (rc != EV_OK)
        return infer_missing(c, name, text, missing, rc);
    char a[40];
    lr_fmt_double(a, sizeof a, v);
    if (json_is_true(json_object_get(rule, "whole")) && (v != floor(v) || v < 1)) {
        lr_err_set(c->err, c->source, name,
                   "%s inferred as %s (%s) is not a whole number >= 1: the values given with "
                   "--set or --config do not fit the printed dimensions",
                   name, a, text);
        return -1;
    }
    cfg_put(c->cfg, name, number_json(v));
    if (guess)
        sb_line(&c->notes,
                "guessed %s = %s (%s): %s; the print(model) text cannot show it: give --set "
                "%s=VALUE or --config config.json to decide",
                name, a, text, guess, name);
    else
        sb_line(&c->notes, "inferred %s = %s (%s)", name, a, text);
    return 0;
}

static int
derive_config(rctx *c)
{
    if (set_identity(c) < 0)
        return -1;
    const char *key;
    json_t *spec;
    json_object_foreach(json_object_get(c->map, "fields"), key, spec)
    {
        if (derive_fact(c, key, spec) < 0)
            return -1;
    }
    if (derive_layers(c) < 0)
        return -1;
    /* the user's other fields; printed facts are already in and agree */
    json_object_foreach(c->sets, key, spec)
    {
        if (!cfg_get(c->cfg, key))
            cfg_put(c->cfg, key, json_incref(spec));
    }
    if (c->given)
        merge_missing_deep(c->cfg, c->given);
    if (check_required(c) < 0)
        return -1;
    size_t i;
    json_array_foreach(json_object_get(c->map, "infer"), i, spec)
    {
        if (infer_one(c, spec, i) < 0)
            return -1;
    }
    /* what the family's text never shows, and what stands in for it */
    json_array_foreach(json_object_get(c->map, "notes"), i, spec)
    {
        if (json_is_string(spec))
            sb_line(&c->notes, "%s", json_string_value(spec));
    }
    return 0;
}

static lr_arch *
build_tree(rctx *c, const char *profile_dir)
{
    char *tdir = lr_xasprintf("%s/architectures", profile_dir);
    lr_arch *a = lr_arch_from_config_obj(c->cfg, c->source, tdir, c->err);
    free(tdir);
    if (!a && strncmp(c->err->msg, "missing config field", 20) == 0) {
        size_t l = strlen(c->err->msg);
        snprintf(c->err->msg + l, sizeof c->err->msg - l,
                 ". The print(model) text does not show it: give --set %s=VALUE, or --config "
                 "config.json (the model's config.json)",
                 c->err->path);
    }
    return a;
}

/* ---- checking the built tree against the printed one ---- */

typedef struct rcheck {
    rctx *c;
    const lr_node *printed; /* root of the printed tree */
    const lr_node *built;   /* root of the template's tree */
    const char *family;
    const lr_db *db;
    json_t *dims;          /* printed class -> {printed param: [template param, ...]} */
    json_t *reasons;       /* printed class or node name -> why it is not checked */
    json_t *skip;          /* path -> why the map leaves it out */
    json_t *containers;    /* classes that only hold modules */
    json_t *paths;         /* the map's "template_paths": printed prefix -> template's */
    double vars[LR_NVARS]; /* default settings: one device, as printed */
    int *group_kind;       /* the kinds of the template's layer groups (map "layers") */
    size_t ngroups;
} rcheck;

/* ---- printed subtrees the template builds under another path ----
 *
 * Gemma-3's multimodal template keeps the text model where Gemma-3 text
 * models have it (model.layers), while Gemma3ForConditionalGeneration
 * prints it as model.language_model. A map's "template_paths" object
 * {"model.language_model": "model"} says so: a printed path under a key
 * is compared with the template's node under the value. */

/* `path` with its first matching prefix (whole components) `from` ->
 * `to` replaced, or as it is when none matches; reverse swaps them. */
static void
renamed_path(json_t *paths, const char *path, int reverse, char *out, size_t cap)
{
    const char *key;
    json_t *v;
    json_object_foreach(paths, key, v)
    {
        const char *from = reverse ? json_string_value(v) : key;
        const char *to = reverse ? key : json_string_value(v);
        size_t n = from ? strlen(from) : 0;
        if (!to || !n || strncmp(path, from, n) != 0 || (path[n] && path[n] != '.'))
            continue;
        const char *rest = path + n; /* "" or ".x.y" */
        if (!to[0] && *rest == '.')
            rest++;
        snprintf(out, cap, "%s%s", to, rest);
        return;
    }
    snprintf(out, cap, "%s", path);
}

/* common.json's object `key`, updated with the map's. Caller decrefs. */
static json_t *
merged(rctx *c, const char *key)
{
    json_t *m = json_deep_copy(json_object_get(c->common, key));
    if (!json_is_object(m)) {
        json_decref(m);
        m = json_object();
    }
    json_t *own = json_object_get(c->map, key);
    if (json_is_object(own))
        json_object_update(m, own);
    return m;
}

static const char *
display_path(const char *path)
{
    return path[0] ? path : "(root)";
}

static const char *
reason_for(const rcheck *k, const lr_node *n)
{
    const char *r = json_string_value(json_object_get(k->reasons, n->cls));
    if (!r)
        r = json_string_value(json_object_get(k->reasons, n->name));
    return r;
}

/* Candidate i of a dims entry: a string or a list of strings. */
static const char *
candidate(json_t *cands, size_t i)
{
    if (json_is_string(cands))
        return i == 0 ? json_string_value(cands) : NULL;
    return json_string_value(json_array_get(cands, i));
}

/* A constant default of the node's class for parameter `name`. */
static int
class_default(const rcheck *k, const lr_node *tn, const char *name, double *v)
{
    const lr_module *m = lr_db_find(k->db, tn->cls);
    int idx = m ? lr_module_param_index(m, name) : -1;
    const char *def = idx >= 0 ? lr_module_param_default(m, (size_t)idx) : NULL;
    if (!def)
        return 1;
    char *end;
    *v = strtod(def, &end);
    while (isspace((unsigned char)*end))
        end++;
    return end != def && !*end ? 0 : 1;
}

/* A parameter that is a formula over runtime variables ({vocab_size} /
 * {tp} once built): its value under the default settings, where the model
 * runs whole on one device as printed. */
static int
param_value(const rcheck *k, const lr_param *p, double *v)
{
    if (!p->formula) {
        *v = p->value;
        return 0;
    }
    lr_error e;
    lr_formula *f = lr_formula_compile(p->formula, k->db, NULL, NULL, 0, &e);
    int rc = f ? lr_formula_eval(f, k->vars, v, &e) : -1;
    lr_formula_free(f);
    return rc == 0 ? 0 : 1;
}

/* The template node's value for one of the candidate names (given, or the
 * class's constant default): 0 with it, 1 when there is none to compare. */
static int
template_dim(const rcheck *k, const lr_node *tn, json_t *cands, double *v, const char **name)
{
    for (size_t i = 0; candidate(cands, i); i++) {
        const lr_param *p = lr_node_param(tn, candidate(cands, i));
        if (p) {
            *name = p->name;
            return param_value(k, p, v);
        }
    }
    for (size_t i = 0; candidate(cands, i); i++) {
        if (class_default(k, tn, candidate(cands, i), v) == 0) {
            *name = candidate(cands, i);
            return 0;
        }
    }
    return 1;
}

static int
check_dims(rcheck *k, const lr_node *rn, const lr_node *tn, json_t *dims, const char *path)
{
    const char *rparam;
    json_t *cands;
    json_object_foreach(dims, rparam, cands)
    {
        const lr_param *rp = lr_node_param(rn, rparam);
        double tv;
        const char *tname = rparam;
        if (!rp) /* not printed: GPT-2's bare Conv1D() in older versions */
            continue;
        if (template_dim(k, tn, cands, &tv, &tname) != 0) {
            sb_line(&k->c->notes,
                    "%s (%s): %s not compared: the template's %s gives no number for it", path,
                    rn->cls, rparam, tn->cls);
            continue;
        }
        if (tv != rp->value) {
            char a[40], b[40];
            lr_fmt_double(a, sizeof a, rp->value);
            lr_fmt_double(b, sizeof b, tv);
            lr_err_set(k->c->err, k->c->source, path,
                       "the print(model) text says %s %s=%s, the %s template builds %s=%s: a "
                       "value given with --set/--config, or the template, does not fit the "
                       "printed model",
                       rn->cls, rparam, a, k->family, tname, b);
            return -1;
        }
    }
    return 0;
}

static int
check_class(rcheck *k, const lr_node *rn, const lr_node *tn, const char *path)
{
    const lr_module *m = lr_db_find(k->db, rn->cls);
    if (!m) {
        lr_db_unknown_class(k->db, rn->cls, k->c->err);
        snprintf(k->c->err->file, sizeof k->c->err->file, "%s", k->c->source);
        snprintf(k->c->err->path, sizeof k->c->err->path, "%s", display_path(path));
        return -1;
    }
    const lr_module *tm = lr_db_find(k->db, tn->cls);
    if (tm && tm != m)
        sb_line(&k->c->notes, "%s: printed %s, counted as the template's %s", display_path(path),
                rn->cls, tn->cls);
    return 0;
}

static int check_node(rcheck *k, const lr_node *rn, const char *path, const char *bpath, int quiet);

/* `path` holds the map's layer list: its printed parent, or where the
 * template builds it (the parent under "template_paths"). */
static int
layer_parent(const rcheck *k, const char *path)
{
    char tparent[1024];
    renamed_path(k->paths, k->c->lay.parent, 0, tparent, sizeof tparent);
    return strcmp(path, k->c->lay.parent) == 0 || strcmp(path, tparent) == 0;
}

/* Child i of `parent` at `path` is a group of the map's layer list: its
 * index among the siblings of its name, else -1. */
static long
layer_group(const rcheck *k, const char *path, const lr_node *parent, size_t i)
{
    const rlayers *l = &k->c->lay;
    if (!l->spec || !layer_parent(k, path) || strcmp(parent->subs[i].name, l->name) != 0)
        return -1;
    long j = 0;
    for (size_t s = 0; s < i; s++)
        j += !parent->subs[s].op && strcmp(parent->subs[s].name, l->name) == 0;
    return j;
}

/* The path of sibling j of the layer list ("model.layers", "model.layers[2]"). */
static void
layer_path(char *out, size_t cap, const rlayers *l, long j)
{
    if (j > 0)
        snprintf(out, cap, "%s.%s[%ld]", l->parent, l->name, j);
    else
        snprintf(out, cap, "%s.%s", l->parent, l->name);
}

/* The first template group of printed run r's kind; the first printed
 * run of template group g's kind. */
static long
group_of_run(const rcheck *k, long r)
{
    for (size_t g = 0; g < k->ngroups; g++)
        if (k->group_kind[g] == k->c->lay.run_kind[r])
            return (long)g;
    return -1;
}

static long
run_of_group(const rcheck *k, long g)
{
    for (size_t r = 0; r < k->c->lay.nruns; r++)
        if (k->c->lay.run_kind[r] == k->group_kind[g])
            return (long)r;
    return -1;
}

/* Printed run r of a layer list, checked against the template's group of
 * its kind. The runs after the first of a kind add no notes: they would
 * repeat the first's. */
static int
check_run(rcheck *k, const lr_node *rn, const char *path, long r, int quiet)
{
    const rlayers *l = &k->c->lay;
    char bp[1024];
    layer_path(bp, sizeof bp, l, group_of_run(k, r));
    int again = 0;
    for (long e = 0; e < r; e++)
        again |= l->run_kind[e] == l->run_kind[r];
    size_t keep = k->c->notes.len;
    int rc = check_node(k, rn, path, bp, quiet);
    if (again && k->c->notes.s) {
        k->c->notes.len = keep;
        k->c->notes.s[keep] = '\0';
    }
    return rc;
}

static int
check_subs(rcheck *k, const lr_node *rn, const char *path, const char *bpath, int quiet)
{
    for (size_t i = 0; i < rn->nsubs; i++) {
        char sp[1024], bp[1024];
        child_path(sp, sizeof sp, path, rn, i);
        long r = layer_group(k, path, rn, i);
        if (r >= 0) {
            if (check_run(k, &rn->subs[i], sp, r, quiet) < 0)
                return -1;
            continue;
        }
        child_path(bp, sizeof bp, bpath, rn, i);
        if (check_node(k, &rn->subs[i], sp, bp, quiet) < 0)
            return -1;
    }
    return 0;
}

/* A printed node without a counterpart in the template's tree: a layer
 * with weights is an error (its cost would be missing), the rest a note. */
static int
unmatched(rcheck *k, const lr_node *rn, const char *path, int quiet, json_t *dims)
{
    if (dims) {
        lr_err_set(k->c->err, k->c->source, path,
                   "the printed %s has no counterpart in the %s template's tree, so its weights "
                   "and FLOPs would be missing: add it to the template, or list the path under "
                   "\"skip\" in %s with the reason",
                   rn->cls, k->family, k->c->mapfile);
        return -1;
    }
    if (!quiet) {
        const char *why = reason_for(k, rn);
        sb_line(&k->c->notes, "%s (%s): not checked: no node at this path in the %s template%s%s",
                path, rn->cls, k->family, why ? "; " : "", why ? why : "");
    }
    return check_subs(k, rn, path, path, 1);
}

static int
check_node(rcheck *k, const lr_node *rn, const char *path, const char *bpath, int quiet)
{
    const char *skip = json_string_value(json_object_get(k->skip, path));
    if (skip) {
        if (!quiet)
            sb_line(&k->c->notes, "%s (%s): not checked: %s", path, rn->cls, skip);
        return 0;
    }
    if (list_has(k->containers, rn->cls))
        return check_subs(k, rn, path, bpath, quiet);
    char tpath[1024];
    renamed_path(k->paths, bpath, 0, tpath, sizeof tpath);
    const lr_node *tn = find_path(k->built, tpath);
    json_t *dims = json_object_get(k->dims, rn->cls);
    if (!tn)
        return unmatched(k, rn, path, quiet, dims);
    if (check_class(k, rn, tn, path) < 0 || (dims && check_dims(k, rn, tn, dims, path) < 0))
        return -1;
    return check_subs(k, rn, path, bpath, quiet);
}

/* The class of a template node is one of the weight layers of the dims
 * table (Linear, Embedding, Conv1D, ...). */
static int
weight_layer(const rcheck *k, const char *cls)
{
    const lr_module *m = lr_db_find(k->db, cls);
    const char *key;
    json_t *v;
    json_object_foreach(k->dims, key, v)
    {
        if (m && lr_db_find(k->db, key) == m)
            return 1;
    }
    return 0;
}

/* The printed node of a template path. A template's sibling groups of one
 * name (Gemma-2's sliding and global `layers`) may print as one run that
 * stands for all of them: `layers[1]` then reads as `layers`. */
static const lr_node *
printed_at(const rcheck *k, const char *path)
{
    const lr_node *n = find_path(k->printed, path);
    if (n || !strchr(path, '['))
        return n;
    char plain[1024];
    size_t w = 0;
    for (const char *p = path; *p && w + 1 < sizeof plain; p++) {
        if (*p == '[')
            while (*p && *p != ']')
                p++;
        else
            plain[w++] = *p;
        if (!*p)
            break;
    }
    plain[w] = '\0';
    return find_path(k->printed, plain);
}

/* The printed node of a template path under a "template_paths" value. */
static const lr_node *
printed_renamed(const rcheck *k, const char *path)
{
    char ppath[1024];
    renamed_path(k->paths, path, 1, ppath, sizeof ppath);
    return strcmp(ppath, path) != 0 ? printed_at(k, ppath) : NULL;
}

/* The other direction: every weight layer the template builds is printed. */
static int
check_built(rcheck *k, const lr_node *tn, const char *path)
{
    for (size_t i = 0; i < tn->nsubs; i++) {
        const lr_node *s = &tn->subs[i];
        char sp[1024];
        if (s->op)
            continue;
        long g = layer_group(k, path, tn, i);
        if (g >= 0)
            layer_path(sp, sizeof sp, &k->c->lay, run_of_group(k, g));
        else
            child_path(sp, sizeof sp, path, tn, i);
        if (json_object_get(k->skip, sp))
            continue;
        if (weight_layer(k, s->cls) && !printed_at(k, sp) && !printed_renamed(k, sp)) {
            lr_err_set(k->c->err, k->c->source, sp,
                       "the %s template builds a %s here, which the print(model) text does not "
                       "show: the template does not fit the printed model",
                       k->family, s->cls);
            return -1;
        }
        if (check_built(k, s, sp) < 0)
            return -1;
    }
    return 0;
}

/* A map's "template_root": the class of the template's root when the
 * template builds the printed root under another class (Llama-4's
 * template builds Llama4ForConditionalGeneration's modules under its text
 * class Llama4ForCausalLM, with the vision tower beside the text model). */
static int
root_stands_in(const rcheck *k)
{
    const char *r = json_string_value(json_object_get(k->c->map, "template_root"));
    return r && strcmp(r, k->built->cls) == 0;
}

/* The node-by-node check presumes that the template builds the printed
 * module tree; a profile that models a model differently (llm-viewer's
 * flat decoder layers) shows it at the root. */
static int
mirrors(const rcheck *k)
{
    const lr_module *m = lr_db_find(k->db, k->printed->cls);
    return strcmp(k->printed->cls, k->built->cls) == 0 ||
           (m && m == lr_db_find(k->db, k->built->cls)) || root_stands_in(k);
}

/* The template's layer groups (map "layers") get their kinds from the same
 * formulas as the printed runs; per kind, the printed layers and the
 * groups' repeats must agree: else the config's pattern fields (given or
 * defaulted) build another model than the printed one. */
static int
check_layer_groups(rcheck *k)
{
    rlayers *l = &k->c->lay;
    char tparent[1024];
    renamed_path(k->paths, l->parent, 0, tparent, sizeof tparent);
    if (!l->spec)
        return 0;
    /* the printed runs are paired with the groups of this node below: a
     * template without it cannot be compared (and must not be read) */
    const lr_node *parent = find_path(k->built, tparent);
    if (!parent) {
        lr_err_set(
            k->c->err, k->c->source, l->parent,
            "the %s template builds no %s, where the layer list %s.%s of %s is compared: "
            "the map's \"layers\" path (or its \"template_paths\") does not fit the template",
            k->family, tparent, l->parent, l->name, k->c->mapfile);
        return -1;
    }
    k->group_kind = lr_xcalloc(parent->nsubs + 1, sizeof *k->group_kind);
    double built[MAX_LAYER_KINDS] = {0};
    for (size_t i = 0; i < parent->nsubs; i++) {
        const lr_node *g = &parent->subs[i];
        if (g->op || strcmp(g->name, l->name) != 0)
            continue;
        int kind = layer_kind(k->c, g);
        if (kind == -2)
            return -1;
        if (kind == -1) {
            char at[300];
            layer_path(at, sizeof at, l, (long)k->ngroups);
            lr_err_set(k->c->err, k->c->source, at,
                       "the %s template's layer group %s (%s) is none of the layer kinds of %s: "
                       "the map's kinds do not fit the template",
                       k->family, at, g->cls, k->c->mapfile);
            return -1;
        }
        k->group_kind[k->ngroups++] = kind;
        built[kind] += g->repeat;
    }
    for (size_t kind = 0; kind < l->nkinds; kind++) {
        size_t n = 0, first = l->total;
        for (size_t i = 0; i < l->total; i++)
            if (l->kind[i] == kind && n++ == 0)
                first = i;
        if ((double)n == built[kind])
            continue;
        char at[300], b[40];
        layer_path(at, sizeof at, l, 0);
        lr_fmt_double(b, sizeof b, built[kind]);
        if (n)
            lr_err_set(k->c->err, k->c->source, at,
                       "the print(model) text has %zu '%s' layer(s) (the first is layer %zu) but "
                       "the %s template builds %s from the config: a layer pattern given with "
                       "--config/--set, or the template's default, does not fit the printed "
                       "layers",
                       n, l->kind_name[kind], first, k->family, b);
        else
            lr_err_set(k->c->err, k->c->source, at,
                       "the print(model) text has no '%s' layer but the %s template builds %s "
                       "from the config: a layer pattern given with --config/--set, or the "
                       "template's default, does not fit the printed layers",
                       l->kind_name[kind], k->family, b);
        return -1;
    }
    return 0;
}

static int
check_trees(rctx *c, const lr_arch *printed, const lr_arch *built, const lr_db *db)
{
    rcheck k = {c,
                &printed->root,
                &built->root,
                built->family[0] ? built->family : "family",
                db,
                merged(c, "dims"),
                merged(c, "reasons"),
                merged(c, "skip"),
                json_object_get(c->common, "containers"),
                json_object_get(c->map, "template_paths"),
                {0},
                NULL,
                0};
    lr_settings s;
    lr_settings_default(&s);
    lr_set_vars(k.vars, &s, NULL, 1);
    int rc = 0;
    if (!mirrors(&k))
        sb_line(&c->notes,
                "classes and dimensions not checked: the %s template's tree (root %s) does not "
                "mirror the printed modules (root %s)",
                k.family, built->root.cls, printed->root.cls);
    else if ((rc = check_layer_groups(&k)) == 0 &&
             (rc = check_node(&k, &printed->root, "", "", 0)) == 0)
        rc = check_built(&k, &built->root, "");
    free(k.group_kind);
    json_decref(k.dims);
    json_decref(k.reasons);
    json_decref(k.skip);
    return rc;
}

/* ---- the entry point ---- */

static lr_db *
load_profile_db(const char *profile_dir, lr_error *err)
{
    char *dir = lr_xasprintf("%s/modules", profile_dir);
    lr_db *db = lr_db_new();
    int rc = lr_db_load_dir(db, dir, err);
    if (rc == 0)
        rc = lr_db_finish(db, err);
    free(dir);
    if (rc < 0) {
        lr_db_free(db);
        return NULL;
    }
    return db;
}

static void
rctx_free(rctx *c)
{
    json_decref(c->map);
    json_decref(c->common);
    json_decref(c->cfg);
    json_decref(c->given);
    json_decref(c->sets);
    layers_free(&c->lay);
    free(c->mapfile);
    free(c->notes.s);
}

/* ---- interleaved layer kinds: runs grouped by class (map "layer_runs") ----
 *
 * Llama-3.2-Vision puts its cross-attention layers among the
 * self-attention layers (3, 8, 13, ...), so its layers ModuleList prints
 * 41 runs of two classes, while the template builds two groups (the 80
 * self-attention layers, then the 20 cross-attention layers; the order of
 * layers does not change the totals). A map's "layer_runs" object
 * {"model.language_model.layers": [class of group 0, class of group 1]}
 * merges, in that list, the runs of each class into one run (their
 * repeats added), in the listed order, before spread_runs makes the runs
 * sibling groups. Runs of one class must print alike; a class not listed
 * is an error. */

/* Merges the runs of `list` by class, in the order of `classes`: each
 * run is moved into its class's group (the first run of the class) or,
 * added to it, freed. What cannot be grouped stays, after the groups. */
static int
group_list_runs(rctx *c, lr_node *list, json_t *classes, const char *path)
{
    size_t n = list->nsubs, w = 0;
    lr_node *runs = list->subs;
    lr_node *out = lr_xcalloc(n ? n : 1, sizeof *out);
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < json_array_size(classes); k++) {
        const char *cls = json_string_value(json_array_get(classes, k));
        lr_node *group = NULL;
        for (size_t i = 0; rc == 0 && cls && i < n; i++) {
            if (!runs[i].cls || strcmp(runs[i].cls, cls) != 0)
                continue;
            if (!group) {
                group = &out[w++];
                *group = runs[i];
                memset(&runs[i], 0, sizeof runs[i]);
            } else if (node_equal(group, &runs[i])) {
                group->repeat += runs[i].repeat;
                node_dispose(&runs[i]);
            } else {
                lr_err_set(c->err, c->source, path,
                           "the %s runs %s and %s print differently: \"layer_runs\" in %s groups "
                           "the runs of one class as one layer group",
                           cls, group->name, runs[i].name, c->mapfile);
                rc = -1;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!runs[i].cls)
            continue;
        if (rc == 0) {
            lr_err_set(c->err, c->source, path,
                       "run %s is a %s, which \"layer_runs\" in %s does not list for this "
                       "ModuleList",
                       runs[i].name, runs[i].cls, c->mapfile);
            rc = -1;
        }
        out[w++] = runs[i];
    }
    free(runs);
    list->subs = out;
    list->nsubs = w;
    return rc;
}

static int
group_layer_runs(rctx *c, lr_node *root)
{
    const char *path;
    json_t *classes;
    json_object_foreach(json_object_get(c->map, "layer_runs"), path, classes)
    {
        lr_node *list = (lr_node *)find_path(root, path);
        if (!list || strcmp(list->cls, "ModuleList") != 0 || list->nparams)
            continue; /* one run: folded already, nothing to group */
        if (group_list_runs(c, list, classes, path) < 0)
            return -1;
        fold_list(list); /* one group left: the module, as for one run */
    }
    return 0;
}

/* The map's "rename": {PATH: NAME}: a printed module that transformers
 * versions name differently (Nemotron-H's `backbone`, `model` in the
 * in-library code) takes the template's name before anything reads the
 * tree. */
static int
apply_renames(rctx *c, lr_node *root)
{
    const char *path;
    json_t *to;
    json_object_foreach(json_object_get(c->map, "rename"), path, to)
    {
        lr_node *n = (lr_node *)find_path(root, path);
        const char *name = json_string_value(to);
        if (!name || !*name || strchr(name, '.')) {
            lr_err_set(c->err, c->mapfile, "rename", "%s: expected a module name", path);
            return -1;
        }
        if (!n || !path[0])
            continue;
        sb_line(&c->notes, "%s (%s): read as %s, the template's name for it", path, n->cls, name);
        free(n->name);
        n->name = lr_xstrdup(name);
    }
    return 0;
}

static lr_arch *
derive_and_build(rctx *c, lr_node *printed, const char *profile_dir, const lr_repr_opts *o)
{
    if (load_maps(c, profile_dir) < 0 || apply_renames(c, printed) < 0 ||
        group_layer_runs(c, printed) < 0)
        return NULL;
    spread_runs(printed);
    if (load_given(c, o) < 0 || parse_sets(c, o->sets, o->nsets) < 0)
        return NULL;
    if (c->given) {
        json_t *flat = given_text_merged(c->given);
        json_decref(c->given);
        c->given = flat;
    }
    if (derive_config(c) < 0)
        return NULL;
    return build_tree(c, profile_dir);
}

lr_arch *
lr_arch_from_repr(const char *text, const char *source, const char *profile_dir,
                  const lr_repr_opts *opts, char **notes, lr_error *err)
{
    static const lr_repr_opts none;
    const lr_repr_opts *o = opts ? opts : &none;
    lr_error local;
    if (!err) /* the steps below report through err unconditionally */
        err = &local;
    if (notes)
        *notes = NULL;
    lr_arch *printed = lr_repr_parse(text, source, err);
    if (!printed)
        return NULL;
    rctx c = {0};
    c.source = printed->file;
    c.root = &printed->root;
    c.cfg = json_object();
    c.sets = json_object();
    c.err = err;
    lr_arch *a = derive_and_build(&c, &printed->root, profile_dir, o);
    lr_db *own = NULL;
    const lr_db *db = o->db;
    if (a && !db)
        db = own = load_profile_db(profile_dir, err);
    if (a && (!db || check_trees(&c, printed, a, db) < 0)) {
        lr_arch_free(a);
        a = NULL;
    }
    if (a && notes) {
        *notes = c.notes.s;
        c.notes.s = NULL;
    }
    rctx_free(&c);
    lr_db_free(own);
    lr_arch_free(printed);
    return a;
}
