/* fuzz_file.h: the loaders read files, so targets write the input to one. */
#ifndef LR_FUZZ_FILE_H
#define LR_FUZZ_FILE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/llmroof-fuzz-%ld.bin", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}
#endif
