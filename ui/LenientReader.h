// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reads .weft text that the strict loader refuses for semantic reasons (a
// missing parameter, a need pointing outside the text), for the two places
// where refusing would lose the user's work: pasting a selection of a
// half-finished workflow, and recovering an autosave snapshot. Syntax errors
// and non-object nodes are still refused. Files opened by the user always go
// through weft::loadWorkflowFile and its diagnostics.

#include <weft/Workflow.h>

#include <optional>
#include <string>
#include <string_view>

namespace weft::ui {

std::optional<Workflow> readWorkflowLeniently(std::string_view text, std::string *error = nullptr);

} // namespace weft::ui
