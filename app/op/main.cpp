// SPDX-License-Identifier: Apache-2.0
// weft-op: runs one in-process operation of an isolated node ("isolation":
// "process") in its own process. Started by weft and weft-cli through their
// process launcher; reads its request on stdin (README, "Isolation").
// Links the engine only: no Qt, no oneTBB, so it starts in a millisecond.

#include "weft/Isolation.h"

int main()
{
    return weft::runOperationHost();
}
