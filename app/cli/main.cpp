#include "weft/Version.h"

#include <cstdio>

int main()
{
    std::printf("weft-cli %s\n", weft::versionString().c_str());
    return 0;
}
