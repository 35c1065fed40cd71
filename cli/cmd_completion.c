/*
 * cmd_completion.c: `llmroof completion bash|zsh`: shell completion
 * scripts generated at run time from the command table (main.c), the
 * settings table (each row's option, its choices), the shared options
 * (cli/options.c) and the bundled data (hardware ids, engines, profiles,
 * model ids). The build writes both into the build tree and `cmake
 * --install` puts them where bash-completion and zsh look
 * (share/bash-completion/completions/llmroof, share/zsh/site-functions/
 * _llmroof).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char usage[] =
    "usage: llmroof completion bash|zsh [-o FILE]\n"
    "\n"
    "Prints a completion script for the shell: commands, each command's options,\n"
    "the values of settings with choices (--attention eager|flash), hardware ids,\n"
    "engines, profiles and bundled model ids. Installed by `cmake --install`; by\n"
    "hand:\n"
    "  bash: llmroof completion bash > ~/.local/share/bash-completion/completions/llmroof\n"
    "  zsh:  llmroof completion zsh > ~/.zfunc/_llmroof   (with ~/.zfunc in $fpath)\n";

/* What a command takes beyond its arguments: the shared analysis options
 * (the settings table and options.c's fixed ones) when `shared`, plus its
 * own; subcommands for the listing commands. */
typedef struct spec {
    const char *name;
    int shared;
    const char *own;  /* "--prompt-len --gen-len" */
    const char *subs; /* "list show" */
} spec;

static const spec specs[] = {
    {"analyze", 1, "", ""},
    {"explain", 1, "--op", ""},
    {"op", 1, "--param", ""},
    {"generate", 1, "--prompt-len --gen-len", ""},
    {"serve-plan", 1, "--prompt-len --gen-len --max-tpot --max-ttft --max-batch", ""},
    {"sweep", 0,
     "--hardware --profile --ops --format --threads --output --svg --setting --hw-set --set "
     "--models-from --prompt-len --gen-len --x --y --help",
     ""},
    {"plot", 1, "--prompt-len --gen-len --max-batch --max-tpot",
     "roofline breakdown ops sweep serve"},
    {"report", 1, "--html --prompt-len --gen-len", ""},
    {"diff", 1, "", ""},
    {"arch", 0, "--help", ""},
    {"models", 0, "--format --help", "show"},
    {"modules", 0, "--format --help", "list show add analyze"},
    {"hardware", 0, "--format --help", "list show"},
    {"bench", 0, "--help", ""},
    {"serve", 0, "--port --host --help", ""},
    {"completion", 0, "--output --help", "bash zsh"},
};

/* Options whose value is a file name. */
static const char file_opts[] = "-o --output --svg --config --html --data-dir --module-db "
                                "--models-from --source";
static const char global_opts[] = "--data-dir --profile --module-db --help --version";
static const char shared_fixed[] = "--hardware --hw-set --setting --stage --profile --config "
                                   "--set --family --format --output --svg --help";

/* A growing string of words. */
typedef struct words {
    char *s;
    size_t n, cap;
} words;

static void
add(words *w, const char *word)
{
    size_t len = strlen(word);
    if (w->n + len + 2 > w->cap) {
        w->cap = (w->n + len + 2) * 2;
        w->s = realloc(w->s, w->cap);
        if (!w->s)
            abort();
    }
    if (w->n)
        w->s[w->n++] = ' ';
    memcpy(w->s + w->n, word, len + 1);
    w->n += len;
}

static const char *
text(const words *w)
{
    return w->s ? w->s : "";
}

/* "--batch --seq-len ... --no-causal": every row of the settings table as
 * the command line spells it. */
static void
setting_opts(words *w, int sweep)
{
    for (size_t i = 0; i < lr_setting_count(); i++) {
        char o[96];
        snprintf(o, sizeof o, "--%s%s", cli_setting_negated(i) && !sweep ? "no-" : "",
                 lr_setting_at(i)->option);
        add(w, o);
    }
}

static void
command_opts(words *w, const spec *sp)
{
    if (sp->shared) {
        add(w, shared_fixed);
        setting_opts(w, 0);
    } else if (!strcmp(sp->name, "sweep")) {
        setting_opts(w, 1);
    }
    if (sp->own[0])
        add(w, sp->own);
}

/* The data the values come from: hardware ids, engines, profiles, models. */
typedef struct data {
    words hw, engines, profiles, models;
} data;

static void
load_data(data *d)
{
    memset(d, 0, sizeof *d);
    lr_error err;
    lr_profile *prof = lr_profile_open(cli_data_dir, "default", NULL, &err);
    lr_hwdb *db = prof ? lr_profile_hwdb_load(prof, cli_data_dir, &err) : NULL;
    for (size_t i = 0; db && i < lr_hwdb_count(db); i++)
        add(&d->hw, lr_hwdb_at(db, i)->id);
    for (size_t i = 0; prof && i < lr_profile_engine_count(prof); i++)
        add(&d->engines, lr_profile_engine_name(prof, i));
    lr_hwdb_free(db);
    lr_profile_free(prof);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/profiles", cli_data_dir);
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));)
        if (e->d_name[0] != '.')
            add(&d->profiles, e->d_name);
    if (dp)
        closedir(dp);
    snprintf(dir, sizeof dir, "%s/models", cli_data_dir);
    size_t n = 0;
    char **files = lr_models_list(dir, &n);
    for (size_t i = 0; i < n; i++) {
        char *id = lr_model_id_from_file(files[i]);
        add(&d->models, id);
        if (strchr(id, '/')) /* the bare name loads it too */
            add(&d->models, strchr(id, '/') + 1);
        free(id);
        free(files[i]);
    }
    free(files);
}

static void
free_data(data *d)
{
    free(d->hw.s);
    free(d->engines.s);
    free(d->profiles.s);
    free(d->models.s);
}

/* The value words of option `opt` ("--attention" -> "eager flash"), or
 * NULL when it takes a free value. */
typedef struct value_case {
    char opt[96];
    words vals;
} value_case;

static size_t
value_cases(const data *d, value_case *vc, size_t cap)
{
    size_t n = 0;
    memset(vc, 0, cap * sizeof *vc);
    for (size_t i = 0; i < lr_setting_count() && n < cap; i++) {
        const lr_setting_info *in = lr_setting_at(i);
        if (in->type != LR_SET_CHOICE)
            continue;
        snprintf(vc[n].opt, sizeof vc[n].opt, "--%s", in->option);
        for (int k = 0; in->choices[k]; k++)
            add(&vc[n].vals, in->choices[k]);
        n++;
    }
    static const char *const fixed[][2] = {{"--stage", "prefill decode both"},
                                           {"--format", "table json csv md jsonl"}};
    for (size_t i = 0; i < 2 && n < cap; i++, n++) {
        snprintf(vc[n].opt, sizeof vc[n].opt, "%s", fixed[i][0]);
        add(&vc[n].vals, fixed[i][1]);
    }
    const struct {
        const char *opt;
        const words *w;
    } lists[] = {{"--hardware", &d->hw}, {"--engine", &d->engines}, {"--profile", &d->profiles}};
    for (size_t i = 0; i < 3 && n < cap; i++, n++) {
        snprintf(vc[n].opt, sizeof vc[n].opt, "%s", lists[i].opt);
        add(&vc[n].vals, text(lists[i].w));
    }
    return n;
}

static void
free_cases(value_case *vc, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(vc[i].vals.s);
}

static void
bash_script(FILE *f, const data *d, const value_case *vc, size_t nvc)
{
    size_t nc;
    const cmd *cmds = cli_commands(&nc);
    fprintf(f,
            "# bash completion for llmroof %s, generated by `llmroof completion bash`\n"
            "# from its command and settings tables and its bundled data.\n"
            "_llmroof() {\n"
            "    local cur prev cmd i\n"
            "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
            "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "    cmd=\"\"\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        case \"${COMP_WORDS[i]}\" in\n"
            "        --data-dir|--profile|--module-db) ((i++)) ;;\n"
            "        -*) ;;\n"
            "        *) cmd=\"${COMP_WORDS[i]}\"; break ;;\n"
            "        esac\n"
            "    done\n"
            "    case \"$prev\" in\n",
            lr_version());
    for (size_t i = 0; i < nvc; i++)
        fprintf(f, "    %s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", vc[i].opt,
                text(&vc[i].vals));
    words fo = {0};
    add(&fo, file_opts);
    for (char *p = fo.s; *p; p++)
        if (*p == ' ')
            *p = '|';
    fprintf(f, "    %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", fo.s);
    free(fo.s);
    words names = {0};
    for (size_t i = 0; i < nc; i++)
        add(&names, cmds[i].name);
    fprintf(f,
            "    esac\n"
            "    if [[ -z \"$cmd\" ]]; then\n"
            "        if [[ \"$cur\" == -* ]]; then\n"
            "            COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
            "        else\n"
            "            COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
            "        fi\n"
            "        return\n"
            "    fi\n"
            "    local opts=\"\" subs=\"\"\n"
            "    case \"$cmd\" in\n",
            global_opts, names.s);
    free(names.s);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        words o = {0};
        command_opts(&o, &specs[i]);
        fprintf(f, "    %s) opts=\"%s\"; subs=\"%s\" ;;\n", specs[i].name, text(&o), specs[i].subs);
        free(o.s);
    }
    fprintf(f,
            "    esac\n"
            "    if [[ \"$cur\" == -* ]]; then\n"
            "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
            "    elif [[ -n \"$subs\" && \"$prev\" == \"$cmd\" ]]; then\n"
            "        COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
            "    else\n"
            "        COMPREPLY=($(compgen -W \"%s\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
            "    fi\n"
            "}\n"
            "complete -o filenames -F _llmroof llmroof\n",
            text(&d->models));
}

static void
zsh_script(FILE *f, const data *d, const value_case *vc, size_t nvc)
{
    size_t nc;
    const cmd *cmds = cli_commands(&nc);
    fprintf(f,
            "#compdef llmroof\n"
            "# zsh completion for llmroof %s, generated by `llmroof completion zsh`\n"
            "# from its command and settings tables and its bundled data.\n"
            "_llmroof() {\n"
            "    local -a cmds opts subs\n"
            "    local cmd i\n"
            "    cmds=(\n",
            lr_version());
    for (size_t i = 0; i < nc; i++) {
        fprintf(f, "        '%s:", cmds[i].name);
        for (const char *p = cmds[i].summary; *p; p++) {
            if (*p == '\'')
                fputs("'\\''", f); /* a quote closed, escaped, reopened */
            else if (*p == ':')
                fputs("\\:", f); /* _describe's separator */
            else
                fputc(*p, f);
        }
        fputs("'\n", f);
    }
    fprintf(f, "    )\n"
               "    for ((i = 2; i < CURRENT; i++)); do\n"
               "        case ${words[i]} in\n"
               "        --data-dir|--profile|--module-db) ((i++)) ;;\n"
               "        -*) ;;\n"
               "        *) cmd=${words[i]}; break ;;\n"
               "        esac\n"
               "    done\n"
               "    case ${words[CURRENT-1]} in\n");
    for (size_t i = 0; i < nvc; i++)
        fprintf(f, "    %s) compadd -- %s; return ;;\n", vc[i].opt, text(&vc[i].vals));
    words fo = {0};
    add(&fo, file_opts);
    for (char *p = fo.s; *p; p++)
        if (*p == ' ')
            *p = '|';
    fprintf(f,
            "    %s) _files; return ;;\n"
            "    esac\n"
            "    if [[ -z $cmd ]]; then\n"
            "        if [[ $PREFIX == -* ]]; then compadd -- %s; else _describe 'command' cmds; "
            "fi\n"
            "        return\n"
            "    fi\n"
            "    case $cmd in\n",
            fo.s, global_opts);
    free(fo.s);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        words o = {0};
        command_opts(&o, &specs[i]);
        fprintf(f, "    %s) opts=(%s); subs=(%s) ;;\n", specs[i].name, text(&o), specs[i].subs);
        free(o.s);
    }
    fprintf(f,
            "    esac\n"
            "    if [[ $PREFIX == -* ]]; then\n"
            "        compadd -- $opts\n"
            "    elif (( ${#subs} )) && [[ ${words[CURRENT-1]} == $cmd ]]; then\n"
            "        compadd -- $subs\n"
            "    else\n"
            "        compadd -- %s\n"
            "        _files\n"
            "    fi\n"
            "}\n"
            "_llmroof \"$@\"\n",
            text(&d->models));
}

typedef struct job {
    int zsh;
} job;

static int
write_script(FILE *f, void *ud)
{
    const job *j = ud;
    data d;
    load_data(&d);
    value_case vc[48];
    size_t nvc = value_cases(&d, vc, 48);
    if (j->zsh)
        zsh_script(f, &d, vc, nvc);
    else
        bash_script(f, &d, vc, nvc);
    free_cases(vc, nvc);
    free_data(&d);
    return ferror(f) ? -1 : 0;
}

int
cmd_completion(int argc, char **argv)
{
    const char *out = NULL, *shell = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
            out = argv[++i];
        else if (!shell && argv[i][0] != '-')
            shell = argv[i];
        else
            return cli_usage_error("completion", "unexpected '%s'", argv[i]);
    }
    if (!shell || (strcmp(shell, "bash") && strcmp(shell, "zsh")))
        return cli_usage_error("completion", "expected bash or zsh, got '%s'",
                               shell ? shell : "nothing");
    job j = {!strcmp(shell, "zsh")};
    return cli_write_output(out, write_script, &j);
}
