/*
 * test_settings.c: the settings table (src/eval/settings.c). Text goes in
 * through lr_settings_set for each type of row (whole, number, flag,
 * choice), by either spelling; bad text is refused with the table's
 * message and leaves the settings as they were; a_bit carries kv_bit unless
 * kv_bit was given; format/value read back what was set; lr_settings_check
 * refuses out-of-range structs filled by hand. Expected values are by hand
 * from the table's rows (batch 1..1e9, w_bit 1..32 fractional, attention
 * eager|flash, causal on by default).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "llmroof.h"

static size_t
row(const char *name)
{
    int i = lr_setting_index(name);
    assert_true(i >= 0);
    return (size_t)i;
}

/* Row by row (not memcmp: padding bytes are not part of the value). */
static void
assert_same(const lr_settings *a, const lr_settings *b)
{
    for (size_t i = 0; i < lr_setting_count(); i++)
        if (lr_settings_value(a, i) != lr_settings_value(b, i))
            fail_msg("row %s differs", lr_setting_at(i)->name);
    assert_int_equal(a->given, b->given);
}

/* Sets name=value and expects refusal, the message naming the row's JSON
 * name and the text, and the settings untouched. */
static void
refused(const char *name, const char *value, const char *expect)
{
    lr_settings s, before;
    lr_settings_default(&s);
    before = s;
    lr_error err;
    assert_int_equal(lr_settings_set(&s, name, value, &err), -1);
    if (!strstr(err.msg, expect))
        fail_msg("%s=%s: message '%s' lacks '%s'", name, value, err.msg, expect);
    assert_same(&s, &before);
}

static double
set_ok(lr_settings *s, const char *name, const char *value)
{
    lr_error err;
    if (lr_settings_set(s, name, value, &err) != 0)
        fail_msg("%s=%s refused: %s", name, value, err.msg);
    return lr_settings_value(s, row(name));
}

static void
test_whole(void **state)
{
    (void)state;
    lr_settings s;
    lr_settings_default(&s);
    assert_true(set_ok(&s, "batch", "1") == 1);
    assert_true(set_ok(&s, "batch", "1e9") == 1e9); /* the top of 1..1e9, in exponent form */
    assert_true(s.batch == 1e9);
    const char *want = "batch: expected a whole number from 1 to 1000000000";
    refused("batch", "0", want);
    refused("batch", "1.5", want);
    refused("batch", "1e10", want);
    refused("batch", "x", "got 'x'");
    refused("batch", "0x10", "got '0x10'"); /* decimal only */
    refused("batch", "inf", "got 'inf'");
    refused("batch", "", "got ''");
    refused("batch", "12x", "got '12x'");
    /* int-stored rows too: a_bit 1..32 */
    refused("a_bit", "33", "a_bit: expected a whole number from 1 to 32, got '33'");
}

static void
test_number(void **state)
{
    (void)state;
    lr_settings s;
    lr_settings_default(&s);
    assert_true(set_ok(&s, "w_bit", "4.5") == 4.5); /* a GGUF Q4_K_M's bits */
    assert_true(s.w_bit == 4.5);
    assert_true(set_ok(&s, "w_bit", "32") == 32);
    refused("w_bit", "0.5", "w_bit: expected a number from 1 to 32, got '0.5'");
    refused("w_bit", "33", "got '33'");
    refused("w_bit", "nan", "got 'nan'");
}

static void
test_flag(void **state)
{
    (void)state;
    lr_settings s;
    lr_settings_default(&s);
    assert_int_equal(s.causal, 1); /* on by default: the CLI's --no-causal */
    static const char *const no[] = {"false", "0", "no", "off", "FALSE"};
    static const char *const yes[] = {"true", "1", "yes", "on", "True"};
    for (int i = 0; i < 5; i++) {
        assert_true(set_ok(&s, "causal", no[i]) == 0);
        assert_int_equal(s.causal, 0);
        assert_true(set_ok(&s, "causal", yes[i]) == 1);
        assert_int_equal(s.causal, 1);
    }
    refused("all_logits", "maybe", "all_logits: expected true or false, got 'maybe'");
    refused("all_logits", "2", "got '2'");
}

static void
test_choice(void **state)
{
    (void)state;
    lr_settings s;
    lr_settings_default(&s);
    assert_int_equal(s.flash, 0);
    assert_true(set_ok(&s, "attention", "flash") == 1); /* stored as the index */
    assert_int_equal(s.flash, 1);
    assert_true(set_ok(&s, "a_dtype", "fp8") == 1);
    assert_int_equal(s.a_fp8, 1);
    refused("attention", "sparse", "attention: expected eager or flash, got 'sparse'");
    refused("attention", "Flash", "got 'Flash'"); /* names are exact */
    refused("a_dtype", "bf8", "a_dtype: expected int or fp8, got 'bf8'");
}

static void
test_spellings(void **state)
{
    (void)state;
    assert_int_equal(lr_setting_index("seq_len"), lr_setting_index("seq-len"));
    assert_int_equal(lr_setting_index("w_group_size"), lr_setting_index("w-group-size"));
    lr_settings a, b;
    lr_settings_default(&a);
    lr_settings_default(&b);
    set_ok(&a, "seq_len", "4096");
    set_ok(&b, "seq-len", "4096");
    assert_true(a.seq_len == 4096);
    assert_same(&a, &b);
    assert_true(lr_settings_given(&a, "seq-len"));
    assert_true(lr_settings_given(&b, "seq_len"));
    assert_false(lr_settings_given(&a, "batch"));
}

static void
test_unknown(void **state)
{
    (void)state;
    assert_int_equal(lr_setting_index("no_such"), -1);
    assert_int_equal(lr_setting_index(""), -1);
    assert_null(lr_setting_at(lr_setting_count()));
    lr_settings s;
    lr_settings_default(&s);
    lr_error err;
    assert_int_equal(lr_settings_set(&s, "seqlen", "1", &err), -1);
    assert_string_equal(err.msg, "unknown setting 'seqlen'");
    assert_false(lr_settings_given(&s, "no_such"));
    assert_int_equal(lr_settings_put(&s, lr_setting_count(), 1, &err), -1);
}

/* a_bit moves kv_bit unless kv_bit was given, in either order. */
static void
test_a_bit_kv_bit(void **state)
{
    (void)state;
    lr_settings s;
    lr_settings_default(&s);
    set_ok(&s, "a_bit", "8");
    assert_int_equal(s.kv_bit, 8);
    lr_settings_default(&s);
    set_ok(&s, "kv_bit", "4");
    set_ok(&s, "a_bit", "8");
    assert_int_equal(s.a_bit, 8);
    assert_int_equal(s.kv_bit, 4);
    lr_settings_default(&s);
    set_ok(&s, "a_bit", "8");
    set_ok(&s, "kv_bit", "4");
    assert_int_equal(s.kv_bit, 4);
    /* and through lr_settings_put */
    lr_settings_default(&s);
    lr_error err;
    assert_int_equal(lr_settings_put(&s, row("a_bit"), 6, &err), 0);
    assert_int_equal(s.kv_bit, 6);
}

/* Every row: a non-default value set as text, formatted, set again into a
 * fresh struct, reads back the same value. */
static void
test_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *formatted;
        double value;
    } cases[] = {
        {"batch", "64", "64", 64},
        {"seq_len", "1e3", "1000", 1000},
        {"w_bit", "4.5", "4.5", 4.5},
        {"a_bit", "8", "8", 8},
        {"kv_bit", "4", "4", 4},
        {"all_logits", "yes", "true", 1},
        {"attention", "flash", "flash", 1},
        {"causal", "off", "false", 0},
        {"w_group_size", "128", "128", 128},
        {"w_asym", "1", "true", 1},
        {"kv_group_size", "64", "64", 64},
        {"a_dtype", "fp8", "fp8", 1},
        {"tp", "8", "8", 8},
        {"pp", "4", "4", 4},
        {"ep", "2", "2", 2},
        {"microbatches", "16", "16", 16},
        {"kv_block_size", "32", "32", 32},
        {"max_batched_tokens", "4096", "4096", 4096},
        {"mem_util", "0.5", "0.5", 0.5},
        {"allow_long_context", "yes", "true", 1},
        {"dp", "4", "4", 4},
        {"engine", "sglang", "sglang", 0}, /* a text: no number */
        {"mtp", "on", "true", 1},
        {"quant", "awq", "awq", 1}, /* the first preset of data/quant/presets.json */
        {"quantize_embeddings", "on", "true", 1},
        {"w_scale_bits", "8", "8", 8},
        {"w_zero_bits", "4", "4", 4},
        {"images", "2", "2", 2},
        {"image_size", "640x480", "640x480", 0},
    };
    /* the table has these 29 rows, in this (the JSON output's) order */
    assert_int_equal(lr_setting_count(), sizeof cases / sizeof cases[0]);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(lr_setting_at(i)->name, cases[i].name);
        lr_settings s, t;
        lr_settings_default(&s);
        lr_settings_default(&t);
        assert_true(set_ok(&s, cases[i].name, cases[i].text) == cases[i].value);
        char buf[64];
        lr_settings_format(&s, i, buf, sizeof buf);
        assert_string_equal(buf, cases[i].formatted);
        set_ok(&t, cases[i].name, buf);
        assert_true(lr_settings_value(&t, i) == cases[i].value);
    }
    lr_settings d;
    lr_settings_default(&d);
    char buf[64];
    lr_settings_format(&d, row("attention"), buf, sizeof buf);
    assert_string_equal(buf, "eager");
    lr_settings_format(&d, row("causal"), buf, sizeof buf);
    assert_string_equal(buf, "true");
    lr_settings_format(&d, lr_setting_count(), buf, sizeof buf);
    assert_string_equal(buf, "?");
}

/* A struct filled by hand: each field out of its row's range is refused. */
static void
test_check(void **state)
{
    (void)state;
    lr_settings s;
    lr_error err;
    lr_settings_default(&s);
    assert_int_equal(lr_settings_check(&s, &err), 0);
    static const char *const rows[] = {"batch",  "seq_len", "w_bit", "a_bit",
                                       "causal", "a_dtype", "tp",    "w_group_size"};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        lr_settings_default(&s);
        switch (k) {
        case 0: s.batch = 0; break;
        case 1: s.seq_len = 2.5; break; /* a fraction where a whole number is needed */
        case 2: s.w_bit = 33; break;
        case 3: s.a_bit = 0; break;
        case 4: s.causal = 2; break;
        case 5: s.a_fp8 = 2; break; /* a choice index past int, fp8 */
        case 6: s.tp = 65537; break;
        case 7: s.w_group = -1; break;
        }
        assert_int_equal(lr_settings_check(&s, &err), -1);
        assert_string_equal(err.path, rows[k]);
    }
    lr_settings_default(&s);
    s.w_bit = 4.5; /* fractional bits are fine */
    s.w_group = 0; /* 0 = no groups */
    assert_int_equal(lr_settings_check(&s, &err), 0);
    /* lr_settings_put refuses what check refuses */
    lr_settings_default(&s);
    assert_int_equal(lr_settings_put(&s, row("a_dtype"), 2, &err), -1);
    assert_int_equal(lr_settings_put(&s, row("causal"), 0.5, &err), -1);
    assert_int_equal(lr_settings_put(&s, row("batch"), 1.5, &err), -1);
    assert_int_equal(s.a_fp8, 0);
    assert_true(s.batch == 1);
}

/* --image-size: WxH or N (N x N) in whole pixels; anything else is refused
 * with the row's name, by lr_settings_set and by lr_settings_check. */
static void
test_image_size(void **state)
{
    (void)state;
    lr_settings s;
    lr_error err;
    lr_settings_default(&s);
    assert_string_equal(s.image_size, ""); /* the model's default */
    assert_true(s.images == 0);            /* text only by default */
    assert_int_equal(lr_settings_set(&s, "image-size", "336", &err), 0);
    assert_string_equal(s.image_size, "336");
    assert_int_equal(lr_settings_set(&s, "image_size", "640x480", &err), 0);
    const char *bad[] = {"", "0", "64x", "x64", "1.5x2", "640x480x3", "-3", "wide", "0x480", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(lr_settings_set(&s, "image-size", bad[i], &err), -1);
        assert_string_equal(err.path, "image_size");
    }
    assert_string_equal(s.image_size, "640x480"); /* untouched by the refusals */
    snprintf(s.image_size, sizeof s.image_size, "12xq");
    assert_int_equal(lr_settings_check(&s, &err), -1);
    assert_string_equal(err.path, "image_size");
    lr_settings_default(&s);
    assert_int_equal(lr_settings_set(&s, "images", "10001", &err), -1);
}

/* lr_parse_number/lr_parse_whole, what options outside the table (token
 * counts, --threads, --port) read with: decimal text only, the whole text. */
static void
test_parse_numbers(void **state)
{
    (void)state;
    double v = -1;
    assert_int_equal(lr_parse_number("2.5e3", &v), 0);
    assert_true(v == 2500);
    assert_int_equal(lr_parse_number("-0.25", &v), 0);
    assert_true(v == -0.25);
    /* strtod would read all of these; decimal text only, all of it */
    const char *bad[] = {"0x10", "inf", "nan", "", "1 ", "1e999", "1,5", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        assert_int_equal(lr_parse_number(bad[i], &v), -1);
        assert_true(v == 7); /* untouched */
    }
    lr_error err;
    assert_int_equal(lr_parse_whole("--n", "64", 1, 64, &v, &err), 0);
    assert_true(v == 64);
    assert_int_equal(lr_parse_whole("--n", "65", 1, 64, &v, &err), -1);
    assert_string_equal(err.msg, "--n: expected a whole number from 1 to 64, got '65'");
    assert_int_equal(lr_parse_whole("prompt-len", "1.5", 1, 1e9, &v, &err), -1);
    assert_string_equal(err.msg,
                        "prompt-len: expected a whole number from 1 to 1000000000, got '1.5'");
    assert_int_equal(lr_parse_whole("--n", "0", 1, 64, &v, &err), -1);
    assert_int_equal(lr_parse_whole("--n", "0x2", 1, 64, &v, &err), -1);
    assert_true(v == 64); /* left as the last success put it */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole),         cmocka_unit_test(test_number),
        cmocka_unit_test(test_flag),          cmocka_unit_test(test_choice),
        cmocka_unit_test(test_spellings),     cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_a_bit_kv_bit),  cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_image_size),    cmocka_unit_test(test_check),
        cmocka_unit_test(test_parse_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
