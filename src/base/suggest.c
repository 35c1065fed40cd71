/*
 * suggest.c: "did you mean" for names a user types: model ids, hardware
 * ids, options. A candidate is close when every word the user typed is one
 * of its words ("Llama-2-7b" in "Llama-2-7b-hf", "mixtral-8x7b" in
 * "Mixtral-8x7B-v0.1"), or when the two differ by a few letters once case
 * and punctuation are set aside ("mi300" and "mi300x").
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

#define WORDS 16
#define WORD_LEN 32

/* Lowercase letters and digits only: "H100-SXM" -> "h100sxm". */
void
lr_name_squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    if (cap)
        out[n] = '\0';
}

/* The words of a name, split at anything not a letter or digit, lowercase. */
static size_t
words(const char *s, char (*w)[WORD_LEN])
{
    size_t n = 0;
    while (*s && n < WORDS) {
        while (*s && !isalnum((unsigned char)*s))
            s++;
        size_t k = 0;
        while (isalnum((unsigned char)*s)) {
            if (k + 1 < WORD_LEN)
                w[n][k++] = (char)tolower((unsigned char)*s);
            s++;
        }
        if (k) {
            w[n][k] = '\0';
            n++;
        }
    }
    return n;
}

size_t
lr_suggest_distance(const char *typed, const char *cand)
{
    char a[256], b[256];
    lr_name_squash(typed, a, sizeof a);
    lr_name_squash(cand, b, sizeof b);
    if (!a[0] || !b[0])
        return LR_NOT_CLOSE;
    if (strcmp(a, b) == 0)
        return 0;
    char tw[WORDS][WORD_LEN], cw[WORDS][WORD_LEN];
    size_t nt = words(typed, tw), nc = words(cand, cw), found = 0;
    for (size_t i = 0; i < nt; i++) {
        for (size_t j = 0; j < nc; j++) {
            if (strcmp(tw[i], cw[j]) == 0) {
                found++;
                break;
            }
        }
    }
    /* every typed word present: ranked by the words the user left out */
    if (nt && found == nt && nc >= nt)
        return 1 + (nc - nt);
    size_t d = lr_edit_distance(a, b), len = strlen(a);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    return d <= limit ? 100 + d : LR_NOT_CLOSE;
}

void
lr_suggest_init(lr_suggest *s)
{
    memset(s, 0, sizeof *s);
}

void
lr_suggest_offer(lr_suggest *s, const char *typed, const char *cand, const char *show)
{
    size_t d = lr_suggest_distance(typed, cand);
    if (d == LR_NOT_CLOSE)
        return;
    for (size_t k = 0; k < s->n; k++) {
        if (strcmp(s->name[k], show) != 0)
            continue;
        if (d >= s->score[k])
            return;
        /* a better score for a name already kept: drop the old place */
        memmove(&s->name[k], &s->name[k + 1], (s->n - k - 1) * sizeof s->name[0]);
        memmove(&s->score[k], &s->score[k + 1], (s->n - k - 1) * sizeof s->score[0]);
        s->n--;
        break;
    }
    size_t at = 0;
    while (at < s->n && s->score[at] <= d)
        at++;
    if (at >= LR_SUGGEST_MAX)
        return;
    size_t keep = s->n < LR_SUGGEST_MAX ? s->n : LR_SUGGEST_MAX - 1;
    memmove(&s->name[at + 1], &s->name[at], (keep - at) * sizeof s->name[0]);
    memmove(&s->score[at + 1], &s->score[at], (keep - at) * sizeof s->score[0]);
    snprintf(s->name[at], sizeof s->name[at], "%s", show);
    s->score[at] = d;
    s->n = keep + 1;
}

size_t
lr_suggest_write(const lr_suggest *s, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    /* names holding every typed word make near spellings noise */
    size_t shown = 0;
    for (size_t k = 0; k < s->n && n < cap; k++) {
        if (k && s->score[0] < 100 && s->score[k] >= 100)
            break;
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", k ? ", " : "", s->name[k]);
        shown++;
    }
    return shown;
}

size_t
lr_suggest_names(const char *typed, const char *const *names, size_t n, char *buf, size_t cap)
{
    lr_suggest s;
    lr_suggest_init(&s);
    for (size_t i = 0; i < n; i++)
        if (names[i])
            lr_suggest_offer(&s, typed, names[i], names[i]);
    return lr_suggest_write(&s, buf, cap);
}
