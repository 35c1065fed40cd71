/*
 * llm_replay.c: a tiny HTTP server for the analyzer's tests. It listens on
 * 127.0.0.1 (an ephemeral port, printed to the port file), and answers each
 * request with the next recorded reply: files REPLY... given as arguments,
 * each "STATUS DELAY_MS\n" then the body. Request bodies are appended to
 * the log file, so tests can check what the analyzer sent.
 *   llm_replay PORTFILE LOGFILE REPLY...
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Reads a request: headers, then Content-Length bytes of body. */
static char *
read_request(int fd, size_t *blen)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    char *body = NULL;
    size_t want = 0;
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        char *cl = strstr(buf, "Content-Length:");
        if (!cl)
            cl = strstr(buf, "content-length:");
        want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        body = end + 4;
        if ((size_t)(buf + n - body) >= want)
            break;
    }
    *blen = body ? (size_t)(buf + n - body) : 0;
    if (body)
        memmove(buf, body, *blen);
    buf[*blen] = '\0';
    return buf;
}

int
main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: llm_replay PORTFILE LOGFILE REPLY...\n");
        return 1;
    }
    alarm(30); /* a test that never connects must not hang the suite */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) < 0) {
        perror("llm_replay");
        return 1;
    }
    FILE *pf = fopen(argv[1], "w");
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    for (int i = 3; i < argc; i++) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            return 1;
        size_t blen;
        char *req = read_request(c, &blen);
        FILE *log = fopen(argv[2], "a");
        fprintf(log, "%s\n----\n", req);
        fclose(log);
        free(req);
        FILE *rf = fopen(argv[i], "r");
        int status = 200, delay = 0;
        if (!rf || fscanf(rf, "%d %d\n", &status, &delay) != 2)
            return 1;
        char body[65536];
        size_t bl = fread(body, 1, sizeof body, rf);
        fclose(rf);
        struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          status, bl);
        if (write(c, head, (size_t)hl) < 0 || write(c, body, bl) < 0)
            perror("llm_replay write");
        close(c);
    }
    close(s);
    return 0;
}
