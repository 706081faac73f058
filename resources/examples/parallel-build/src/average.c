#include "wordstats.h"

#include <ctype.h>

double average_word_length(const char *data, size_t size)
{
    size_t letters = 0, words = 0, word = 0;
    for (size_t i = 0; i < size; ++i) {
        if (isspace((unsigned char)data[i])) {
            words += word > 0;
            word = 0;
        } else {
            ++letters;
            ++word;
        }
    }
    words += word > 0;
    return words ? (double)letters / (double)words : 0.0;
}
