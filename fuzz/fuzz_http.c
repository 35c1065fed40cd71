/*
 * fuzz_http.c: libFuzzer target for the web server's request handling:
 * the first byte picks an API route, the rest is the request body (a JSON
 * object of settings, a pasted config or print(model) text). It runs
 * serve_api of serve/, as the server does behind libmicrohttpd, without a
 * socket.
 */
#include <stdint.h>
#include <stdlib.h>

#include "serve.h"

static serve_server *fuzz_sv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_sv) {
        serve_opts o = {.data_dir = LR_DATA_DIR,
                        .model = "meta-llama/Llama-2-7b-hf",
                        .hardware = "a100-80gb",
                        .host = "127.0.0.1"};
        lr_error err;
        int why;
        if (!(fuzz_sv = serve_new(&o, &why, &err)))
            abort();
    }
    if (size == 0)
        return 0;
    const serve_route *rt = serve_route_at(data[0] % serve_route_count());
    serve_reply *rp = calloc(1, sizeof *rp);
    serve_params *p = calloc(1, sizeof *p);
    char *out = NULL;
    size_t len = 0;
    if (rp && p &&
        serve_params_from_body(p, (const char *)data + 1, size - 1, rp->err, sizeof rp->err) == 0)
        serve_api(fuzz_sv, rt, p, rp, &out, &len);
    if (p)
        serve_params_free(p);
    free(out);
    free(p);
    free(rp);
    return 0;
}
