#include "wordstats.h"

#include <ctype.h>

void count_text(const char *data, size_t size, struct counts *out)
{
    size_t word = 0;
    out->lines = out->words = out->longest_word = 0;
    out->bytes = size;
    for (size_t i = 0; i < size; ++i) {
        const unsigned char c = (unsigned char)data[i];
        if (c == '\n')
            ++out->lines;
        if (isspace(c)) {
            if (word > out->longest_word)
                out->longest_word = word;
            word = 0;
        } else if (word++ == 0) {
            ++out->words;
        }
    }
    if (word > out->longest_word)
        out->longest_word = word;
}
