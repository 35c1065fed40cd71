/*
 * json_lines.c: a checker for JSON-lines output, for the CLI tests (the
 * machine need not have jq or python). Reads standard input; every line
 * must be one JSON object (jansson parses it). Prints the string value of
 * KEY of each line, one a line, so a test can compare it.
 *
 * usage: json_lines KEY < FILE; exit 0 if every line parses, 1 if not.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: json_lines KEY < FILE\n");
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    long no = 0;
    while (getline(&line, &cap, stdin) >= 0) {
        no++;
        json_error_t e;
        json_t *v = json_loads(line, 0, &e);
        if (!json_is_object(v)) {
            fprintf(stderr, "line %ld: not a JSON object: %s (column %d)\n", no,
                    v ? "another value" : e.text, e.column);
            rc = 1;
        } else {
            const char *s = json_string_value(json_object_get(v, argv[1]));
            printf("%s\n", s ? s : "(none)");
        }
        json_decref(v);
    }
    free(line);
    if (no == 0) {
        fprintf(stderr, "no lines\n");
        rc = 1;
    }
    return rc;
}
