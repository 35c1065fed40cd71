/*
 * test_svg.c: the charts (src/svg.c) and the HTML report (src/html.c) are
 * well-formed XML (checked by a small parser here, itself tested on broken
 * input), carry what they plot (one marker per op with FLOPs, a path per
 * roof, the labels of the largest ops), put known points where the layout
 * of docs/plots.md says, by hand, and come out byte for byte the same on a
 * second run. The report has no URL and its JSON parses back.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

/* ---- a well-formedness checker: enough XML for what we write ---- */

static int
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ':' || c == '.';
}

/* "&amp;" and the others, "&#39;", "&#x3c;"; returns the length or 0. */
static size_t
entity(const char *p)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(p, named[i], strlen(named[i])) == 0)
            return strlen(named[i]);
    size_t n = 2;
    if (p[1] != '#')
        return 0;
    if (p[2] == 'x')
        n++;
    size_t d = n;
    while (p[n] && strchr(p[2] == 'x' ? "0123456789abcdefABCDEF" : "0123456789", p[n]))
        n++;
    return n > d && p[n] == ';' ? n + 1 : 0;
}

/* Character data: no '<', '&' only in an entity. Advances to the next '<'. */
static int
chars(const char **pp, char stop)
{
    const char *p = *pp;
    for (; *p && *p != stop; p++) {
        if (*p == '<' && stop != '<')
            return 0;
        if (*p == '&') {
            size_t n = entity(p);
            if (!n)
                return 0;
            p += n - 1;
        }
    }
    *pp = p;
    return 1;
}

/* `<name attr="v" ...>` or `.../>`; pushes the name unless empty. */
static int
start_tag(const char **pp, char stack[][64], int *depth)
{
    const char *p = *pp + 1, *n0 = p;
    while (name_char(*p))
        p++;
    if (p == n0 || p - n0 >= 64 || *depth >= 64)
        return 0;
    int d = *depth;
    memcpy(stack[d], n0, (size_t)(p - n0));
    stack[d][p - n0] = '\0';
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (p[0] == '/' && p[1] == '>') {
            *pp = p + 2;
            return 1;
        }
        if (*p == '>') {
            *depth = d + 1;
            *pp = p + 1;
            return 1;
        }
        const char *a0 = p;
        while (name_char(*p))
            p++;
        if (p == a0 || *p++ != '=' || (*p != '"' && *p != '\''))
            return 0;
        char q = *p++;
        if (!chars(&p, q) || *p++ != q)
            return 0;
        if (*p != ' ' && *p != '\n' && *p != '>' && *p != '/')
            return 0;
    }
}

/* 1 when `s` is one well-formed XML element, with an optional declaration,
 * DOCTYPE and comments before it. */
static int
well_formed(const char *s)
{
    char stack[64][64];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml", 5) == 0 && !(p = strstr(p, "?>")))
        return 0;
    else if (strncmp(s, "<?xml", 5) == 0)
        p += 2;
    while (*p) {
        if (!chars(&p, '<'))
            return 0;
        if (!*p)
            break;
        if (depth == 0 && roots && strncmp(p, "<!--", 4) != 0)
            return 0; /* a second root */
        if (strncmp(p, "<!--", 4) == 0) {
            if (!(p = strstr(p, "-->")))
                return 0;
            p += 3;
        } else if (strncmp(p, "<!DOCTYPE", 9) == 0) {
            if (roots || depth || !(p = strchr(p, '>')))
                return 0;
            p++;
        } else if (p[1] == '/') {
            size_t n = depth ? strlen(stack[depth - 1]) : 0;
            if (!depth || strncmp(p + 2, stack[depth - 1], n) != 0 || p[2 + n] != '>')
                return 0;
            p += 3 + n;
            if (--depth == 0)
                roots++;
        } else {
            int before = depth;
            if (!start_tag(&p, stack, &depth))
                return 0;
            if (depth == before && depth == 0)
                roots++;
        }
    }
    return depth == 0 && roots == 1;
}

static void
test_checker(void **state)
{
    (void)state;
    assert_true(well_formed("<?xml version=\"1.0\"?>\n<svg a=\"1\"><g><text x='2'>a &amp; "
                            "b &#39;</text></g><path d=\"M0 0\"/></svg>\n"));
    assert_true(well_formed("<!DOCTYPE html>\n<html><body><p>x</p></body></html>"));
    assert_false(well_formed("<svg><g></svg></g>"));            /* crossed */
    assert_false(well_formed("<svg><text>a & b</text></svg>")); /* bare & */
    assert_false(well_formed("<svg><text>a < b</text></svg>")); /* bare < */
    assert_false(well_formed("<svg x=1></svg>"));               /* unquoted */
    assert_false(well_formed("<svg></svg><svg></svg>"));        /* two roots */
    assert_false(well_formed("<svg><g>"));                      /* unclosed */
    assert_false(well_formed("<svg a=\"1\"b=\"2\"></svg>"));    /* no space */
}

/* ---- helpers ---- */

typedef int (*chart_fn)(FILE *f, const lr_result *r, const char *title, int flags);

static char *
render(chart_fn fn, const lr_result *r, int flags)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fn(f, r, "test chart", flags), 0);
    fclose(f);
    return buf;
}

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* 1 when some <text> element's content contains `s`. */
static int
has_text(const char *svg, const char *s)
{
    for (const char *p = svg; (p = strstr(p, "<text")); p++) {
        const char *gt = strchr(p, '>'), *end = strstr(p, "</text>");
        if (!gt || !end)
            return 0;
        size_t n = (size_t)(end - gt - 1);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < 511 ? n : 511), gt + 1);
        if (strstr(buf, s))
            return 1;
    }
    return 0;
}

/* ---- a result built by hand: the layout can be derived on paper ---- */

static lr_hw hw_fake;
static lr_op ops_fake[3];
static lr_result res_fake;

/* A device with fp16 100 TFLOP/s, int8 200 TOP/s, 1 TB/s; one prefill
 * with three ops: a matmul of intensity 1024 (10.24 ms, compute-bound), an
 * add of intensity 1 (1 ms, memory-bound), a lookup with no FLOPs (0.1 ms). */
static const lr_result *
fake(void)
{
    memset(&hw_fake, 0, sizeof hw_fake);
    hw_fake.id = "fake";
    hw_fake.name = "Fake & Co <1>";
    hw_fake.peak[LR_FP16] = 1e14;
    hw_fake.peak[LR_INT8] = 2e14;
    hw_fake.bandwidth = 1e12;
    static const struct {
        const char *name, *kind;
        double flops, bytes, time;
        enum lr_bound bound;
    } d[3] = {{"big_mm", "matmul", 1024e9, 1e9, 10.24e-3, LR_COMPUTE},
              {"small_add", "elementwise", 1e9, 1e9, 1e-3, LR_MEMORY},
              {"lookup", "embedding", 0, 1e8, 1e-4, LR_MEMORY}};
    memset(&res_fake, 0, sizeof res_fake);
    for (int i = 0; i < 3; i++) {
        lr_op *o = &ops_fake[i];
        memset(o, 0, sizeof *o);
        o->name = d[i].name;
        o->path = d[i].name;
        o->kind = d[i].kind;
        o->cls = "X";
        o->count = 1;
        o->present = 1;
        o->v[LR_F_FLOPS] = d[i].flops;
        o->bytes = d[i].bytes;
        o->intensity = d[i].flops / d[i].bytes;
        o->bound = d[i].bound;
        o->time_s = d[i].time;
        res_fake.stage[0].total.time_s += d[i].time;
    }
    lr_settings_default(&res_fake.settings);
    res_fake.hw = &hw_fake;
    res_fake.compute = LR_FP16;
    res_fake.peak_flops = 1e14;
    res_fake.has[0] = 1;
    res_fake.stage[0].stage = LR_PREFILL;
    res_fake.stage[0].ops = ops_fake;
    res_fake.stage[0].nops = 3;
    return &res_fake;
}

/* Roofline plot area: x 80..780, y 540..60, whole decades. Intensities 1
 * and 1024 with ridges 100 and 200: x from 10^(0-1) to 10^(3+1), 5 decades
 * of 140 px. Attained 1e12 and 1e14, peaks down to 1e14 / 100: y from
 * 10^(12-1) to 10^(14+1), 4 decades of 120 px. */
static double
fx(double v)
{
    return 80 + 140 * (log10(v) + 1);
}

static double
fy(double v)
{
    return 540 - 120 * (log10(v) - 11);
}

static void
test_roofline_coordinates(void **state)
{
    (void)state;
    char *svg = render(lr_svg_roofline, fake(), 0);
    assert_true(well_formed(svg));
    char want[160];
    /* 80 + 140 * (log10(1024) + 1) = 641.44; 540 - 120 * 3 = 180 */
    snprintf(want, sizeof want, "<circle cx=\"%.2f\" cy=\"%.2f\"", fx(1024), fy(1e14));
    assert_string_equal(want, "<circle cx=\"641.44\" cy=\"180.00\"");
    assert_non_null(strstr(svg, want));
    snprintf(want, sizeof want, "<circle cx=\"%.2f\" cy=\"%.2f\"", fx(1), fy(1e12));
    assert_string_equal(want, "<circle cx=\"220.00\" cy=\"420.00\"");
    assert_non_null(strstr(svg, want));
    /* marker area = share of the stage's time: r = 22 sqrt(10.24 / 11.34) */
    snprintf(want, sizeof want, "r=\"%.2f\"", 22 * sqrt(10.24 / 11.34));
    assert_non_null(strstr(svg, want));
    /* two roofs, each from the memory roof's start (0.1, 1e11) = (80, 540)
     * through its ridge (100 and 200 FLOP/B) to the right edge */
    assert_int_equal(count(svg, "class=\"roof\""), 2);
    snprintf(want, sizeof want, "d=\"M80.00 540.00 L%.2f %.2f L780.00 %.2f\"", fx(100), fy(1e14),
             fy(1e14));
    assert_non_null(strstr(svg, want));
    snprintf(want, sizeof want, "d=\"M80.00 540.00 L%.2f %.2f L780.00 %.2f\"", fx(200), fy(2e14),
             fy(2e14));
    assert_non_null(strstr(svg, want));
    assert_non_null(strstr(svg, "stroke-dasharray=\"6 4\"")); /* int8: not the type used */
    /* one marker per op with FLOPs; the lookup is named in the footnote */
    assert_int_equal(count(svg, "class=\"op "), 2);
    assert_true(has_text(svg, "big_mm"));
    assert_true(has_text(svg, "lookup"));
    assert_true(has_text(svg, "fp16 100 TFLOP/s"));
    assert_true(has_text(svg, "int8 200 TFLOP/s"));
    free(svg);
}

static void
test_breakdown_coordinates(void **state)
{
    (void)state;
    char *svg = render(lr_svg_breakdown, fake(), 0);
    assert_true(well_formed(svg));
    /* the bar spans x 96..800 (704 px), its first segment starts at 96 */
    char want[160];
    snprintf(want, sizeof want,
             "class=\"kind matmul\" x=\"96.00\" y=\"60.00\" width=\"%.2f\" height=\"30\"",
             704 * 10.24 / 11.34);
    assert_non_null(strstr(svg, want));
    snprintf(want, sizeof want, "class=\"kind elementwise\" x=\"%.2f\"", 96 + 704 * 10.24 / 11.34);
    assert_non_null(strstr(svg, want));
    assert_int_equal(count(svg, "class=\"kind "), 3);
    assert_true(has_text(svg, "matmul 90%"));
    free(svg);

    svg = render(lr_svg_ops, fake(), 0);
    assert_true(well_formed(svg));
    assert_int_equal(count(svg, "class=\"bar\""), 3);
    /* largest first */
    assert_true(strstr(svg, ">big_mm<") < strstr(svg, ">small_add<"));
    assert_true(strstr(svg, ">small_add<") < strstr(svg, ">lookup<"));
    assert_true(has_text(svg, "10.2 ms, 90.3%, compute-bound"));
    free(svg);
}

/* The same ops with expected times: big_mm 12.8 ms (1.25 x its 10.24 ms
 * roofline), small_add 2 ms, lookup 0.2 ms: 15 ms of ops, 15.3 ms with
 * the engine's step. The bars show the expected times, the roofline as a
 * mark: the bound. */
static void
test_expected_bars(void **state)
{
    (void)state;
    const lr_result *r = fake();
    const double e[3] = {12.8e-3, 2e-3, 0.2e-3};
    for (int i = 0; i < 3; i++)
        ops_fake[i].expected_time_s = e[i];
    res_fake.stage[0].total.expected_time_s = 15.3e-3;
    snprintf(res_fake.settings.engine, sizeof res_fake.settings.engine, "vllm");
    char *svg = render(lr_svg_breakdown, r, 0);
    assert_true(well_formed(svg));
    /* matmul: 704 x 12.8 / 15 = 600.75 px; the roofline's 11.34 ms of the
     * ops at 96 + 704 x 11.34 / 15 = 628.22 */
    char want[200];
    snprintf(want, sizeof want,
             "class=\"kind matmul\" x=\"96.00\" y=\"60.00\" width=\"%.2f\" height=\"30\"",
             704 * 12.8 / 15);
    assert_string_equal(want, "class=\"kind matmul\" x=\"96.00\" y=\"60.00\" width=\"600.75\" "
                              "height=\"30\"");
    assert_non_null(strstr(svg, want));
    assert_non_null(strstr(svg, "<line class=\"bound\" x1=\"628.22\""));
    assert_true(has_text(svg, "15.3 ms"));
    assert_true(has_text(svg, "roofline 11.3 ms"));
    assert_true(has_text(svg, "matmul 85%"));
    free(svg);
    svg = render(lr_svg_ops, r, 0);
    assert_true(well_formed(svg));
    assert_int_equal(count(svg, "class=\"bound\""), 3);
    /* 12.8 / 15 = 85.3% of the ops' expected time */
    assert_true(has_text(svg, "12.8 ms (roofline 10.2 ms), 85.3%, compute-bound"));
    assert_true(has_text(svg, "2 ms (roofline 1 ms), 13.3%, memory-bound"));
    free(svg);
    /* the roofline: a hollow dot per plotted op (the lookup has no FLOPs)
     * straight below its marker, at its expected attained performance */
    svg = render(lr_svg_roofline, r, 0);
    assert_true(well_formed(svg));
    assert_int_equal(count(svg, "<circle class=\"expected prefill\""), 2);
    assert_int_equal(count(svg, "<line class=\"expected\""), 2);
    assert_true(has_text(svg, "expected (vllm)"));
    /* big_mm: 1024e9 FLOPs / 12.8 ms = 80 TFLOP/s, on the same x as its
     * marker at intensity 1024 */
    /* (the x axis is the intensities': 80 + 140 x (log10(1024) + 1)) */
    assert_non_null(strstr(svg, "<circle cx=\"641.44\""));
    assert_non_null(strstr(svg, "<circle class=\"expected prefill\" cx=\"641.44\""));
    assert_non_null(strstr(svg, "big_mm expected with vllm: 80 TFLOP/s, 12.8 ms"));
    free(svg);
    for (int i = 0; i < 3; i++)
        ops_fake[i].expected_time_s = 0;
    res_fake.stage[0].total.expected_time_s = 0;
    res_fake.settings.engine[0] = 0;
}

/* ---- a real model ---- */

typedef struct ctx {
    lr_profile *prof;
    lr_arch *arch;
    lr_hwdb *hwdb;
    const lr_hw *hw;
    lr_plan *plan;
    lr_result *r;
} ctx;

static void
load(ctx *c, const lr_settings *s)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    c->prof = tu_profile(TU_DEFAULT, NULL);
    c->arch = tu_model("meta-llama/Llama-2-7b-hf");
    c->hwdb = tu_hw();
    c->hw = lr_hwdb_find(c->hwdb, "a100-80gb");
    assert_non_null(c->hw);
    c->plan = lr_plan_new(c->arch, lr_profile_db(c->prof), &err);
    assert_non_null(c->plan);
    c->r = lr_result_new(c->plan);
    assert_int_equal(lr_analyze(c->plan, c->prof, c->hw, s, 1, 1, c->r, &err), 0);
}

static void
unload(ctx *c)
{
    lr_result_free(c->r);
    lr_plan_free(c->plan);
    lr_hwdb_free(c->hwdb);
    lr_arch_free(c->arch);
    lr_profile_free(c->prof);
}

static void
test_roofline_llama(void **state)
{
    (void)state;
    ctx c;
    lr_settings s;
    lr_settings_default(&s);
    load(&c, &s);
    char *svg = render(lr_svg_roofline, c.r, 0);
    assert_true(well_formed(svg));
    assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    size_t want = 0;
    for (int st = 0; st < 2; st++)
        for (size_t i = 0; i < c.r->stage[st].nops; i++) {
            const lr_op *o = &c.r->stage[st].ops[i];
            want += o->present && o->v[LR_F_FLOPS] > 0;
        }
    assert_int_equal(want, 40); /* 21 ops a stage, embed_tokens has no FLOPs */
    assert_int_equal(count(svg, "class=\"op "), want);
    assert_int_equal(count(svg, "class=\"op prefill "), 20);
    assert_int_equal(count(svg, "class=\"op decode "), 20);
    /* the A100's distinct peaks: fp32, tf32, fp16 = bf16, int8, int4 */
    assert_int_equal(count(svg, "class=\"roof\""), 5);
    assert_true(has_text(svg, "fp16/bf16 312 TFLOP/s"));
    assert_true(has_text(svg, "prefill: qk_matmul, sv_matmul"));
    assert_true(has_text(svg, "prefill: gate_proj"));
    assert_non_null(strstr(svg, "<title>decode lm_head (lm_head)"));
    assert_true(has_text(svg, "not shown (no FLOPs or no time): prefill embed_tokens"));
    /* byte-stable */
    char *again = render(lr_svg_roofline, c.r, 0);
    assert_string_equal(svg, again);
    free(again);
    free(svg);
    /* inline: no declaration, no namespace */
    svg = render(lr_svg_analysis, c.r, LR_SVG_INLINE);
    assert_true(well_formed(svg));
    assert_int_equal(strncmp(svg, "<svg ", 5), 0);
    assert_null(strstr(svg, "http"));
    assert_int_equal(count(svg, "class=\"roof\""), 5);
    size_t segs = 0, bars = 0;
    for (int st = 0; st < 2; st++) {
        char seen[64][32];
        size_t ns = 0;
        for (size_t i = 0; i < c.r->stage[st].nops; i++) {
            const lr_op *o = &c.r->stage[st].ops[i];
            if (!o->present || o->time_s <= 0)
                continue;
            bars++;
            size_t k = 0;
            while (k < ns && strcmp(seen[k], o->kind) != 0)
                k++;
            if (k == ns)
                snprintf(seen[ns++], sizeof seen[0], "%s", o->kind);
        }
        segs += ns;
    }
    assert_int_equal(count(svg, "class=\"kind "), segs); /* one segment per kind and stage */
    assert_int_equal(count(svg, "class=\"bar\""), bars);
    assert_int_equal(bars, 42);
    free(svg);
    unload(&c);
}

/* ---- line charts ---- */

static char *
render_lines(const lr_chart *c, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(lr_svg_lines(f, c, n, "lines & more", 0), 0);
    fclose(f);
    assert_true(well_formed(buf));
    return buf;
}

static void
test_lines(void **state)
{
    (void)state;
    static const double x[4] = {0, 5, 10, 7}, y[4] = {0, 50, 100, NAN};
    static const char *const lab[4] = {"a", "b<", NULL, "d"};
    lr_series se[2] = {{"first", x, y, 3, lab, 0, 0}, {"second", x, y, 4, NULL, 3, 1}};
    lr_chart c = {"panel", {"x things", "", 0, 0, NULL}, {"y things", "s", 0, 80, "limit"}, se, 2};
    char *svg = render_lines(&c, 1);
    /* plot area x 90..730, y 360..50 in the panel's coordinates (a <g>
     * moves the panel under the title): x 0..10 and y 0..100 (steps 2 and
     * 20): (5, 50) at 90 + 640 / 2, 360 - 310 / 2 */
    assert_non_null(strstr(svg, "<circle class=\"point\" cx=\"410.00\" cy=\"205.00\""));
    assert_int_equal(count(svg, "class=\"series\""), 2);
    assert_int_equal(count(svg, "class=\"point\""), 6); /* the NaN is left out */
    assert_non_null(strstr(svg, "stroke=\"#e15759\"")); /* colour 3 */
    assert_true(has_text(svg, "b&lt;"));
    assert_true(has_text(svg, "limit"));
    assert_true(has_text(svg, "lines &amp; more"));
    assert_true(has_text(svg, "20 s") && has_text(svg, "100 s"));
    /* the reference line at y = 80: 360 - 310 * 0.8 */
    assert_non_null(strstr(svg, "y1=\"112.00\" x2=\"730.00\" y2=\"112.00\" stroke=\"#555555\""));
    free(svg);

    /* log axes: 1..100 over 640 px, 10 in the middle */
    static const double lx[3] = {1, 10, 100}, ly[3] = {1e-3, 1e-2, 5e-3}, zero[1] = {0};
    lr_series ls = {"log", lx, ly, 3, NULL, 0, 0};
    lr_chart lc[2] = {{"log", {"x", "", 1, 0, NULL}, {"y", "s", 1, 0, NULL}, &ls, 1}, c};
    svg = render_lines(lc, 2);
    /* y 1e-3..1e-2 is one decade: 1e-2 at the top */
    assert_non_null(strstr(svg, "cx=\"410.00\" cy=\"50.00\""));
    assert_int_equal(count(svg, "class=\"point\""), 3 + 6);
    assert_true(has_text(svg, "10 ms"));
    free(svg);

    /* no usable point: the panel says so */
    lr_series none = {"none", zero, zero, 1, NULL, 0, 0};
    lr_chart nc = {"empty", {"x", "", 1, 0, NULL}, {"y", "", 1, 0, NULL}, &none, 1};
    svg = render_lines(&nc, 1);
    assert_true(has_text(svg, "no data to plot"));
    free(svg);
}

static void
test_fmt_quantity(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *unit, *want;
    } t[] = {{312e12, "FLOP/s", "312 TFLOP/s"},
             {2.039e12, "B/s", "2.04 TB/s"},
             {13476831232, "B", "12.6 GiB"},
             {0.0052, "s", "5.2 ms"},
             {999.7, "", "1k"},
             {0.25, "", "0.25"},
             {2250, "tokens/s", "2.25k tokens/s"},
             {0, "s", "0 s"},
             {-1500, "", "-1.5k"},
             {1024, "B", "1 KiB"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[64];
        lr_fmt_quantity(buf, sizeof buf, t[i].v, t[i].unit);
        assert_string_equal(buf, t[i].want);
    }
}

/* ---- decode steps and the report ---- */

static void
test_gen_steps(void **state)
{
    (void)state;
    ctx c;
    lr_settings s;
    lr_settings_default(&s);
    load(&c, &s);
    lr_error err;
    lr_gen g;
    assert_int_equal(lr_generate(c.plan, c.prof, c.hw, &s, 100, 16, c.r, &g, &err), 0);
    double step[32], t[32];
    /* every step: their mean is lr_generate's */
    assert_int_equal(lr_gen_steps(c.plan, c.prof, c.hw, &s, 100, 16, 32, step, t, c.r, &err), 16);
    double sum = 0;
    for (int i = 0; i < 16; i++) {
        assert_true(step[i] == i);
        sum += t[i];
    }
    assert_true(fabs(sum / 16 - g.tpot_mean_s) <= 1e-12 * g.tpot_mean_s);
    /* lr_generate sums the ops in another order: equal to the last bits */
    assert_true(fabs(t[0] - g.tpot_first_s) <= 1e-12 * g.tpot_first_s);
    assert_true(fabs(t[15] - g.tpot_last_s) <= 1e-12 * g.tpot_last_s);
    /* 4 samples of 16 steps: 0, 5, 10, 15 */
    assert_int_equal(lr_gen_steps(c.plan, c.prof, c.hw, &s, 100, 16, 4, step, t, c.r, &err), 4);
    assert_true(step[1] == 5 && step[2] == 10 && step[3] == 15);
    assert_int_equal(lr_gen_steps(c.plan, c.prof, c.hw, &s, 100, 0, 4, step, t, c.r, &err), -1);
    /* the expected curve: its mean is lr_generate's expected TPOT (the
     * engine's per-pass overhead included), and it lies above the bound */
    double e[32];
    assert_int_equal(
        lr_gen_steps_expected(c.plan, c.prof, c.hw, &s, 100, 16, 32, step, t, e, c.r, &err), 16);
    sum = 0;
    for (int i = 0; i < 16; i++) {
        sum += e[i];
        assert_true(e[i] > t[i]);
    }
    assert_true(fabs(sum / 16 - g.expected_tpot_mean_s) <= 1e-12 * g.expected_tpot_mean_s);
    /* ideal: the expected curve is the roofline's, to the bit */
    snprintf(s.engine, sizeof s.engine, "ideal");
    assert_int_equal(
        lr_gen_steps_expected(c.plan, c.prof, c.hw, &s, 100, 16, 4, step, t, e, c.r, &err), 4);
    for (int i = 0; i < 4; i++)
        assert_true(e[i] == t[i]);
    unload(&c);
}

static char *
json_in(const char *html)
{
    const char *a = strstr(html, "<script type=\"application/json\" id=\"llmroof-data\">");
    assert_non_null(a);
    a = strchr(a, '>') + 1;
    const char *b = strstr(a, "</script>");
    assert_non_null(b);
    return strndup(a, (size_t)(b - a));
}

static void
test_html(void **state)
{
    (void)state;
    ctx c;
    lr_settings s;
    lr_settings_default(&s);
    load(&c, &s);
    lr_error err;
    lr_gen g;
    lr_result *scratch = lr_result_new(c.plan);
    assert_int_equal(lr_generate(c.plan, c.prof, c.hw, &s, 512, 32, scratch, &g, &err), 0);
    lr_result_free(scratch);
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    /* a name with markup in it must not break the page or its JSON */
    assert_int_equal(lr_html_report(f, c.r, c.plan, "x</script><b>&", &g, NULL, 0), 0);
    fclose(f);
    assert_true(well_formed(html));
    static const char *const banned[] = {"http:", "https:", "//",   "@import",
                                         "url(",  "src=",   "href="};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(html, banned[i]))
            fail_msg("the report contains '%s'", banned[i]);
    assert_int_equal(count(html, "<svg "), 3);
    assert_non_null(strstr(html, "<table class=\"ops\" id=\"ops-prefill\">"));
    assert_non_null(strstr(html, "<table class=\"ops\" id=\"ops-decode\">"));
    assert_non_null(strstr(html, "<td title=\"model.layers.self_attn.qk_matmul\">qk_matmul</td>"));
    assert_non_null(strstr(html, "x&lt;/script&gt;&lt;b&gt;&amp;"));
    assert_int_equal(count(html, "</script>"), 1);
    char *js = json_in(html);
    json_error_t je;
    json_t *root = json_loads(js, 0, &je);
    if (!root)
        fail_msg("JSON: %d:%d: %s", je.line, je.column, je.text);
    json_t *an = json_object_get(root, "analysis");
    assert_string_equal(json_string_value(json_object_get(json_object_get(an, "model"), "name")),
                        "x</script><b>&");
    json_t *ge = json_object_get(root, "generation");
    assert_true(json_number_value(json_object_get(ge, "ttft_s")) == g.ttft_s);
    /* the object of `generate --format json`: lengths under settings */
    assert_true(json_number_value(json_object_get(json_object_get(ge, "settings"), "gen_len")) ==
                32);
    assert_string_equal(json_string_value(json_object_get(json_object_get(ge, "hardware"), "name")),
                        c.hw->id);
    assert_int_equal(json_array_size(json_object_get(json_object_get(an, "prefill"), "ops")), 21);
    json_decref(root);
    free(js);
    free(html);
    unload(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker),
        cmocka_unit_test(test_fmt_quantity),
        cmocka_unit_test(test_roofline_coordinates),
        cmocka_unit_test(test_breakdown_coordinates),
        cmocka_unit_test(test_expected_bars),
        cmocka_unit_test(test_roofline_llama),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_gen_steps),
        cmocka_unit_test(test_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
