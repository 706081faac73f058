#include "wordstats.h"

#include <stdio.h>

void print_report(const char *path, const struct counts *counts, double average)
{
    printf("%s: %zu lines, %zu words, %zu bytes, longest word %zu, average word %.2f\n", path,
           counts->lines, counts->words, counts->bytes, counts->longest_word, average);
}
