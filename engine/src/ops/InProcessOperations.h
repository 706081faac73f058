// SPDX-License-Identifier: Apache-2.0
#pragma once

// The in-process built-in operations, run on TBB workers.

#include "weft/Operation.h"

namespace weft {

OperationResult runNoop(OperationContext &context);
OperationResult runCpu(OperationContext &context);
OperationResult runHash(OperationContext &context);
OperationResult runCopy(OperationContext &context);
OperationResult runWrite(OperationContext &context);

} // namespace weft
