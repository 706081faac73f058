// SPDX-License-Identifier: Apache-2.0
#pragma once

// Isolation (DESIGN.md, "Isolation"): an in-process operation run in a
// helper child process, `weft-op`, instead of on a worker. The helper's
// side of the protocol lives in the engine, so the operation's code is the
// same in both modes; the README's "Isolation" section documents the pipe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft {

struct Semantics;
struct OperationType;

// Whether a node of this type may have "isolation": "process": it runs on
// a worker thread (and has a body to run elsewhere).
bool isolatable(const OperationType &type);

// The semantics of an isolated node of an in-process operation: a child
// process that holds no worker, cancellable by its process group whatever
// the operation does on a thread; reentrancy and what it touches unchanged.
Semantics isolatedSemantics(const Semantics &onThread);

// A node's "memory": bytes ("1048576"), or a number with a binary suffix
// K, M, G or T, optionally followed by "iB" or "B" ("512M", "64MiB", "2G").
// nullopt when malformed or zero.
std::optional<std::uint64_t> parseMemorySize(std::string_view text);

// "64 MiB", "1.5 GiB", "1000 bytes": how messages name a limit.
std::string formatMemorySize(std::uint64_t bytes);

// The helper's whole life: reads one request from stdin, runs the operation,
// writes its output, progress, outputs and error to stdout, and returns the
// exit status (0 succeeded, 1 the operation failed, 2 a bad request).
int runOperationHost();

} // namespace weft
