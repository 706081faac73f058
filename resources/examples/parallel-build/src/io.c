#include "wordstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int read_file(const char *path, char **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "wordstats: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t capacity = 4096, used = 0;
    char *buffer = malloc(capacity);
    size_t n;
    while (buffer && (n = fread(buffer + used, 1, capacity - used, f)) > 0) {
        used += n;
        if (used == capacity) {
            capacity *= 2;
            buffer = realloc(buffer, capacity);
        }
    }
    fclose(f);
    if (!buffer) {
        fprintf(stderr, "wordstats: out of memory\n");
        return -1;
    }
    *data = buffer;
    *size = used;
    return 0;
}
