// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace weft::cli {

// A large workflow (a file argument of 4 MB or more: about 20,000 nodes)
// is hundreds of MB of small allocations, and on a VM each 4 KB page fault
// costs tens of microseconds: a 100,000-node no-op run spent a third of its
// CPU time faulting. glibc's malloc backs its heap with transparent huge
// pages when the tunable glibc.malloc.hugetlb=1 is set, which it reads only
// at start, so weft-cli re-executes itself once with it set, then gives its
// children the environment it was started with. Nothing happens for small
// files, when THP is off, when the user set the tunable themselves, or when
// WEFT_HUGE_PAGES=0.
void preferHugePagesForLargeFiles(int argc, char **argv);

} // namespace weft::cli
