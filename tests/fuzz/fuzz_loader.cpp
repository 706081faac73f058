// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the .weft loader: any bytes must give a workflow or
// diagnostics, never a crash, a hang, a leak or unbounded memory. A workflow
// that loads must also survive a save -> load round trip unchanged.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DWEFT_FUZZ=ON -DWEFT_BUILD_GUI=OFF
//   cmake --build build/fuzz --target fuzz_loader
//   build/fuzz/tests/fuzz_loader -dict=tests/fuzz/weft.dict tests/fuzz/corpus -max_total_time=900
#include "weft/WorkflowFile.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const weft::LoadResult result = weft::parseWorkflow(text);
    if (result.ok()) {
        const std::string saved = weft::serializeWorkflow(*result.workflow);
        const weft::LoadResult again = weft::parseWorkflow(saved);
        if (!again.ok() || !(*again.workflow == *result.workflow)
            || weft::serializeWorkflow(*again.workflow) != saved)
            std::abort(); // the round trip is a promise of the format
    } else if (result.diagnostics.empty()) {
        std::abort(); // a rejected file must say why
    }
    return 0;
}
