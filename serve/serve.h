/*
 * serve.h: the web server of `llmroof serve`: the page of web/ (compiled in)
 * and a JSON API over the analyses (docs/web.md), on libmicrohttpd. Built as
 * its own static library (llmroof_serve) over the public API only: it
 * includes llmroof.h and this header, nothing of src/ or cli/.
 *
 * The first part is the entry point the command uses; the second is what
 * the files of serve/ share: data.c (the profiles and models loaded at start),
 * request.c (parameters into settings), routes.c (the API handlers) and
 * server.c (HTTP). What the replies hold is written by the library.
 */
#ifndef LR_SERVE_H
#define LR_SERVE_H

#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>

#include "llmroof.h"

/* ---- Entry point ----------------------------------------------------------- */

typedef struct serve_opts {
    const char *data_dir;      /* bundled data: profiles/, models/, hardware/ */
    const char *profile;       /* requests naming none use it: a bundled profile, or a
                                  directory (then served too); NULL: "default" */
    const char *extra_modules; /* module entries over every profile's, or NULL */
    /* efficiency files (calibrations) laid over every profile's, in order */
    char *const *calibrations;
    size_t ncalibrations;
    const char *model; /* what a request that names none analyses */
    const char *hardware;
    const char *host; /* the address to bind: a name, IPv4 or IPv6 */
    unsigned port;    /* 0: a free one */
    /* libmicrohttpd's messages, one call each; NULL drops them */
    void (*log)(void *ud, const char *msg);
    void *log_ud;
} serve_opts;

typedef struct serve_server serve_server;

/* Why serve_new failed. */
enum { SERVE_E_HOST = 1, SERVE_E_DATA = 2 };

/* Resolves the host, then loads every bundled profile, its hardware table
 * and the plan of every bundled model. NULL on failure, with *why and err.
 * Nothing listens yet. */
serve_server *serve_new(const serve_opts *o, int *why, lr_error *err);
/* Starts answering on libmicrohttpd's threads (they inherit the caller's
 * signal mask). -1 with err when it cannot listen. */
int serve_start(serve_server *sv, lr_error *err);
/* The address as a Host header names it ("127.0.0.1", "[::1]"), and the
 * port bound (the one asked for, or the one picked; 0 before start). */
const char *serve_host(const serve_server *sv);
unsigned serve_port(const serve_server *sv);
/* Stops the daemon if it runs, and frees everything. */
void serve_free(serve_server *sv);

/* ---- Shared by the files of serve/ --------------------------------------- */

/* HTTP statuses the handlers return. */
enum {
    HTTP_OK = 200,
    HTTP_BAD_REQUEST = 400,
    HTTP_UNPROCESSABLE = 422,
    HTTP_INTERNAL_ERROR = 500,
};

#define SERVE_MAX_PROFILES 16

/* data.c: what is loaded at start and only read afterwards. A model is the
 * library's catalog entry (lr_models_load_all): its tree and plan, or why
 * it does not build in the profile. */
typedef lr_model_entry serve_model;

typedef struct serve_profile {
    char *key; /* the name requests use */
    lr_profile *prof;
    lr_hwdb *hwdb;
    lr_model_entry *models; /* every bundled model, as lr_jw_models lists them */
    size_t nmodels;
} serve_profile;

struct MHD_Daemon;

struct serve_server {
    serve_profile profiles[SERVE_MAX_PROFILES];
    size_t nprofiles;
    size_t def; /* the profile of requests that name none */
    char *model, *hardware;
    char *data_dir; /* the bundled data: /api/simulate's workloads */
    void (*log)(void *ud, const char *msg);
    void *log_ud;
    int check_host;     /* bound to loopback: Host must name us */
    char host[64];      /* the bound address as a Host names it */
    unsigned want_port; /* as asked: 0 picks one */
    atomic_uint port;   /* bound; 0 until known: every Host is refused */
    struct sockaddr_storage addr;
    struct MHD_Daemon *daemon;
};

/* strdup of s (NULL: ""), aborting when out of memory as the library does. */
char *serve_strdup(const char *s);
int serve_load(serve_server *sv, const serve_opts *o, lr_error *err);
void serve_unload(serve_server *sv);
/* NULL key: the default profile. NULL if unknown. */
const serve_profile *serve_find_profile(const serve_server *sv, const char *key);
/* A bundled model by id, or by the name after the slash, in any case:
 * never a file, whatever the name. */
const serve_model *serve_find_model(const serve_profile *sp, const char *name);

/* request.c: a request's parameters (query, then body), as text. */
#define SERVE_MAX_PARAMS 96
#define SERVE_MAX_SETS 64

typedef struct serve_params {
    size_t n;
    char *key[SERVE_MAX_PARAMS];
    char *val[SERVE_MAX_PARAMS];
    int overflow;
} serve_params;

void serve_params_add(serve_params *p, const char *key, const char *val);
void serve_params_free(serve_params *p);
/* A JSON object's members as parameters (numbers and booleans as text,
 * "config" objects as their JSON, "set" arrays and objects as one
 * NAME=VALUE each). -1 with the message in err. */
int serve_params_from_body(serve_params *p, const char *body, size_t len, char *err, size_t cap);

/* Which endpoints take a parameter. */
enum { W_ANALYZE = 1, W_GENERATE = 2, W_OP = 4, W_LIST = 8, W_FORMULAS = 16, W_SIMULATE = 32 };
#define W_RUN (W_ANALYZE | W_GENERATE | W_OP)

/* /api/simulate's requests: at most this many (docs/web.md). */
#define SERVE_MAX_SIM_REQUESTS 20000

/* /api/simulate's options, as `llmroof simulate` takes them. */
typedef struct serve_sim {
    lr_sim_config c;
    const char *workload;   /* NULL: sharegpt */
    double prompt, output;  /* fixed lengths, 0: the workload's */
    double num, rate, seed; /* defaults 1000, 10, 0 */
} serve_sim;

/* The parameters of one request, checked; strings borrowed from the
 * serve_params they came from, NULL when not given. */
typedef struct serve_request {
    lr_settings s; /* from lr_settings_default, then each setting given */
    int do_prefill, do_decode;
    double prompt, gen; /* /api/generate: defaults 1024 and 256, as `llmroof generate` */
    const char *model, *hardware, *profile;
    const char *config, *repr; /* pasted texts */
    const char *sets[SERVE_MAX_SETS];
    size_t nsets;
    const char *path; /* /api/op */
    const char *cls;  /* /api/formulas */
    serve_sim sim;    /* /api/simulate */
} serve_request;

/* Checks every parameter against what endpoint `where` takes and applies
 * it; -1 with the message (the library's, for a setting) in err. */
int serve_request_parse(const serve_params *p, unsigned where, serve_request *rq, char *err,
                        size_t cap);

/* routes.c: the API. */
typedef struct serve_reply {
    FILE *f;         /* the body being written */
    char err[4096];  /* the message of an error status */
    char note[1024]; /* X-Llmroof-Notes: what a repr's analysis inferred */
} serve_reply;

typedef struct serve_route {
    const char *path;
    int post; /* also takes POST with a JSON body */
    int (*run)(const serve_server *sv, const serve_params *p, serve_reply *rp);
} serve_route;

const serve_route *serve_route_find(const char *url);
size_t serve_route_count(void);
const serve_route *serve_route_at(size_t i);
/* Runs a route: the reply's body in *out (malloc'd, the caller frees; may
 * be NULL), its status returned, an error's message in rp->err. */
int serve_api(const serve_server *sv, const serve_route *rt, const serve_params *p, serve_reply *rp,
              char **out, size_t *len);

#endif
