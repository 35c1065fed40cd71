/*
 * fuzz_http.c: libFuzzer target for the web server's request handling:
 * the first byte picks an API route, the rest is the request body (a JSON
 * object of settings, a pasted config or print(model) text). The server's
 * own file is included so that its static handlers run exactly as they do
 * behind libmicrohttpd, without a socket.
 */
#include "../cli/cmd_serve.c"

static server fuzz_sv;
static int fuzz_loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_loaded) {
        cli_data_dir = LR_DATA_DIR;
        if (server_load(&fuzz_sv) != 0)
            abort();
        fuzz_loaded = 1;
    }
    if (size == 0)
        return 0;
    const struct route *rt = &routes[data[0] % (sizeof routes / sizeof routes[0])];
    reply *rp = calloc(1, sizeof *rp);
    args a;
    memset(&a, 0, sizeof a);
    char *buf = NULL;
    size_t len = 0;
    if (rp && body_args(&a, (const char *)data + 1, size - 1, rp->err, sizeof rp->err) == 0 &&
        (rp->f = open_memstream(&buf, &len))) {
        rt->run(&fuzz_sv, &a, rp);
        fclose(rp->f);
    }
    args_free(&a);
    free(buf);
    free(rp);
    return 0;
}
