/*
 * llm.c: the module analyzer of the prototype's notes: a module class's
 * source is sent to an OpenAI-compatible chat-completions endpoint, which
 * answers with a module-database entry in our format. Each answer is
 * validated exactly as `modules add` validates (and stored by it, with its
 * own naming: key, full class name, aliases); a failed validation goes back
 * to the model with the error, for a bounded number of tries.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry.h"

static const char system_prompt[] =
    "You write entries of llmroof's module database: for one PyTorch module class, the "
    "floating-point operations and the bytes it moves, as formulas.\n"
    "Reply with JSON only: {\"modules\": {\"KEY\": ENTRY}} where KEY is a short unique key "
    "(e.g. transformers_LlamaMLP) and ENTRY is {\"full_class_name\": the class's full dotted "
    "name, \"aliases\": [other names it is printed or imported as, e.g. the bare class name], "
    "\"description\": one sentence on what is counted, \"parameters\": [names the formulas "
    "use, in call order; {\"name\": ..., \"default\": formula} for optional ones; use "
    "{\"name\": \"tokens\", \"default\": \"{B} * {S}\"} for the rows processed], "
    "\"is_composite\": true if it has sub-layers, \"weights\": formula of its own parameter "
    "count (omit if none), \"ops\": [{\"name\", \"kind\" (matmul attention elementwise "
    "reduction norm activation memory embedding comm other), \"flops\", \"load_weight\", "
    "\"load_act\", \"store_act\", \"load_kv\", \"store_kv\"}]} (absent byte fields are 0).\n"
    "Formulas: numbers, {variable}, + - * / % **, parentheses, comparisons with ? :, min max "
    "ceil floor sqrt log2 abs. Variables are the entry's parameters and the runtime "
    "variables {B} batch, {S} tokens per sequence in this pass, {ctx} tokens attended, "
    "{w_bytes} {a_bytes} {kv_bytes} bytes per weight / activation / KV element, {out_bytes} "
    "bytes of the module's output element. A multiply-add is 2 FLOPs. Intermediate tensors "
    "that go through memory are written by one op and read by the next.\n"
    "Example: {\"modules\": {\"torch_SiLU\": {\"full_class_name\": "
    "\"torch.nn.modules.activation.SiLU\", \"aliases\": [\"SiLU\"], \"parameters\": "
    "[{\"name\": \"tokens\", \"default\": \"{B} * {S}\"}, \"features\"], \"ops\": [{\"name\": "
    "\"act\", \"kind\": \"activation\", \"flops\": \"4 * {tokens} * {features}\", "
    "\"load_act\": \"{tokens} * {features} * {a_bytes}\", \"store_act\": \"{tokens} * "
    "{features} * {out_bytes}\"}]}}}";

typedef struct growbuf {
    char *s;
    size_t n;
} growbuf;

static size_t
on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    growbuf *b = ud;
    size_t n = size * nmemb;
    if (b->n + n > 16u << 20)
        return 0; /* a reply over 16 MiB is not an entry: abort the transfer */
    b->s = lr_xrealloc(b->s, b->n + n + 1, 1);
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
    return n;
}

/* POSTs the conversation; returns the reply body (caller frees) or NULL. */
static char *
post(const lr_llm *llm, json_t *messages, lr_error *err)
{
    json_t *req =
        json_pack("{s:s, s:O, s:f}", "model", llm->model, "messages", messages, "temperature", 0.0);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *url = lr_xasprintf("%s/chat/completions", llm->url);
    CURL *c = curl_easy_init();
    growbuf reply = {NULL, 0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char *auth = llm->key && *llm->key ? lr_xasprintf("Authorization: Bearer %s", llm->key) : NULL;
    if (auth)
        h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(llm->timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        lr_err_set(err, url, "", "request failed: %s", curl_easy_strerror(rc));
    } else if (status != 200) {
        lr_err_set(err, url, "", "the endpoint answered HTTP %ld: %.200s", status,
                   reply.s ? reply.s : "");
    }
    if (rc != CURLE_OK || status != 200) {
        free(reply.s);
        reply.s = NULL;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(auth);
    free(url);
    free(body);
    return reply.s;
}

/* The assistant's text from a chat-completions reply, or NULL. */
static char *
reply_text(const char *body)
{
    json_error_t je;
    json_t *root = json_loads(body, 0, &je);
    const char *t = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message"),
        "content"));
    char *out = t ? lr_xstrdup(t) : NULL;
    json_decref(root);
    return out;
}

/* The JSON object in a text that may wrap it in ``` fences or prose. */
static json_t *
extract_entry(const char *text, const char *cls, char *why, size_t cap)
{
    const char *a = strchr(text, '{'), *b = strrchr(text, '}');
    if (!a || !b || b < a) {
        snprintf(why, cap, "the reply holds no JSON object");
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(a, (size_t)(b - a + 1), JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(why, cap, "the reply is not valid JSON (line %d, column %d: %s)", je.line,
                 je.column, je.text);
        return NULL;
    }
    json_t *mods = json_object_get(root, "modules");
    if (!json_is_object(mods) || json_object_size(mods) != 1) {
        snprintf(why, cap, "expected {\"modules\": {KEY: ENTRY}} with exactly one entry");
        json_decref(root);
        return NULL;
    }
    const char *key;
    json_t *e;
    int names_cls = 0;
    json_object_foreach(mods, key, e)
    {
        const char *fc = json_string_value(json_object_get(e, "full_class_name"));
        names_cls = fc && (!strcmp(fc, cls) || strstr(fc, cls));
        json_t *al = json_object_get(e, "aliases");
        for (size_t i = 0; i < json_array_size(al); i++)
            names_cls |= json_string_value(json_array_get(al, i)) &&
                         !strcmp(json_string_value(json_array_get(al, i)), cls);
    }
    if (!names_cls) {
        snprintf(why, cap, "the entry does not name the class %s (full_class_name or aliases)",
                 cls);
        json_decref(root);
        return NULL;
    }
    return root;
}

static char *
first_prompt(const char *cls, const char *source, const char *const *subs, size_t nsub)
{
    size_t cap = strlen(source) + 4096 + nsub * 256;
    char *p = lr_xmalloc(cap);
    size_t n = (size_t)snprintf(p, cap, "Write the entry for the class %s.\n", cls);
    if (nsub) {
        n += (size_t)snprintf(p + n, cap - n,
                              "It is a COMPOSITE module: its sub-layers are already in the "
                              "database and count their own work:");
        for (size_t i = 0; i < nsub; i++)
            n += (size_t)snprintf(p + n, cap - n, "%s %s", i ? "," : "", subs[i]);
        n += (size_t)snprintf(p + n, cap - n,
                              ".\nCount ONLY the operations that happen between the sub-layer "
                              "calls (matmuls, softmax, elementwise ops, residual adds), "
                              "never the sub-layers' own work.\n");
    }
    snprintf(p + n, cap - n, "Source:\n```python\n%s\n```\n", source);
    return p;
}

int
lr_llm_analyze_module(const lr_llm *llm, const char *cls, const char *source,
                      const char *const *subs, size_t nsub, const char *db_path,
                      const char *base_dir, int force, lr_error *err)
{
    lr_err_clear(err);
    if (!llm->url || !*llm->url) {
        lr_err_set(err, "", "", "no language-model endpoint configured");
        return -1;
    }
    json_t *messages = json_pack("[{s:s, s:s}]", "role", "system", "content", system_prompt);
    char *prompt = first_prompt(cls, source, subs, nsub);
    json_array_append_new(messages, json_pack("{s:s, s:s}", "role", "user", "content", prompt));
    free(prompt);
    int rc = -1;
    for (int attempt = 0; attempt < llm->max_tries && rc < 0; attempt++) {
        char *body = post(llm, messages, err);
        if (!body)
            break; /* transport errors and HTTP errors are not retried */
        char *text = reply_text(body);
        free(body);
        char why[1100] = "";
        json_t *entry = text ? extract_entry(text, cls, why, sizeof why) : NULL;
        if (!text)
            snprintf(why, sizeof why, "the reply has no choices[0].message.content");
        if (entry) {
            char *tmp = lr_xasprintf("%s.reply.%ld.json", db_path, (long)getpid());
            if (json_dump_file(entry, tmp, JSON_INDENT(2)) == 0 &&
                lr_db_add_entries(db_path, tmp, base_dir, force, err) == 0) {
                rc = 0;
            } else {
                char msg[900];
                lr_error_format(err, msg, sizeof msg);
                snprintf(why, sizeof why, "the entry failed validation: %s", msg);
            }
            unlink(tmp);
            free(tmp);
            json_decref(entry);
        }
        if (rc < 0) {
            json_array_append_new(messages, json_pack("{s:s, s:s}", "role", "assistant", "content",
                                                      text ? text : ""));
            char *fix = lr_xasprintf("That reply cannot be used: %s. Reply with the corrected "
                                     "JSON only.",
                                     why);
            json_array_append_new(messages,
                                  json_pack("{s:s, s:s}", "role", "user", "content", fix));
            free(fix);
            lr_err_set(err, "", cls, "after %d %s: %s", attempt + 1, attempt ? "tries" : "try",
                       why);
        }
        free(text);
    }
    json_decref(messages);
    return rc;
}
