// SPDX-License-Identifier: Apache-2.0
#pragma once

// The isolation helper's protocol, both sides (README, "Isolation").
//
// In, on the helper's stdin: one JSON object
//   {"weft-op": 1, "type": "hash", "node": "digest", "params": {...},
//    "base": "/abs/dir", "memory": 67108864}
// ("memory" only with a limit). Out, on its stdout: the operation's own
// stdout text as it writes it, and lines of the progress protocol
// (process/ProgressProtocol.h):
//   ::progress PERCENT MESSAGE        a progress report
//   ::output NAME VALUE               an output value (a string)
//   ::output weft.list NAME           NAME is a list; its items follow as
//                                     ::output NAME ITEM lines (none: empty)
//   ::output weft.error MESSAGE       the operation failed with MESSAGE
// Its stderr is the operation's stderr. Exit status: 0 succeeded, 1 the
// operation failed (weft.error says why), 2 the request was bad (stderr
// says why); a signal is a crash, named by the reactor.

namespace weft::isolation {

inline constexpr int kProtocolVersion = 1;
inline constexpr const char *kErrorName = "weft.error";
inline constexpr const char *kListName = "weft.list";
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadRequest = 2;

} // namespace weft::isolation
