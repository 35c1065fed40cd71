/*
 * cmd_serve.c: `llmroof serve`: reads --host and --port, hands the global
 * options to the web server of serve/ (serve.h: the page and its JSON API,
 * docs/web.md), and runs it until SIGINT or SIGTERM. What a request may
 * ask and how it is answered is all in serve/.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "serve.h"
#include "userdb.h"

#define DEFAULT_PORT 8080

static const char usage[] =
    "usage: llmroof serve [--port N] [--host ADDR]\n"
    "\n"
    "Serves the web page (a model's per-op costs, roofline and generation,\n"
    "updated as the settings change) and its JSON API: /api/models,\n"
    "/api/hardware, /api/profiles, /api/analyze, /api/generate, /api/op,\n"
    "/api/formulas (docs/web.md). Prints the address it listens on; stops on\n"
    "SIGINT or SIGTERM.\n"
    "\n"
    "  --port N     TCP port (default 8080; 0 picks a free one)\n"
    "  --host ADDR  address to bind (default 127.0.0.1). On a loopback address\n"
    "               only requests whose Host header names it are answered\n"
    "               (DNS-rebinding protection); any other address exposes the\n"
    "               server to the network without that check\n"
    "  -h, --help   this text\n";

/* libmicrohttpd's messages (they end with a newline). */
static void
log_line(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "llmroof serve: %s", msg);
}

static volatile sig_atomic_t stop_signal;

static void
on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* SIGINT and SIGTERM are blocked before the daemon's threads start (they
 * inherit the mask) and taken here; a handler also catches one delivered
 * to a thread that unblocked it. Either way the daemon stops and
 * everything is freed on the way out: a leak checker sees a clean exit. */
static void
block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* also undoes a script's SIG_IGN of SIGINT */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int
wait_for_stop(const sigset_t *set)
{
    const struct timespec tick = {0, 200 * 1000 * 1000};
    while (!stop_signal) {
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig > 0)
            stop_signal = sig;
    }
    return stop_signal;
}

/* Serves until SIGINT or SIGTERM (*sig); an exit code. */
static int
run(serve_server *sv, int *sig)
{
    sigset_t set;
    lr_error err;
    block_stop_signals(&set);
    if (serve_start(sv, &err) < 0) {
        fprintf(stderr, "llmroof serve: error: %s\n", err.msg);
        return EXIT_IO;
    }
    printf("llmroof serve: listening on http://%s:%u/\n", serve_host(sv), serve_port(sv));
    fflush(stdout);
    *sig = wait_for_stop(&set);
    return EXIT_OK;
}

int
cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"host", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int port = DEFAULT_PORT, c;
    const char *host = "127.0.0.1";
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (cli_parse_int("--port", optarg, 0, 65535, &port) < 0)
                return EXIT_USAGE;
            break;
        case 'H': host = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    /* the calibrations apply to every profile served, as to the commands */
    char *cal[CLI_MAX_CALIBRATION_PATHS];
    size_t ncal = cli_calibration_paths(cal, CLI_MAX_CALIBRATION_PATHS);
    serve_opts o = {
        .data_dir = cli_data_dir,
        .calibrations = cal,
        .ncalibrations = ncal,
        .profile = cli_profile,
        .extra_modules = cli_user_module_db_to_load(),
        .model = DEFAULT_MODEL,
        .hardware = DEFAULT_HARDWARE,
        .host = host,
        .port = (unsigned)port,
        .log = log_line,
    };
    lr_error err;
    int why = 0;
    serve_server *sv = serve_new(&o, &why, &err);
    for (size_t i = 0; i < ncal; i++)
        free(cal[i]);
    if (!sv && why == SERVE_E_HOST)
        return cli_usage_error("serve", "--host: %s", err.msg);
    if (!sv) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    int sig = 0, rc = run(sv, &sig);
    serve_free(sv); /* stops the daemon */
    if (sig)
        fprintf(stderr, "llmroof serve: stopped by %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return rc;
}
