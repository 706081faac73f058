#include "wordstats.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        char *data = NULL;
        size_t size = 0;
        if (read_file(argv[i], &data, &size) != 0)
            return 1;
        struct counts counts;
        count_text(data, size, &counts);
        print_report(argv[i], &counts, average_word_length(data, size));
        free(data);
    }
    return 0;
}
