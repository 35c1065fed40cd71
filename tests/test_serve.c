/*
 * test_serve.c: the web server's request parsing (serve/request.c), without
 * a socket: query parameters and JSON bodies into settings through the
 * library's settings table, by JSON name or option spelling; the server's
 * own keys; what each endpoint refuses. The expected values follow the
 * rules of docs/web.md and the settings table (the KV cache follows the
 * activations unless kv_bit is given), not a run of the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "serve.h"

/* Parses "k=v&k2=v2" ("k" alone: an empty value) for endpoint `where`. */
static int
parse(const char *query, unsigned where, serve_request *rq, char *err, size_t cap)
{
    serve_params p;
    memset(&p, 0, sizeof p);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", query);
    for (char *save = NULL, *kv = strtok_r(buf, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        serve_params_add(&p, kv, eq ? eq + 1 : "");
    }
    int rc = serve_request_parse(&p, where, rq, err, cap);
    /* rq's strings are borrowed: the tests read only its numbers */
    serve_params_free(&p);
    return rc;
}

static void
settings_by_either_name(void **state)
{
    (void)state;
    serve_request rq;
    char err[1024] = "";
    assert_int_equal(
        parse("seq_len=4096&w-bit=4&w_group_size=128&a-bit=8", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_true(rq.s.seq_len == 4096);
    assert_true(rq.s.w_bit == 4);
    assert_true(rq.s.w_group == 128);
    assert_int_equal(rq.s.a_bit, 8);
    assert_int_equal(rq.s.kv_bit, 8); /* follows a_bit */
    assert_int_equal(parse("kv-bit=4&a-bit=8", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.s.kv_bit, 4); /* given: kept */
    assert_int_equal(parse("batch=2&batch=3", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_true(rq.s.batch == 3); /* the last value */
    assert_int_equal(parse("attention=flash&a_dtype=fp8", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.s.flash, 1);
    assert_int_equal(rq.s.a_fp8, 1);
}

static void
flags(void **state)
{
    (void)state;
    serve_request rq;
    char err[1024] = "";
    assert_int_equal(parse("w-asym&all_logits=yes&no-causal", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.s.w_asym, 1);
    assert_int_equal(rq.s.all_logits, 1);
    assert_int_equal(rq.s.causal, 0);
    assert_int_equal(parse("no-causal=false", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.s.causal, 1);
    assert_int_equal(parse("causal=0", W_ANALYZE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.s.causal, 0);
    assert_int_equal(parse("w-asym=maybe", W_ANALYZE, &rq, err, sizeof err), -1);
    assert_string_equal(err, "w_asym: expected true or false, got 'maybe'");
}

static void
server_keys(void **state)
{
    (void)state;
    serve_request rq;
    char err[1024] = "";
    assert_int_equal(
        parse("stage=decode&prompt_len=100&gen-len=20", W_GENERATE, &rq, err, sizeof err), 0);
    assert_int_equal(rq.do_prefill, 0);
    assert_int_equal(rq.do_decode, 1);
    assert_true(rq.prompt == 100 && rq.gen == 20);
    assert_int_equal(parse("batch=1", W_GENERATE, &rq, err, sizeof err), 0);
    assert_true(rq.prompt == 1024 && rq.gen == 256); /* `llmroof generate`'s defaults */
    assert_int_equal(parse("stage=later", W_ANALYZE, &rq, err, sizeof err), -1);
    assert_string_equal(err, "stage: expected prefill, decode or both, got 'later'");
    assert_int_equal(parse("gen-len=0", W_GENERATE, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "gen-len: expected a whole number from 1"));
    assert_int_equal(parse("set=heads", W_ANALYZE, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "set: expected NAME=VALUE"));
}

static void
endpoints_refuse_others(void **state)
{
    (void)state;
    serve_request rq;
    char err[1024] = "";
    assert_int_equal(parse("prompt-len=5", W_ANALYZE, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown parameter 'prompt-len' (this endpoint takes: model"));
    assert_null(strstr(err, "prompt-len "));
    assert_int_equal(parse("batch=8", W_LIST, &rq, err, sizeof err), -1);
    assert_string_equal(err, "unknown parameter 'batch' (this endpoint takes: profile)");
    assert_int_equal(parse("class=X&profile=llm-viewer", W_FORMULAS, &rq, err, sizeof err), 0);
}

static void
bodies(void **state)
{
    (void)state;
    serve_params p;
    memset(&p, 0, sizeof p);
    char err[256] = "";
    const char *body = "{\"batch\": 8, \"w-asym\": true, \"w_bit\": 4.5, \"set\": {\"a\": 1}, "
                       "\"config\": {\"k\": 2}, \"repr\": null}";
    assert_int_equal(serve_params_from_body(&p, body, strlen(body), err, sizeof err), 0);
    const char *want[][2] = {{"batch", "8"},
                             {"w-asym", "true"},
                             {"w_bit", "4.5"},
                             {"set", "a=1"},
                             {"config", "{\"k\":2}"}};
    assert_int_equal(p.n, 5); /* null: absent */
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(p.key[i], want[i][0]);
        assert_string_equal(p.val[i], want[i][1]);
    }
    serve_params_free(&p);
    assert_int_equal(serve_params_from_body(&p, "[1]", 3, err, sizeof err), -1);
    assert_string_equal(err, "body: expected a JSON object of settings");
    serve_params_free(&p);
    assert_int_equal(serve_params_from_body(&p, "{\"batch\": [8]}", 14, err, sizeof err), -1);
    assert_string_equal(err, "batch: expected a string, a number or a boolean");
    serve_params_free(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settings_by_either_name),
        cmocka_unit_test(flags),
        cmocka_unit_test(server_keys),
        cmocka_unit_test(endpoints_refuse_others),
        cmocka_unit_test(bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
