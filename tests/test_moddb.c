/*
 * test_moddb.c: loading the module database: our format, the prototype's
 * format with ${...} calls, lookup by class name and alias only (and by
 * key through lr_db_lookup), the load-time errors (file, JSON path,
 * column), and opening a profile by name or directory with its hardware.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

/* Loads the bundled database plus `text` as an extra file; returns the
 * error of the first failing step (load or finish), or NULL db on error. */
static lr_db *
load_extra(const char *text, lr_error *err)
{
    char *path = tu_tmpfile(text, ".json");
    lr_db *db = lr_db_new();
    memset(err, 0, sizeof *err);
    int rc = lr_db_load_dir(db, TU_DEFAULT "/modules", err);
    if (rc == 0)
        rc = lr_db_load_file(db, path, err);
    if (rc == 0)
        rc = lr_db_finish(db, err);
    unlink(path);
    free(path);
    if (rc < 0) {
        lr_db_free(db);
        return NULL;
    }
    return db;
}

static void
expect_error(const char *text, const char *path_part, const char *msg_part, int col)
{
    lr_error err;
    lr_db *db = load_extra(text, &err);
    if (db) {
        lr_db_free(db);
        fail_msg("loaded but should fail with '%s'", msg_part);
    }
    if (!strstr(err.path, path_part))
        fail_msg("path '%s' lacks '%s' (msg %s)", err.path, path_part, err.msg);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
    if (col >= 0)
        assert_int_equal(err.col, col);
    assert_non_null(strstr(err.file, "llmroof-test-"));
}

static void
test_bundled_lookup(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    assert_non_null(db);
    const lr_module *lin = lr_db_find(db, "torch.nn.modules.linear.Linear");
    assert_non_null(lin);
    assert_ptr_equal(lr_db_find(db, "torch.nn.Linear"), lin); /* alias */
    assert_ptr_equal(lr_db_find(db, "Linear"), lin);
    /* never derived: the key is not a class name */
    assert_null(lr_db_find(db, "torch_Linear"));
    assert_null(lr_db_find(db, "torch.nn.linear"));
    const lr_module *att = lr_db_find(db, "LlamaFlashAttention2");
    assert_non_null(att);
    assert_ptr_equal(att,
                     lr_db_find(db, "transformers.models.llama.modeling_llama.LlamaSdpaAttention"));
    assert_true(lr_module_is_composite(att));
    /* rope, qk_matmul, softmax, sv_matmul (eager) and flash_attention */
    assert_int_equal(lr_module_op_count(att), 5);
    assert_string_equal(lr_module_op_name(att, 1), "qk_matmul");
    lr_profile_free(prof);
}

static void
test_unknown_class_suggests(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    lr_error err;
    lr_db_unknown_class(db, "LlamaRMSNrom", &err);
    assert_non_null(strstr(err.msg, "unknown module class 'LlamaRMSNrom'"));
    assert_non_null(strstr(err.msg, "LlamaRMSNorm"));
    assert_non_null(strstr(err.msg, "modules/"));
    lr_profile_free(prof);
}

/* The prototype's format: one formula calling Linear, memory reads/writes,
 * and its naming fields. Parameters are inferred from the variables. */
static const char proto[] =
    "{\"modules\": {\"proto_Block\": {"
    "  \"full_class_name\": \"proto.Block\","
    "  \"generated_file_name\": \"proto_block.py\","
    "  \"generated_class_name\": \"ProtoBlock\","
    "  \"flop_analysis\": {\"calculation_formula\":"
    "     \"${torch.nn.Linear}({B} * {S}, {hidden_size}, {hidden_size}) + {B} * {S}\"},"
    "  \"memory_analysis\": {\"reads\": \"{B} * {S} * {hidden_size} * {a_dtype_bytes}\","
    "     \"writes\": \"{B} * {S} * {hidden_size} * {a_dtype_bytes}\","
    "     \"intermediates\": \"{B} * {S} * 4\"}"
    "}}}";

static void
test_prototype_format(void **state)
{
    (void)state;
    lr_error err;
    lr_db *db = load_extra(proto, &err);
    if (!db)
        fail_msg("%s: %s", err.path, err.msg);
    const lr_module *m = lr_db_find(db, "proto.Block");
    assert_non_null(m);
    assert_int_equal(lr_module_param_count(m), 1);
    assert_string_equal(lr_module_param(m, 0), "hidden_size");
    const char *names[] = {"h"};
    const double vals[] = {64};
    /* B=2, S=8: Linear 2 * 16 * 64 * 64 = 131,072, plus B*S = 16 */
    lr_formula *f = lr_formula_compile("${proto.Block}({h})", db, names, vals, 1, &err);
    assert_non_null(f);
    const double vars[LR_NVARS] = {2, 8, 8, 2, 2, 2, 1, 1};
    double v;
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), 0);
    assert_true(v == 131088);
    lr_formula_free(f);
    /* intermediates are written once and read once */
    assert_non_null(strstr(lr_module_op_formula(m, 0, LR_F_LOAD_ACT), "{B} * {S} * 4"));
    assert_non_null(strstr(lr_module_op_formula(m, 0, LR_F_STORE_ACT), "{B} * {S} * 4"));
    lr_db_free(db);
}

static void
test_errors(void **state)
{
    (void)state;
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"flops\": \"2 * {B} +\"}]}}}",
                 "modules.x.ops[0].flops", "bad formula", 10);
    expect_error(
        "{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"parameters\": [\"n\"], \"ops\": "
        "[{\"name\": \"a\", \"flops\": \"{n} * {m}\"}]}}}",
        "modules.x.ops[0].flops", "unknown variable {m}",
        7); /* "{n} * {m}": { of {m} is column 7 */
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"flops\": \"${NoSuchThing}(1)\"}]}}}",
                 "modules.x.ops[0].flops", "unknown module class 'NoSuchThing'", 1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"flops\": \"1 + ${torch.nn.Linear}(1, 2, 3, 4, 5)\"}]}}}",
                 "modules.x.ops[0].flops", "5 arguments given", 5);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"flops\": \"${torch.nn.Linear}()\"}]}}}",
                 "modules.x", "0 arguments given", 1);
    /* X -> Y -> X */
    expect_error(
        "{\"modules\": {"
        "\"x\": {\"full_class_name\": \"X\", \"ops\": [{\"name\": \"a\", \"flops\": \"${Y}()\"}]},"
        "\"y\": {\"full_class_name\": \"Y\", \"ops\": [{\"name\": \"b\", \"flops\": \"2 * "
        "${X}()\"}]}}}",
        "modules.", "cyclic module call", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"kind\": \"matmull\", \"flops\": \"1\"}]}}}",
                 "modules.x.ops[0]", "unknown op kind 'matmull'", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"load_weights\": \"1\"}]}}}",
                 "modules.x.ops[0]", "unknown key 'load_weights'", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"torch.nn.Linear\", \"ops\": []}}}",
                 "modules.x", "already taken", -1);
    expect_error("{\"modules\": {\"x\": {\"ops\": []}}}", "modules.x.full_class_name", "missing",
                 -1);
    expect_error("{\"modules\": []}", "modules", "top-level", -1);
    /* a default may use earlier parameters only */
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"parameters\": "
                 "[{\"name\": \"a\", \"default\": \"{b} * 2\"}, \"b\"], \"ops\": []}}}",
                 "modules.x.parameters[0].default", "declared after", 1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"flops\": \"1\"}, {\"name\": \"a\", \"flops\": \"2\"}]}}}",
                 "modules.x.ops[1]", "used twice", -1);
    /* collectives: a known name, with its group and message; calls a
     * positive number; group, message and calls only with a collective */
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"collective\": \"allreduce\", \"group\": \"2\", "
                 "\"message\": \"8\"}]}}}",
                 "modules.x.ops[0]", "collective: expected all_reduce, all_gather", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"collective\": \"all_reduce\", \"group\": \"2\"}]}}}",
                 "modules.x.ops[0]", "needs \"group\" (devices) and \"message\"", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"group\": \"2\"}]}}}",
                 "modules.x.ops[0]", "need a \"collective\"", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"collective\": \"send\", \"group\": \"2\", "
                 "\"message\": \"8\", \"calls\": 0}]}}}",
                 "modules.x.ops[0]", "calls: expected a positive number", -1);
    expect_error("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"ops\": "
                 "[{\"name\": \"a\", \"collective\": \"send\", \"group\": \"2\", "
                 "\"message\": \"{nope}\"}]}}}",
                 "modules.x.ops[0].message", "nope", -1);
}

static void
test_malformed_json(void **state)
{
    (void)state;
    lr_error err;
    /* line 2, the missing comma before "b" */
    lr_db *db = load_extra("{\"modules\": {\n  \"a\": 1 \"b\": 2}}", &err);
    assert_null(db);
    assert_int_equal(err.line, 2);
    assert_true(err.col > 0);
    assert_non_null(strstr(err.msg, "malformed JSON"));
}

static void
test_self_cycle(void **state)
{
    (void)state;
    lr_error err;
    lr_db *db =
        load_extra("{\"modules\": {\"x\": {\"full_class_name\": \"X\", \"parameters\": [\"n\"],"
                   " \"ops\": [{\"name\": \"a\", \"flops\": \"${X}({n})\"}]}}}",
                   &err);
    assert_null(db);
    assert_non_null(strstr(err.msg, "cyclic module call: X -> X"));
}

/* lr_db_lookup: lr_db_find's names and also the entry keys, which
 * lr_db_find never takes (test_bundled_lookup). */
static void
test_lookup_by_key(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    const lr_module *lin = lr_db_find(db, "torch.nn.modules.linear.Linear");
    assert_non_null(lin);
    assert_ptr_equal(lr_db_lookup(db, "Linear"), lin);
    assert_ptr_equal(lr_db_lookup(db, lr_module_key(lin)), lin);
    assert_null(lr_db_lookup(db, "torch.nn.linear"));
    lr_profile_free(prof);
}

/* lr_profile_open: a bundled name is DATA/profiles/NAME, a path with a
 * slash is a directory; a missing one names where profiles are; the
 * hardware table is the profile's own (llm-viewer has hardware/) or
 * DATA/hardware. */
static void
test_profile_open(void **state)
{
    (void)state;
    lr_error err;
    lr_profile *lv = lr_profile_open(LR_DATA_DIR, "llm-viewer", NULL, &err);
    assert_non_null(lv);
    assert_string_equal(lr_profile_dir(lv), LR_DATA_DIR "/profiles/llm-viewer");
    lr_profile *def = lr_profile_open("/nonexistent", TU_DEFAULT, NULL, &err);
    assert_non_null(def);
    assert_string_equal(lr_profile_dir(def), TU_DEFAULT);
    assert_null(lr_profile_open(LR_DATA_DIR, "nosuch", NULL, &err));
    assert_string_equal(err.msg, "unknown profile 'nosuch' (no directory " LR_DATA_DIR
                                 "/profiles/nosuch; bundled profiles are the directories "
                                 "of " LR_DATA_DIR "/profiles)");
    /* both tables have an H100 SXM; llm-viewer's own names it "NVIDIA H100
     * SXM (LLM-Viewer)" (its hardware/llm-viewer.json), ours "h100-sxm" */
    lr_hwdb *hw = lr_profile_hwdb_load(lv, "/nonexistent", &err);
    assert_non_null(hw);
    assert_string_equal(lr_hwdb_find(hw, "h100-sxm")->id, "nvidia_H100");
    lr_hwdb_free(hw);
    hw = lr_profile_hwdb_load(def, LR_DATA_DIR, &err);
    assert_non_null(hw);
    assert_string_equal(lr_hwdb_find(hw, "h100-sxm")->id, "h100-sxm");
    lr_hwdb_free(hw);
    assert_null(lr_profile_hwdb_load(def, "/nonexistent", &err));
    lr_profile_free(def);
    lr_profile_free(lv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_lookup),   cmocka_unit_test(test_unknown_class_suggests),
        cmocka_unit_test(test_prototype_format), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_malformed_json),   cmocka_unit_test(test_self_cycle),
        cmocka_unit_test(test_lookup_by_key),    cmocka_unit_test(test_profile_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
