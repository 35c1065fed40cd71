/*
 * svg.c: charts as SVG, written by hand: the roofline, the time by op kind
 * and per op, line charts (sweeps, serving plans, decode steps), and the
 * decode-step sampling they plot. The layout is in docs/plots.md.
 *
 * Output is byte-stable: coordinates are printed with two decimals, every
 * sort has a tie-breaker, nothing depends on the clock or on addresses.
 * There are no font metrics here: text widths are estimated generously
 * (0.62 em per character), and labels are placed as boxes that must not
 * overlap each other, the markers or the plot's edges; a label that finds
 * no free place near its point is left out (the marker's tooltip still
 * names it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define PI 3.14159265358979323846
#define CHART_W 960.0

/* Tableau 10: distinct, readable on white, colour-blind tolerable. */
static const char *const palette[10] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
/* compute, memory, comm (ColorBrewer Dark2) */
static const char *const bound_color[3] = {"#d95f02", "#1b9e77", "#7570b3"};
static const char *const stage_name[2] = {"prefill", "decode"};

/* Op kinds in the order the breakdown stacks them; the rest are "other". */
static const char *const kinds[] = {"matmul",    "attention", "norm",   "elementwise", "activation",
                                    "embedding", "reduction", "memory", "comm",        "other"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static size_t
kind_index(const char *k)
{
    for (size_t i = 0; i + 1 < NKINDS; i++)
        if (k && strcmp(k, kinds[i]) == 0)
            return i;
    return NKINDS - 1;
}

/* ---- numbers ---- */

void
lr_fmt_quantity(char *buf, size_t cap, double v, const char *unit)
{
    static const char *const dec[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    const char *u = unit ? unit : "";
    const char *sp = *u ? " " : "";
    if (!isfinite(v)) {
        snprintf(buf, cap, "n/a");
        return;
    }
    if (v == 0) {
        snprintf(buf, cap, "0%s%s", sp, u);
        return;
    }
    int binary = strcmp(u, "B") == 0;
    double base = binary ? 1024 : 1000, a = fabs(v);
    int k = binary ? 0 : 4, kmax = binary ? 6 : 10;
    double scaled = a;
    while (scaled >= base && k < kmax)
        scaled /= base, k++;
    /* "0.25", not "250m", when there is no unit to carry the prefix */
    while (scaled < 1 && k > 0 && !binary && *u)
        scaled *= base, k--;
    char num[32];
    snprintf(num, sizeof num, "%.3g", scaled);
    /* 999.7 rounds to "1e+03": move to the next prefix */
    if (strtod(num, NULL) >= base && k < kmax)
        snprintf(num, sizeof num, "%.3g", scaled / base), k++;
    /* a counted noun ("tokens/s") takes the prefix on the number: "2.25k tokens/s" */
    const char *pre = binary ? bin[k] : dec[k];
    if (*u >= 'a' && *u <= 'z' && strcmp(u, "s") != 0)
        snprintf(buf, cap, "%s%s%s%s%s", v < 0 ? "-" : "", num, pre, sp, u);
    else
        snprintf(buf, cap, "%s%s%s%s%s", v < 0 ? "-" : "", num, sp, pre, u);
}

static double
text_w(const char *s, double size)
{
    /* code points, not bytes: UTF-8 continuation bytes are 10xxxxxx */
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return (double)n * 0.62 * size;
}

/* ---- output primitives ---- */

static void
doc_begin(FILE *f, double w, double h, const char *title, int flags)
{
    int inl = flags & LR_SVG_INLINE;
    if (!inl)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<svg%s width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"%s\" role=\"img\">\n<title>",
            inl ? "" : " xmlns=\"http://www.w3.org/2000/svg\"", w, h, w, h, FONT);
    lr_xml_escape(f, title);
    fprintf(f, "</title>\n<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
}

static int
doc_end(FILE *f)
{
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}

/* <text> with its baseline at (x, y); `attrs` is written verbatim. */
static void
text(FILE *f, double x, double y, const char *anchor, const char *attrs, const char *s)
{
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"", x, y);
    if (anchor)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    fprintf(f, " %s>", attrs);
    lr_xml_escape(f, s);
    fputs("</text>\n", f);
}

static void
line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke, double width,
     const char *dash)
{
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"", x1, y1, x2,
            y2, stroke);
    if (width != 1)
        fprintf(f, " stroke-width=\"%.2g\"", width);
    if (dash)
        fprintf(f, " stroke-dasharray=\"%s\"", dash);
    fputs("/>\n", f);
}

#define T_TITLE "font-size=\"17\" font-weight=\"bold\" fill=\"#111\""
#define T_HEAD "font-size=\"15\" font-weight=\"bold\" fill=\"#111\""
#define T_SUB "font-size=\"12\" fill=\"#555\""
#define T_AXIS "font-size=\"13\" fill=\"#222\""
#define T_TICK "font-size=\"11\" fill=\"#444\""
#define T_LABEL "font-size=\"11\" fill=\"#222\""
/* in-plot labels: a white halo keeps them readable over lines and grid */
#define HALO                                                                                       \
    " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\""
#define T_LEGEND "font-size=\"12\" fill=\"#222\""

/* ---- label layout: boxes that must not overlap ---- */

typedef struct box {
    double x0, y0, x1, y1;
} box;

typedef struct boxes {
    box *v;
    size_t n, cap;
    box area; /* labels stay inside */
} boxes;

static int
box_hit(box a, box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static int
box_free(const boxes *bs, box b)
{
    if (b.x0 < bs->area.x0 || b.x1 > bs->area.x1 || b.y0 < bs->area.y0 || b.y1 > bs->area.y1)
        return 0;
    for (size_t i = 0; i < bs->n; i++)
        if (box_hit(bs->v[i], b))
            return 0;
    return 1;
}

static void
box_add(boxes *bs, box b)
{
    if (bs->n == bs->cap) {
        bs->cap = bs->cap ? bs->cap * 2 : 64;
        bs->v = lr_xrealloc(bs->v, bs->cap, sizeof *bs->v);
    }
    bs->v[bs->n++] = b;
}

/* A free w x h box near (x, y), outside a marker of radius r: right, left,
 * above, below, then the diagonals, each of `rings` rings further out
 * (the nudge).
 * Returns the ring (0: next to the point) and adds the box, or -1. */
static int
place(boxes *bs, double x, double y, double r, double w, double h, int rings, box *out)
{
    static const double dir[8][2] = {{1, 0},  {-1, 0},  {0, -1}, {0, 1},
                                     {1, -1}, {-1, -1}, {1, 1},  {-1, 1}};
    for (int ring = 0; ring < rings; ring++) {
        for (int d = 0; d < 8; d++) {
            double gap = (r + 3 + ring * 12) * (d >= 4 ? 0.75 : 1);
            double cx = x + dir[d][0] * gap, cy = y + dir[d][1] * gap;
            box b;
            b.x0 = dir[d][0] > 0 ? cx : dir[d][0] < 0 ? cx - w : cx - w / 2;
            b.y0 = dir[d][1] > 0 ? cy : dir[d][1] < 0 ? cy - h : cy - h / 2;
            b.x1 = b.x0 + w;
            b.y1 = b.y0 + h;
            if (box_free(bs, b)) {
                box_add(bs, b);
                *out = b;
                return ring;
            }
        }
    }
    return -1;
}

/* A thin line from a marker's edge to the nearest point of its label. */
static void
leader(FILE *f, double x, double y, double r, box b)
{
    double nx = fmin(fmax(x, b.x0), b.x1), ny = fmin(fmax(y, b.y0), b.y1);
    double dx = nx - x, dy = ny - y, d = sqrt(dx * dx + dy * dy);
    if (d <= r + 4)
        return;
    line(f, x + dx / d * r, y + dy / d * r, nx, ny, "#999999", 0.6, NULL);
}

/* ---- scales and axes ---- */

typedef struct scale {
    double lo, hi; /* data range */
    double p0, p1; /* pixels of lo and hi */
    int log;
    double step; /* linear tick step */
    const char *unit;
} scale;

static double
sc(const scale *s, double v)
{
    double t = s->log ? (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo))
                      : (v - s->lo) / (s->hi - s->lo);
    return s->p0 + t * (s->p1 - s->p0);
}

static double
nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10, floor(log10(raw))), m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/* Fits the scale to [lo, hi]. Log: whole decades (with `pad`, a data value
 * on a decade gets the next decade as margin). Linear: nice steps (1, 2, 5
 * x 10^k; powers of 1024 for bytes), from 0 when `zero`. */
static void
scale_fit(scale *s, double lo, double hi, int log, int pad, int zero, const char *unit)
{
    s->log = log;
    s->unit = unit;
    if (log) {
        int k0 = (int)(pad ? ceil(log10(lo)) - 1 : floor(log10(lo)));
        int k1 = (int)(pad ? floor(log10(hi)) + 1 : ceil(log10(hi)));
        if (k1 <= k0)
            k1 = k0 + 1;
        s->lo = pow(10, k0);
        s->hi = pow(10, k1);
        return;
    }
    if (zero && lo > 0)
        lo = 0;
    if (zero && hi < 0)
        hi = 0;
    double u = 1;
    if (unit && strcmp(unit, "B") == 0)
        while (fmax(fabs(lo), fabs(hi)) / u >= 1024)
            u *= 1024;
    double range = hi - lo > 0 ? hi - lo : fmax(fabs(hi), 1);
    s->step = nice_step(range / u, 5) * u;
    s->lo = floor(lo / s->step) * s->step;
    s->hi = ceil(hi / s->step) * s->step;
    if (s->hi <= s->lo)
        s->hi = s->lo + s->step;
}

static size_t
ticks(const scale *s, double *t, size_t cap)
{
    size_t n = 0;
    if (!s->log) {
        for (double v = s->lo; v <= s->hi + s->step * 1e-9 && n < cap; v += s->step)
            t[n++] = fabs(v) < s->step * 1e-9 ? 0 : v;
        return n;
    }
    int k0 = (int)lround(log10(s->lo)), k1 = (int)lround(log10(s->hi));
    int fine = k1 - k0 <= 2; /* few decades: also 2 and 5 times each */
    for (int k = k0; k <= k1 && n < cap; k++) {
        double d = pow(10, k);
        t[n++] = d;
        if (fine && k < k1 && n + 2 <= cap) {
            t[n++] = 2 * d;
            t[n++] = 5 * d;
        }
    }
    return n;
}

/* The plot area: x from l to r, y from b (bottom) to t (top). */
typedef struct frame {
    double l, r, t, b;
    scale x, y;
    const char *xtitle, *ytitle;
} frame;

static void
set_frame(frame *fr, double l, double r, double t, double b)
{
    fr->l = l;
    fr->r = r;
    fr->t = t;
    fr->b = b;
    fr->x.p0 = l;
    fr->x.p1 = r;
    fr->y.p0 = b;
    fr->y.p1 = t;
}

static void
tick_label(char *buf, size_t cap, double v, const char *unit)
{
    if (v == 0)
        snprintf(buf, cap, "0");
    else
        lr_fmt_quantity(buf, cap, v, unit);
}

static void
x_ticks(FILE *f, const frame *fr, const double *t, size_t n)
{
    double last = -1e9;
    for (size_t i = 0; i < n; i++) {
        double px = sc(&fr->x, t[i]);
        char lab[48];
        tick_label(lab, sizeof lab, t[i], fr->x.unit);
        double w = text_w(lab, 11);
        line(f, px, fr->t, px, fr->b, "#e6e6e6", 1, NULL);
        line(f, px, fr->b, px, fr->b + 4, "#888888", 1, NULL);
        /* skip a label that would touch the previous one */
        if (px - w / 2 < last + 6)
            continue;
        text(f, px, fr->b + 17, "middle", T_TICK, lab);
        last = px + w / 2;
    }
}

/* Returns the width of the widest label drawn. */
static double
y_ticks(FILE *f, const frame *fr, const double *t, size_t n)
{
    double last = 1e9, wmax = 0;
    for (size_t i = 0; i < n; i++) {
        double py = sc(&fr->y, t[i]);
        char lab[48];
        tick_label(lab, sizeof lab, t[i], fr->y.unit);
        line(f, fr->l, py, fr->r, py, "#e6e6e6", 1, NULL);
        line(f, fr->l - 4, py, fr->l, py, "#888888", 1, NULL);
        if (py + 6 > last - 4)
            continue;
        text(f, fr->l - 7, py + 4, "end", T_TICK, lab);
        wmax = fmax(wmax, text_w(lab, 11));
        last = py - 6;
    }
    return wmax;
}

/* Grid, frame, tick labels and axis titles. */
static void
draw_axes(FILE *f, const frame *fr)
{
    double t[64];
    x_ticks(f, fr, t, ticks(&fr->x, t, 64));
    double yw = y_ticks(f, fr, t, ticks(&fr->y, t, 64));
    fprintf(f,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
            "stroke=\"#888888\"/>\n",
            fr->l, fr->t, fr->r - fr->l, fr->b - fr->t);
    text(f, (fr->l + fr->r) / 2, fr->b + 38, "middle", T_AXIS, fr->xtitle);
    double cy = (fr->t + fr->b) / 2, cx = fmax(16, fr->l - 7 - yw - 10);
    fprintf(f,
            "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" transform=\"rotate(-90 %.2f "
            "%.2f)\" %s>",
            cx, cy, cx, cy, T_AXIS);
    lr_xml_escape(f, fr->ytitle);
    fputs("</text>\n", f);
}

/* Multi-line text in a box laid out by place(): 13 px per line. */
static void
text_lines(FILE *f, box b, char lines[][48], int n)
{
    for (int i = 0; i < n; i++)
        text(f, b.x0, b.y0 + 10.5 + 13 * i, NULL, T_LABEL HALO, lines[i]);
}

/* ---- the roofline ---- */

/* Plot area of a roofline: x 80..780, y 60..540 (docs/plots.md). */
#define RL_L 80.0
#define RL_R 780.0
#define RL_T 60.0
#define RL_B 540.0
#define RL_H 652.0
#define RL_RMAX 22.0 /* marker radius of an op taking the whole stage */

typedef struct rpt {
    const lr_op *o;
    int stage;
    size_t idx;   /* position in the stage: the tie-breaker */
    double share; /* of the stage's time */
    double px, py, r;
} rpt;

static int
rpt_cmp(const void *a, const void *b)
{
    const rpt *p = a, *q = b;
    if (p->share != q->share)
        return p->share < q->share ? 1 : -1;
    if (p->stage != q->stage)
        return p->stage - q->stage;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static int
plottable(const lr_op *o)
{
    return o->present && o->v[LR_F_FLOPS] > 0 && o->bytes > 0 && o->time_s > 0;
}

/* The ops that have a place on log-log axes, largest share first. */
static size_t
roof_points(const lr_result *r, rpt **out)
{
    size_t n = 0, cap = 0;
    rpt *v = NULL;
    for (int st = 0; st < 2; st++) {
        const lr_stage_result *sr = &r->stage[st];
        if (!r->has[st])
            continue;
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (!plottable(o))
                continue;
            if (n == cap)
                v = lr_xrealloc(v, cap = cap ? cap * 2 : 64, sizeof *v);
            double tot = sr->total.time_s;
            rpt p = {o, st, i, tot > 0 ? o->count * o->time_s / tot : 0, 0, 0, 0};
            v[n++] = p;
        }
    }
    if (n)
        qsort(v, n, sizeof *v, rpt_cmp);
    *out = v;
    return n;
}

/* The distinct peaks of the device, types of equal peak merged ("fp16/bf16"). */
typedef struct roof {
    double peak;
    char names[64];
    int used;
} roof;

static size_t
roof_groups(const lr_result *r, roof *g)
{
    size_t n = 0;
    for (int d = 0; d < LR_NDTYPES; d++) {
        double p = r->hw->peak[d];
        if (p <= 0)
            continue;
        size_t k = 0;
        while (k < n && g[k].peak != p)
            k++;
        if (k == n) {
            g[n].peak = p;
            g[n].names[0] = '\0';
            g[n++].used = p == r->peak_flops;
        }
        size_t len = strlen(g[k].names);
        snprintf(g[k].names + len, sizeof g[k].names - len, "%s%s", len ? "/" : "",
                 lr_dtype_names[d]);
    }
    int any = 0;
    for (size_t k = 0; k < n; k++)
        any |= g[k].used;
    if (!any && r->peak_flops > 0) {
        g[n].peak = r->peak_flops;
        snprintf(g[n].names, sizeof g[n].names, "%s", lr_dtype_names[r->compute]);
        g[n++].used = 1;
    }
    return n;
}

/* Decade axes holding every point, every ridge and every peak. */
static void
roof_frame(frame *fr, const lr_result *r, const rpt *p, size_t n, const roof *g, size_t ng)
{
    double bw = r->hw->bandwidth > 0 ? r->hw->bandwidth : 1;
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
    for (size_t i = 0; i < n; i++) {
        xlo = fmin(xlo, p[i].o->intensity);
        xhi = fmax(xhi, p[i].o->intensity);
        double y = p[i].o->v[LR_F_FLOPS] / p[i].o->time_s;
        ylo = fmin(ylo, y);
        yhi = fmax(yhi, y);
        if (p[i].o->expected_time_s > p[i].o->time_s) /* its expected point, lower */
            ylo = fmin(ylo, p[i].o->v[LR_F_FLOPS] / p[i].o->expected_time_s);
    }
    for (size_t k = 0; k < ng; k++) {
        xhi = fmax(xhi, g[k].peak / bw);
        yhi = fmax(yhi, g[k].peak);
        ylo = fmin(ylo, g[k].peak / 100);
    }
    if (!(xlo < INFINITY))
        xlo = xhi > 0 ? xhi / 1000 : 1;
    if (xhi <= 0)
        xhi = xlo * 1000;
    set_frame(fr, RL_L, RL_R, RL_T, RL_B);
    scale_fit(&fr->x, xlo, xhi, 1, 1, 0, "");
    scale_fit(&fr->y, ylo, yhi > 0 ? yhi : ylo * 1000, 1, 1, 0, "");
    fr->xtitle = "arithmetic intensity (FLOP/B)";
    fr->ytitle = "attained performance (FLOP/s)";
}

/* The roofs: bandwidth x intensity up to each ridge, then flat. */
static void
draw_roofs(FILE *f, const frame *fr, const lr_result *r, const roof *g, size_t ng)
{
    double bw = r->hw->bandwidth;
    if (bw <= 0)
        return;
    double x0 = fmax(fr->x.lo, fr->y.lo / bw);
    for (size_t k = 0; k < ng; k++) {
        double ridge = g[k].peak / bw;
        fprintf(f,
                "<path class=\"roof\" d=\"M%.2f %.2f L%.2f %.2f L%.2f %.2f\" fill=\"none\" "
                "stroke=\"%s\" stroke-width=\"%s\"%s><title>%s roof: %s peak</title></path>\n",
                sc(&fr->x, x0), sc(&fr->y, x0 * bw), sc(&fr->x, ridge), sc(&fr->y, g[k].peak),
                fr->r, sc(&fr->y, g[k].peak), g[k].used ? "#222222" : "#777777",
                g[k].used ? "2" : "1.2", g[k].used ? "" : " stroke-dasharray=\"6 4\"", g[k].names,
                g[k].used ? "the type used" : "another type of the device");
    }
}

/* Each roof named at its right end, outside the plot (compute-bound ops sit
 * on the used roof, so inside there is no room): a column of labels at the
 * roofs' heights, pushed apart to 14 px and back up from the bottom. */
static void
roof_labels(FILE *f, const frame *fr, const roof *g, size_t ng)
{
    size_t ord[LR_NDTYPES + 1];
    double y[LR_NDTYPES + 1];
    for (size_t k = 0; k < ng; k++) {
        size_t j = k; /* by height on the page, top first (insertion sort) */
        for (; j > 0 && g[ord[j - 1]].peak < g[k].peak; j--)
            ord[j] = ord[j - 1];
        ord[j] = k;
    }
    for (size_t i = 0; i < ng; i++) {
        y[i] = sc(&fr->y, g[ord[i]].peak) + 4;
        if (i && y[i] < y[i - 1] + 14)
            y[i] = y[i - 1] + 14;
    }
    for (size_t i = ng; i-- > 0;) {
        double lim = i + 1 < ng ? y[i + 1] - 14 : fr->b + 4;
        if (y[i] > lim)
            y[i] = lim;
    }
    for (size_t i = 0; i < ng; i++) {
        const roof *rf = &g[ord[i]];
        char lab[128], q[32];
        lr_fmt_quantity(q, sizeof q, rf->peak, "FLOP/s");
        snprintf(lab, sizeof lab, "%s %s", rf->names, q);
        text(f, fr->r + 6, y[i], NULL, rf->used ? T_LABEL " font-weight=\"bold\"" : T_LABEL, lab);
    }
}

/* The memory roof's label, along its slope, and the ridge of the type used. */
static void
draw_slope_label(FILE *f, const frame *fr, const lr_result *r, boxes *bs)
{
    double bw = r->hw->bandwidth;
    if (bw <= 0 || r->peak_flops <= 0)
        return;
    double x0 = fmax(fr->x.lo, fr->y.lo / bw), ridge = r->peak_flops / bw;
    double ax = sc(&fr->x, x0), ay = sc(&fr->y, x0 * bw);
    double bx = sc(&fr->x, ridge), by = sc(&fr->y, r->peak_flops);
    double ang = atan2(by - ay, bx - ax), len = sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
    char q[32], lab[64];
    lr_fmt_quantity(q, sizeof q, bw, "B/s");
    snprintf(lab, sizeof lab, "memory %s", q);
    double w = text_w(lab, 11);
    if (len > w + 40) {
        /* the text's start, 20 px along the slope, 5 px above it */
        double tx = ax + cos(ang) * 20 + sin(ang) * 5, ty = ay + sin(ang) * 20 - cos(ang) * 5;
        double ex = tx + cos(ang) * w, ey = ty + sin(ang) * w;
        box b = {fmin(tx, ex), fmin(ty, ey) - 11, fmax(tx, ex), fmax(ty, ey) + 2};
        box_add(bs, b);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" transform=\"rotate(%.2f %.2f %.2f)\" %s>", tx, ty,
                ang * 180 / PI, tx, ty, T_LABEL HALO);
        lr_xml_escape(f, lab);
        fputs("</text>\n", f);
    }
    line(f, bx, by, bx, fr->b, "#999999", 1, "2 3");
    char rl[64];
    lr_fmt_quantity(q, sizeof q, ridge, "");
    snprintf(rl, sizeof rl, "ridge %s FLOP/B", q);
    box b;
    if (place(bs, bx, fr->b - 9, 0, text_w(rl, 11), 13, 4, &b) >= 0)
        text(f, b.x0, b.y1 - 3, NULL, T_TICK HALO, rl);
}

static void
marker_shape(FILE *f, const rpt *p, const char *attrs)
{
    if (p->stage == LR_PREFILL) {
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" %s>", p->px, p->py, p->r, attrs);
        return;
    }
    /* a diamond of the same area as the circle: half-diagonal r sqrt(pi/2) */
    double d = p->r * sqrt(PI / 2);
    fprintf(f, "<path d=\"M%.2f %.2f L%.2f %.2f L%.2f %.2f L%.2f %.2f Z\" %s>", p->px, p->py - d,
            p->px + d, p->py, p->px, p->py + d, p->px - d, p->py, attrs);
}

/* Where each op lands at its expected time (the engine's, slower than the
 * roofline's): a hollow dot straight below its marker, joined to it by a
 * thin line; the marker itself stays at the roofline, the bound. Ops whose
 * expected time is the roofline's (engine ideal) get none. */
static void
draw_expected(FILE *f, const frame *fr, const rpt *p, size_t n, const char *engine)
{
    for (size_t i = 0; i < n; i++) {
        const lr_op *o = p[i].o;
        if (!(o->expected_time_s > o->time_s))
            continue;
        double ey = sc(&fr->y, o->v[LR_F_FLOPS] / o->expected_time_s);
        const char *col = bound_color[o->bound];
        fprintf(f,
                "<line class=\"expected\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"%s\" stroke-width=\"1\" stroke-opacity=\"0.6\"/>\n",
                p[i].px, p[i].py, p[i].px, ey, col);
        char y[32], t[32];
        lr_fmt_quantity(y, sizeof y, o->v[LR_F_FLOPS] / o->expected_time_s, "FLOP/s");
        lr_fmt_quantity(t, sizeof t, o->count * o->expected_time_s, "s");
        fprintf(f,
                "<circle class=\"expected %s\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"#ffffff\" "
                "stroke=\"%s\" stroke-width=\"1.2\"><title>%s ",
                stage_name[p[i].stage], p[i].px, ey, col, stage_name[p[i].stage]);
        lr_xml_escape(f, o->name);
        fprintf(f, " expected with %s: %s, %s</title></circle>\n", engine, y, t);
    }
}

/* One marker per op, the largest drawn first so that small ones stay on top. */
static void
draw_markers(FILE *f, rpt *p, size_t n, boxes *bs)
{
    for (size_t i = 0; i < n; i++) {
        const lr_op *o = p[i].o;
        const char *col = bound_color[o->bound];
        char attrs[256];
        snprintf(attrs, sizeof attrs,
                 "class=\"op %s %s\" fill=\"%s\" fill-opacity=\"0.45\" stroke=\"%s\"",
                 stage_name[p[i].stage], lr_bound_names[o->bound], col, col);
        marker_shape(f, &p[i], attrs);
        char a[32], y[32], t[32];
        lr_fmt_quantity(a, sizeof a, o->intensity, "FLOP/B");
        lr_fmt_quantity(y, sizeof y, o->v[LR_F_FLOPS] / o->time_s, "FLOP/s");
        lr_fmt_quantity(t, sizeof t, o->count * o->time_s, "s");
        fprintf(f, "<title>%s ", stage_name[p[i].stage]);
        lr_xml_escape(f, o->name);
        fputs(" (", f);
        lr_xml_escape(f, o->path);
        fprintf(f, "): %s, %s, %s-bound, %s = %.1f%% of the %s time</title>", a, y,
                lr_bound_names[o->bound], t, p[i].share * 100, stage_name[p[i].stage]);
        fputs(p[i].stage == LR_PREFILL ? "</circle>\n" : "</path>\n", f);
        box b = {p[i].px - p[i].r, p[i].py - p[i].r, p[i].px + p[i].r, p[i].py + p[i].r};
        box_add(bs, b);
    }
}

/* Packs names after `prefix` into at most 3 lines of about 30 characters;
 * the rest are counted ("+2 more"). Returns the line count. */
static int
pack_names(const char *prefix, const char *const *names, size_t n, char lines[][48])
{
    int nl = 0;
    size_t i = 0;
    snprintf(lines[0], 48, "%s", prefix);
    for (; i < n; i++) {
        size_t len = strlen(lines[nl]), add = strlen(names[i]) + (len ? 2 : 0);
        int fresh = nl == 0 && len == strlen(prefix);
        if (len && !fresh && len + add > 30) {
            if (nl == 2)
                break;
            lines[++nl][0] = '\0';
            len = 0;
        }
        fresh = nl == 0 && len == strlen(prefix);
        snprintf(lines[nl] + len, 48 - len, "%s%.40s", len && !fresh ? ", " : "", names[i]);
    }
    if (i < n) {
        size_t len = strlen(lines[nl]);
        snprintf(lines[nl] + len, 48 - len, " +%zu more", n - i);
    }
    return nl + 1;
}

/* Labels for the largest ops. Ops of a stage drawn at the same place (q, k,
 * v and o projections) share one label. */
static void
draw_op_labels(FILE *f, const rpt *p, size_t n, int both, boxes *bs)
{
    char *done = lr_xcalloc(n ? n : 1, 1);
    const char **names = lr_xcalloc(n ? n : 1, sizeof *names);
    int labelled = 0;
    for (size_t i = 0; i < n && labelled < 12; i++) {
        if (done[i])
            continue;
        size_t nn = 0;
        double share = 0;
        for (size_t j = i; j < n; j++) {
            if (done[j] || p[j].stage != p[i].stage || fabs(p[j].px - p[i].px) > 3 ||
                fabs(p[j].py - p[i].py) > 3)
                continue;
            done[j] = 1;
            share += p[j].share;
            int dup = 0;
            for (size_t k = 0; k < nn; k++)
                dup |= strcmp(names[k], p[j].o->name) == 0;
            if (!dup)
                names[nn++] = p[j].o->name;
        }
        if (share < 0.005)
            continue;
        char lines[3][48];
        /* with both stages, say which one: the shapes are small */
        int nl = pack_names(both ? (p[i].stage ? "decode: " : "prefill: ") : "", names, nn, lines);
        double w = 0;
        for (int k = 0; k < nl; k++)
            w = fmax(w, text_w(lines[k], 11));
        box b;
        int ring = place(bs, p[i].px, p[i].py, p[i].r, w, 13.0 * nl + 2, 4, &b);
        if (ring < 0)
            continue;
        leader(f, p[i].px, p[i].py, p[i].r, b);
        text_lines(f, b, lines, nl);
        labelled++;
    }
    free(names);
    free(done);
}

/* A legend entry: a marker (circle, diamond or roof line sample) and its
 * text; returns the x after it. */
static double
legend_item(FILE *f, double x, double y, int shape, const char *col, const char *lab)
{
    if (shape == 4) { /* the expected point: a hollow dot */
        fprintf(f,
                "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"#ffffff\" stroke=\"%s\" "
                "stroke-width=\"1.2\"/>\n",
                x + 6, y, col);
        text(f, x + 22, y + 4, NULL, T_LEGEND, lab);
        return x + 22 + text_w(lab, 12) + 16;
    }
    if (shape == 1)
        fprintf(f, "<path d=\"M%.2f %.2f L%.2f %.2f L%.2f %.2f L%.2f %.2f Z\"", x + 6, y - 7,
                x + 13, y, x + 6, y + 7, x - 1, y);
    else if (shape == 0)
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"6\"", x + 6, y);
    if (shape <= 1)
        fprintf(f, " fill=\"%s\" fill-opacity=\"0.45\" stroke=\"%s\"/>\n", col, col);
    else
        line(f, x - 4, y, x + 18, y, col, shape == 2 ? 2 : 1.2, shape == 2 ? NULL : "6 4");
    text(f, x + 22, y + 4, NULL, T_LEGEND, lab);
    return x + 22 + text_w(lab, 12) + 16;
}

static double
legend_head(FILE *f, double x, double y, const char *lab)
{
    text(f, x, y + 4, NULL, T_LEGEND " font-weight=\"bold\"", lab);
    return x + text_w(lab, 12) + 8;
}

/* One row under the x axis title. */
static void
roof_legend(FILE *f, const rpt *p, size_t n, const char *engine)
{
    double x = RL_L, y = RL_B + 64;
    int present[3] = {0, 0, 0}, expected = 0;
    for (size_t i = 0; i < n; i++) {
        present[p[i].o->bound] = 1;
        expected |= p[i].o->expected_time_s > p[i].o->time_s;
    }
    x = legend_head(f, x, y, "bound:");
    for (int b = 0; b < 3; b++)
        if (present[b] || b < 2)
            x = legend_item(f, x, y, 0, bound_color[b], lr_bound_names[b]);
    x = legend_head(f, x + 8, y, "stage:");
    x = legend_item(f, x, y, 0, "#777777", "prefill");
    x = legend_item(f, x, y, 1, "#777777", "decode");
    x = legend_head(f, x + 8, y, "roofs:");
    x = legend_item(f, x, y, 2, "#222222", "type used");
    x = legend_item(f, x, y, 3, "#777777", "other types");
    if (expected) {
        char lab[64];
        snprintf(lab, sizeof lab, "expected (%s)", engine);
        legend_item(f, x + 8, y, 4, "#555555", lab);
    }
    text(f, RL_L, y + 24, NULL, T_SUB,
         expected ? "marker: the op at its roofline time (the bound), area its share of its "
                    "stage's time; hollow dot below: the op at its expected time"
                  : "marker area: the op's share of its stage's time");
}

static void
settings_line(char *buf, size_t cap, const lr_result *r)
{
    const lr_settings *s = &r->settings;
    char pk[32];
    lr_fmt_quantity(pk, sizeof pk, r->peak_flops, "FLOP/s");
    snprintf(buf, cap,
             "batch %.0f, seq-len %.0f, w%.4g a%d kv%d, %s attention; %s peak %s; profile %s",
             s->batch, s->seq_len, s->w_bit, s->a_bit, s->kv_bit, s->flash ? "flash" : "eager",
             lr_dtype_names[r->compute], pk, r->profile ? lr_profile_name(r->profile) : "?");
    if (s->tp > 1 || s->pp > 1 || s->ep > 1) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "; tp %.0f pp %.0f ep %.0f (per device)", s->tp, s->pp,
                 s->ep);
    }
}

/* Ops with no FLOPs (embedding lookups) have no place on log axes. */
static void
roof_footnote(FILE *f, const lr_result *r)
{
    char note[512];
    size_t len = 0;
    int shown = 0, more = 0;
    for (int st = 0; st < 2; st++) {
        for (size_t i = 0; r->has[st] && i < r->stage[st].nops; i++) {
            const lr_op *o = &r->stage[st].ops[i];
            if (!o->present || plottable(o))
                continue;
            if (shown < 6 && len < 300)
                len += (size_t)snprintf(
                    note + len, sizeof note - len, "%s%s %.60s",
                    shown ? ", " : "not shown (no FLOPs or no time): ", stage_name[st], o->name);
            else
                more++;
            shown++;
        }
    }
    if (more && len < sizeof note)
        snprintf(note + len, sizeof note - len, " and %d more", more);
    if (shown)
        text(f, RL_L, RL_B + 104, NULL, T_SUB, note);
}

static void
draw_roofline(FILE *f, const lr_result *r, const char *heading)
{
    rpt *p;
    size_t n = roof_points(r, &p);
    roof g[LR_NDTYPES + 1];
    size_t ng = roof_groups(r, g);
    frame fr;
    roof_frame(&fr, r, p, n, g, ng);
    for (size_t i = 0; i < n; i++) {
        p[i].px = sc(&fr.x, p[i].o->intensity);
        p[i].py = sc(&fr.y, p[i].o->v[LR_F_FLOPS] / p[i].o->time_s);
        p[i].r = fmax(3, RL_RMAX * sqrt(p[i].share));
    }
    char sub[512];
    settings_line(sub, sizeof sub, r);
    text(f, RL_L, 24, NULL, T_HEAD, heading);
    text(f, RL_L, 44, NULL, T_SUB, sub);
    draw_axes(f, &fr);
    boxes bs = {NULL, 0, 0, {fr.l + 1, fr.t + 1, fr.r - 1, fr.b - 1}};
    draw_roofs(f, &fr, r, g, ng);
    roof_labels(f, &fr, g, ng);
    draw_expected(f, &fr, p, n, r->settings.engine);
    draw_markers(f, p, n, &bs);
    draw_slope_label(f, &fr, r, &bs);
    draw_op_labels(f, p, n, r->has[0] && r->has[1], &bs);
    roof_legend(f, p, n, r->settings.engine);
    roof_footnote(f, r);
    free(bs.v);
    free(p);
}

int
lr_svg_roofline(FILE *f, const lr_result *r, const char *title, int flags)
{
    const char *t = title ? title : "Roofline";
    doc_begin(f, CHART_W, RL_H, t, flags);
    draw_roofline(f, r, t);
    return doc_end(f);
}

/* ---- time by op kind ---- */

#define BD_X0 96.0
#define BD_X1 800.0

/* The bars show the engine's expected times, with the roofline as the
 * bound; a result without expected times (all 0) shows the roofline. */
static int
expected_shown(const lr_stage_result *sr)
{
    return sr->total.expected_time_s > 0;
}

/* One instance's time as the bars show it. */
static double
op_time(const lr_stage_result *sr, const lr_op *o)
{
    return expected_shown(sr) ? o->expected_time_s : o->time_s;
}

static void
kind_times(const lr_stage_result *sr, double *t)
{
    for (size_t k = 0; k < NKINDS; k++)
        t[k] = 0;
    for (size_t i = 0; i < sr->nops; i++)
        if (sr->ops[i].present)
            t[kind_index(sr->ops[i].kind)] += sr->ops[i].count * op_time(sr, &sr->ops[i]);
}

/* The ops' roofline time (count x time_s summed), the bound of the bars. */
static double
roof_sum(const lr_stage_result *sr)
{
    double t = 0;
    for (size_t i = 0; i < sr->nops; i++)
        if (sr->ops[i].present)
            t += sr->ops[i].count * sr->ops[i].time_s;
    return t;
}

/* Swatches of the kinds present, in rows that wrap at the chart's width;
 * returns the height used. */
static double
kind_legend(FILE *f, const lr_result *r, double x0, double y, int draw)
{
    int present[NKINDS] = {0};
    for (int st = 0; st < 2; st++)
        for (size_t i = 0; r->has[st] && i < r->stage[st].nops; i++)
            if (r->stage[st].ops[i].present && r->stage[st].ops[i].time_s > 0)
                present[kind_index(r->stage[st].ops[i].kind)] = 1;
    double x = x0, rows = 1;
    for (size_t k = 0; k < NKINDS; k++) {
        if (!present[k])
            continue;
        double w = 20 + text_w(kinds[k], 12) + 18;
        if (x + w > CHART_W - 20 && x > x0) {
            x = x0;
            rows++;
        }
        if (draw) {
            double yy = y + (rows - 1) * 20;
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x,
                    yy - 10, palette[k]);
            text(f, x + 17, yy, NULL, T_LEGEND, kinds[k]);
        }
        x += w;
    }
    return rows * 20;
}

static void
stage_bar(FILE *f, const lr_stage_result *sr, double y)
{
    double t[NKINDS], tot = 0, x = BD_X0;
    kind_times(sr, t);
    for (size_t k = 0; k < NKINDS; k++)
        tot += t[k];
    text(f, BD_X0 - 10, y + 20, "end", T_AXIS, stage_name[sr->stage]);
    char q[32];
    lr_fmt_quantity(q, sizeof q, expected_shown(sr) ? sr->total.expected_time_s : sr->total.time_s,
                    "s");
    text(f, BD_X1 + 8, y + 20, NULL, T_AXIS, q);
    if (expected_shown(sr)) {
        /* the roofline's time of the same ops: the bound, a dashed mark */
        double roof = roof_sum(sr), xr = BD_X0 + (BD_X1 - BD_X0) * fmin(roof / tot, 1);
        char lab[64];
        lr_fmt_quantity(q, sizeof q, roof, "s");
        snprintf(lab, sizeof lab, "roofline %s", q);
        fprintf(f,
                "<line class=\"bound\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"#111\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n",
                xr, y - 4, xr, y + 34);
        text(f, BD_X1 + 8, y + 34, NULL, T_TICK, lab);
    }
    for (size_t k = 0; k < NKINDS && tot > 0; k++) {
        if (t[k] <= 0)
            continue;
        double w = (BD_X1 - BD_X0) * t[k] / tot;
        lr_fmt_quantity(q, sizeof q, t[k], "s");
        fprintf(f,
                "<rect class=\"kind %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"30\" "
                "fill=\"%s\"><title>%s %s: %s = %.1f%%</title></rect>\n",
                kinds[k], x, y, w, palette[k], stage_name[sr->stage], kinds[k], q,
                100 * t[k] / tot);
        char lab[64];
        snprintf(lab, sizeof lab, "%s %.0f%%", kinds[k], 100 * t[k] / tot);
        if (text_w(lab, 11) + 8 > w)
            snprintf(lab, sizeof lab, "%.0f%%", 100 * t[k] / tot);
        if (text_w(lab, 11) + 8 <= w)
            text(f, x + w / 2, y + 19, "middle", T_LABEL, lab);
        x += w;
    }
}

static double
breakdown_height(const lr_result *r)
{
    int ns = r->has[0] + r->has[1];
    return 64 + ns * 48 + 34 + kind_legend(NULL, r, BD_X0, 0, 0) + 10;
}

static void
draw_breakdown(FILE *f, const lr_result *r, const char *heading)
{
    text(f, BD_X0, 24, NULL, T_HEAD, heading);
    int exp =
        (r->has[0] && expected_shown(&r->stage[0])) || (r->has[1] && expected_shown(&r->stage[1]));
    text(f, BD_X0, 44, NULL, T_SUB,
         exp ? "share of each stage's expected time (count x expected time of its ops) by op "
               "kind, the roofline's time dashed (the bound); prefill: the whole prompt, "
               "decode: one token"
             : "share of each stage's time (count x time of its ops) by op kind; prefill: the "
               "whole prompt, decode: one token");
    double y = 60;
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        stage_bar(f, &r->stage[st], y);
        y += 48;
    }
    line(f, BD_X0, y - 8, BD_X1, y - 8, "#888888", 1, NULL);
    for (int i = 0; i <= 4; i++) {
        double x = BD_X0 + (BD_X1 - BD_X0) * i / 4;
        char lab[8];
        snprintf(lab, sizeof lab, "%d%%", i * 25);
        line(f, x, y - 8, x, y - 4, "#888888", 1, NULL);
        text(f, x, y + 8, "middle", T_TICK, lab);
    }
    kind_legend(f, r, BD_X0, y + 34, 1);
}

int
lr_svg_breakdown(FILE *f, const lr_result *r, const char *title, int flags)
{
    const char *t = title ? title : "Time by op kind";
    doc_begin(f, CHART_W, breakdown_height(r), t, flags);
    draw_breakdown(f, r, t);
    return doc_end(f);
}

/* ---- time per op ---- */

#define OPS_MAX 30 /* bars per stage; the rest are summed in one */
#define OPS_ROW 18.0

typedef struct opbar {
    const lr_op *o;
    size_t idx;
    double t; /* count x the time shown (expected, else the roofline) */
} opbar;

static int
opbar_cmp(const void *a, const void *b)
{
    const opbar *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? 1 : -1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static size_t
op_bars(const lr_stage_result *sr, opbar *v)
{
    size_t n = 0;
    for (size_t i = 0; i < sr->nops; i++) {
        const lr_op *o = &sr->ops[i];
        if (o->present && o->count * o->time_s > 0) {
            opbar b = {o, i, o->count * op_time(sr, o)};
            v[n++] = b;
        }
    }
    qsort(v, n, sizeof *v, opbar_cmp);
    return n;
}

/* The short name, or the path when another op of the stage has the name. */
static const char *
bar_name(const lr_stage_result *sr, const lr_op *o)
{
    for (size_t i = 0; i < sr->nops; i++)
        if (&sr->ops[i] != o && sr->ops[i].present && strcmp(sr->ops[i].name, o->name) == 0)
            return o->path;
    return o->name;
}

static size_t
stage_rows(const lr_stage_result *sr)
{
    size_t n = 0;
    for (size_t i = 0; i < sr->nops; i++)
        n += sr->ops[i].present && sr->ops[i].count * sr->ops[i].time_s > 0;
    return n > OPS_MAX ? OPS_MAX + 1 : n;
}

static double
name_col(const lr_result *r)
{
    double w = 60;
    for (int st = 0; st < 2; st++)
        for (size_t i = 0; r->has[st] && i < r->stage[st].nops; i++)
            if (r->stage[st].ops[i].present)
                w = fmax(w, text_w(bar_name(&r->stage[st], &r->stage[st].ops[i]), 11));
    return 16 + fmin(w, 300);
}

/* One bar: `t` long (`w` px), the roofline's time `roof` (< 0: not
 * shown) a dark mark at `wr` px, the bound. */
static void
op_bar(FILE *f, double nc, double y, double w, const char *name, const char *kind, double t,
       double share, const char *bound, double roof, double wr)
{
    size_t k = kind_index(kind);
    char q[32], r[32] = "", lab[112];
    lr_fmt_quantity(q, sizeof q, t, "s");
    if (roof >= 0) {
        char rq[32];
        lr_fmt_quantity(rq, sizeof rq, roof, "s");
        snprintf(r, sizeof r, " (roofline %s)", rq);
    }
    snprintf(lab, sizeof lab, "%s%s, %.1f%%%s%s%s", q, r, share * 100, bound ? ", " : "",
             bound ? bound : "", bound ? "-bound" : "");
    text(f, nc, y + 11, "end", T_LABEL, name);
    fprintf(f,
            "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"13\" fill=\"%s\">",
            nc + 8, y, fmax(w, 0.5), palette[k]);
    fputs("<title>", f);
    lr_xml_escape(f, name);
    fprintf(f, " (%s): %s</title></rect>\n", kinds[k], lab);
    if (roof >= 0)
        fprintf(f,
                "<rect class=\"bound\" x=\"%.2f\" y=\"%.2f\" width=\"2\" height=\"13\" "
                "fill=\"#111\"/>\n",
                nc + 8 + fmax(wr - 2, 0), y);
    text(f, nc + 8 + w + 6, y + 11, NULL, T_TICK, lab);
}

/* One stage's bars; returns the height used. */
static double
stage_ops(FILE *f, const lr_stage_result *sr, double nc, double y)
{
    opbar *v = lr_xcalloc(sr->nops + 1, sizeof *v);
    size_t n = op_bars(sr, v);
    int exp = expected_shown(sr);
    double tot = 0, span = CHART_W - 300 - (nc + 8);
    for (size_t i = 0; i < n; i++)
        tot += v[i].t;
    char q[32], rq[32], head[192];
    lr_fmt_quantity(q, sizeof q, tot, "s");
    lr_fmt_quantity(rq, sizeof rq, roof_sum(sr), "s");
    if (exp)
        snprintf(head, sizeof head,
                 "%s: %s expected over %zu ops (count x expected time per op; the dark mark: "
                 "the roofline's %s, the bound)",
                 stage_name[sr->stage], q, n, rq);
    else
        snprintf(head, sizeof head, "%s: %s over %zu ops (count x time per op)",
                 stage_name[sr->stage], q, n);
    text(f, 16, y + 14, NULL, T_AXIS " font-weight=\"bold\"", head);
    double top = n ? v[0].t : 0, yy = y + 24;
    for (size_t i = 0; i < n && i < OPS_MAX; i++, yy += OPS_ROW) {
        double roof = v[i].o->count * v[i].o->time_s;
        op_bar(f, nc, yy, top > 0 ? span * v[i].t / top : 0, bar_name(sr, v[i].o), v[i].o->kind,
               v[i].t, tot > 0 ? v[i].t / tot : 0, lr_bound_names[v[i].o->bound], exp ? roof : -1,
               top > 0 ? fmin(span, span * roof / top) : 0);
    }
    if (n > OPS_MAX) {
        double rest = 0, roof = 0;
        for (size_t i = OPS_MAX; i < n; i++) {
            rest += v[i].t;
            roof += v[i].o->count * v[i].o->time_s;
        }
        char name[48];
        snprintf(name, sizeof name, "(%zu other ops)", n - OPS_MAX);
        op_bar(f, nc, yy, top > 0 ? fmin(span, span * rest / top) : 0, name, "other", rest,
               tot > 0 ? rest / tot : 0, NULL, exp ? roof : -1,
               top > 0 ? fmin(span, span * roof / top) : 0);
    }
    free(v);
    return 24 + OPS_ROW * (double)stage_rows(sr) + 16;
}

static double
ops_height(const lr_result *r)
{
    double h = 44 + kind_legend(NULL, r, 16, 0, 0) + 8;
    for (int st = 0; st < 2; st++)
        if (r->has[st])
            h += 24 + OPS_ROW * (double)stage_rows(&r->stage[st]) + 16;
    return h;
}

static void
draw_ops(FILE *f, const lr_result *r, const char *heading)
{
    text(f, 16, 24, NULL, T_HEAD, heading);
    double y = 44 + kind_legend(f, r, 16, 48, 1) + 8, nc = name_col(r);
    for (int st = 0; st < 2; st++)
        if (r->has[st])
            y += stage_ops(f, &r->stage[st], nc, y);
}

int
lr_svg_ops(FILE *f, const lr_result *r, const char *title, int flags)
{
    const char *t = title ? title : "Time per op";
    doc_begin(f, CHART_W, ops_height(r), t, flags);
    draw_ops(f, r, t);
    return doc_end(f);
}

/* ---- all three ---- */

int
lr_svg_analysis(FILE *f, const lr_result *r, const char *title, int flags)
{
    const char *t = title ? title : "llmroof analysis";
    double h1 = RL_H, h2 = breakdown_height(r), h3 = ops_height(r);
    doc_begin(f, CHART_W, 40 + h1 + h2 + h3, t, flags);
    text(f, 16, 28, NULL, T_TITLE, t);
    fputs("<g transform=\"translate(0 40)\">\n", f);
    draw_roofline(f, r, "Roofline");
    fprintf(f, "</g>\n<g transform=\"translate(0 %.0f)\">\n", 40 + h1);
    draw_breakdown(f, r, "Time by op kind");
    fprintf(f, "</g>\n<g transform=\"translate(0 %.0f)\">\n", 40 + h1 + h2);
    draw_ops(f, r, "Time per op");
    fputs("</g>\n", f);
    return doc_end(f);
}

/* ---- line charts ---- */

/* Plot area of a line chart panel (docs/plots.md). */
#define LN_L 90.0
#define LN_R 730.0
#define LN_T 50.0
#define LN_B 360.0
#define LN_H 420.0
#define DENSE 80 /* points beyond which a series has no markers */

static int
usable(const lr_axis *a, double v)
{
    return isfinite(v) && (!a->log || v > 0);
}

static const char *
series_color(const lr_series *s, size_t i)
{
    return palette[(s->color > 0 ? (size_t)s->color - 1 : i) % 10];
}

/* Scales holding every usable point and the reference lines. */
static int
lines_frame(frame *fr, const lr_chart *c)
{
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    const lr_axis *ax[2] = {&c->x, &c->y};
    for (size_t i = 0; i < c->nseries; i++) {
        const lr_series *s = &c->series[i];
        for (size_t k = 0; k < s->n; k++) {
            if (!usable(ax[0], s->x[k]) || !usable(ax[1], s->y[k]))
                continue;
            double v[2] = {s->x[k], s->y[k]};
            for (int a = 0; a < 2; a++) {
                lo[a] = fmin(lo[a], v[a]);
                hi[a] = fmax(hi[a], v[a]);
            }
        }
    }
    if (!(lo[0] <= hi[0]))
        return -1;
    for (int a = 0; a < 2; a++) {
        if (ax[a]->ref != 0 && usable(ax[a], ax[a]->ref)) {
            lo[a] = fmin(lo[a], ax[a]->ref);
            hi[a] = fmax(hi[a], ax[a]->ref);
        }
    }
    set_frame(fr, LN_L, LN_R, LN_T, LN_B);
    scale_fit(&fr->x, lo[0], hi[0], c->x.log, 0, 0, c->x.unit);
    scale_fit(&fr->y, lo[1], hi[1], c->y.log, 0, 1, c->y.unit);
    fr->xtitle = c->x.title;
    fr->ytitle = c->y.title;
    return 0;
}

static void
draw_series(FILE *f, const frame *fr, const lr_chart *c, size_t i, boxes *bs)
{
    const lr_series *s = &c->series[i];
    const char *col = series_color(s, i);
    int pen = 0;
    fprintf(f, "<path class=\"series\" d=\"");
    for (size_t k = 0; k < s->n; k++) {
        if (!usable(&c->x, s->x[k]) || !usable(&c->y, s->y[k])) {
            pen = 0; /* a gap in the line */
            continue;
        }
        fprintf(f, "%s%.2f %.2f", pen ? " L" : (k ? " M" : "M"), sc(&fr->x, s->x[k]),
                sc(&fr->y, s->y[k]));
        pen = 1;
    }
    fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", col,
            s->dashed ? " stroke-dasharray=\"7 4\"" : "");
    /* a dense series is a curve: markers would only thicken it */
    for (size_t k = 0; k < s->n && s->n <= DENSE; k++) {
        if (!usable(&c->x, s->x[k]) || !usable(&c->y, s->y[k]))
            continue;
        double px = sc(&fr->x, s->x[k]), py = sc(&fr->y, s->y[k]);
        char xq[32], yq[32];
        lr_fmt_quantity(xq, sizeof xq, s->x[k], c->x.unit);
        lr_fmt_quantity(yq, sizeof yq, s->y[k], c->y.unit);
        fprintf(f, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"><title>",
                px, py, col);
        lr_xml_escape(f, s->name);
        fputs(": ", f);
        lr_xml_escape(f, c->x.title);
        fprintf(f, " %s, ", xq);
        lr_xml_escape(f, c->y.title);
        fprintf(f, " %s</title></circle>\n", yq);
        box b = {px - 3, py - 3, px + 3, py + 3};
        box_add(bs, b);
    }
}

/* Label order that spreads labels out: the first and last points, then the
 * middle, then the quarters, and so on. */
static size_t
spread_order(size_t n, size_t *ord)
{
    size_t m = 0;
    char *seen = lr_xcalloc(n ? n : 1, 1);
    for (size_t step = n > 1 ? n - 1 : 1;; step /= 2) {
        for (size_t k = 0; k < n; k += step) {
            if (!seen[k]) {
                seen[k] = 1;
                ord[m++] = k;
            }
        }
        if (step <= 1)
            break;
    }
    free(seen);
    return m;
}

static void
point_labels(FILE *f, const frame *fr, const lr_chart *c, boxes *bs)
{
    for (size_t i = 0; i < c->nseries; i++) {
        const lr_series *s = &c->series[i];
        if (!s->labels || !s->n)
            continue;
        size_t *ord = lr_xcalloc(s->n, sizeof *ord);
        size_t m = spread_order(s->n, ord);
        for (size_t j = 0; j < m; j++) {
            size_t k = ord[j];
            if (!s->labels[k] || !usable(&c->x, s->x[k]) || !usable(&c->y, s->y[k]))
                continue;
            double px = sc(&fr->x, s->x[k]), py = sc(&fr->y, s->y[k]);
            box b;
            double w = text_w(s->labels[k], 10);
            if (place(bs, px, py, 3, w, 12, 1, &b) >= 0)
                text(f, b.x0, b.y1 - 2.5, NULL, "font-size=\"10\" fill=\"#333\"", s->labels[k]);
        }
        free(ord);
    }
}

static void
ref_lines(FILE *f, const frame *fr, const lr_chart *c, boxes *bs)
{
    if (c->y.ref != 0 && usable(&c->y, c->y.ref)) {
        double py = sc(&fr->y, c->y.ref);
        line(f, fr->l, py, fr->r, py, "#555555", 1.2, "4 3");
        if (c->y.ref_label) {
            double w = text_w(c->y.ref_label, 11);
            box b = {fr->r - 6 - w, py - 16, fr->r - 6, py - 3};
            box_add(bs, b);
            text(f, fr->r - 6, py - 5, "end", T_LABEL, c->y.ref_label);
        }
    }
    if (c->x.ref != 0 && usable(&c->x, c->x.ref)) {
        double px = sc(&fr->x, c->x.ref);
        line(f, px, fr->t, px, fr->b, "#555555", 1.2, "4 3");
        if (c->x.ref_label) {
            double w = text_w(c->x.ref_label, 11);
            box b = {px + 4, fr->t + 3, px + 4 + w, fr->t + 16};
            box_add(bs, b);
            text(f, px + 4, fr->t + 14, NULL, T_LABEL, c->x.ref_label);
        }
    }
}

static double
legend_width(const lr_chart *c, size_t n)
{
    double w = 120;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < c[k].nseries; i++)
            w = fmax(w, 40 + text_w(c[k].series[i].name ? c[k].series[i].name : "", 12));
    return w;
}

static void
lines_legend(FILE *f, const lr_chart *c, double x)
{
    double y = LN_T + 6;
    for (size_t i = 0; i < c->nseries; i++, y += 20) {
        const lr_series *s = &c->series[i];
        const char *col = series_color(s, i);
        line(f, x, y, x + 26, y, col, 2, s->dashed ? "7 4" : NULL);
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", x + 13, y, col);
        text(f, x + 34, y + 4, NULL, T_LEGEND, s->name ? s->name : "");
    }
}

static void
draw_lines_panel(FILE *f, const lr_chart *c)
{
    frame fr;
    text(f, LN_L, 26, NULL, T_HEAD, c->title ? c->title : "");
    if (lines_frame(&fr, c) < 0) {
        text(f, (LN_L + LN_R) / 2, (LN_T + LN_B) / 2, "middle", T_AXIS, "no data to plot");
        return;
    }
    draw_axes(f, &fr);
    boxes bs = {NULL, 0, 0, {fr.l + 1, fr.t + 1, fr.r - 1, fr.b - 1}};
    ref_lines(f, &fr, c, &bs);
    for (size_t i = 0; i < c->nseries; i++)
        draw_series(f, &fr, c, i, &bs);
    point_labels(f, &fr, c, &bs);
    lines_legend(f, c, LN_R + 24);
    free(bs.v);
}

int
lr_svg_lines(FILE *f, const lr_chart *charts, size_t n, const char *title, int flags)
{
    double top = title ? 44 : 0;
    double w = fmax(CHART_W, LN_R + 24 + legend_width(charts, n) + 16);
    doc_begin(f, w, top + LN_H * (double)n, title ? title : "llmroof chart", flags);
    if (title)
        text(f, 16, 28, NULL, T_TITLE, title);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "<g transform=\"translate(0 %.0f)\">\n", top + LN_H * (double)k);
        draw_lines_panel(f, &charts[k]);
        fputs("</g>\n", f);
    }
    return doc_end(f);
}

/* ---- decode steps ---- */

int
lr_gen_steps(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
             double prompt, double gen, size_t n, double *step, double *tpot_s, lr_result *r,
             lr_error *err)
{
    return lr_gen_steps_expected(plan, prof, hw, s, prompt, gen, n, step, tpot_s, NULL, r, err);
}

int
lr_gen_steps_expected(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                      const lr_settings *s, double prompt, double gen, size_t n, double *step,
                      double *tpot_s, double *expected_s, lr_result *r, lr_error *err)
{
    if (!(prompt >= 1 && gen >= 1) || n == 0) {
        lr_err_set(err, "", "", "a generation needs prompt >= 1, gen >= 1 and n >= 1 samples");
        return -1;
    }
    lr_settings st = *s;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        /* evenly spread over 0 .. gen-1, both ends included, each step once */
        double i = n == 1 ? 0 : floor((gen - 1) * (double)k / (double)(n - 1) + 0.5);
        if (m && i <= step[m - 1])
            continue;
        st.seq_len = prompt + i + prof->decode_ctx_offset;
        if (lr_analyze(plan, prof, hw, &st, 0, 1, r, err) < 0)
            return -1;
        step[m] = i;
        if (expected_s)
            expected_s[m] = r->stage[LR_DECODE].total.expected_latency_s;
        tpot_s[m++] = r->stage[LR_DECODE].total.latency_s;
    }
    return (int)m;
}
