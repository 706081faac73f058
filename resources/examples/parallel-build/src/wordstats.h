#ifndef WORDSTATS_H
#define WORDSTATS_H

#include <stddef.h>

struct counts {
    size_t lines;
    size_t words;
    size_t bytes;
    size_t longest_word;
};

int read_file(const char *path, char **data, size_t *size);
void count_text(const char *data, size_t size, struct counts *out);
double average_word_length(const char *data, size_t size);
void print_report(const char *path, const struct counts *counts, double average);

#endif
