// SPDX-License-Identifier: Apache-2.0
#pragma once

// Deciding whether a `command` needs a shell, as GNU make does: a command
// with no shell syntax is split on blanks and executed directly, because a
// /bin/sh in between doubles the processes per node and spawning is the
// cost that dominates process-heavy workflows. Anything the shell would
// interpret (quotes, backslashes, globs, pipes, redirections, lists,
// variables, command substitution, tilde, comments, grouping, newlines, a
// leading assignment such as FOO=1, or a builtin/keyword such as cd or if as
// the first word) keeps the command on /bin/sh -c, so the result is always
// what the shell would have done.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

// True when `command` must run through /bin/sh -c.
bool needsShell(std::string_view command);

// The argv of a command without shell syntax (split on blanks), or nullopt
// when it needs a shell. An empty or blank command gives an empty argv.
std::optional<std::vector<std::string>> splitSimpleCommand(std::string_view command);

// The first blank-separated word of a command line, for messages.
std::string firstWord(std::string_view command);

// argv as a person would type it: words with shell syntax or blanks quoted.
std::string displayCommandLine(const std::vector<std::string> &argv);

} // namespace weft
