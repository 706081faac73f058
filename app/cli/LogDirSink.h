// SPDX-License-Identifier: Apache-2.0
#pragma once

// --log-dir: each node's stdout and stderr streamed into DIR/<id>.stdout and
// DIR/<id>.stderr as the output arrives, nothing kept in memory. The files of
// a node are created when it first runs and closed when it finishes; retries
// append to them.

#include "weft/Events.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace weft::cli {

class LogDirSink final : public EventSink {
public:
    explicit LogDirSink(std::filesystem::path directory);
    ~LogDirSink() override;

    void runStarted(const RunStarted &e) override;
    void nodeStateChanged(const NodeStateChanged &e) override;
    void output(const OutputChunk &e) override;
    void nodeFinished(const NodeFinished &e) override;
    void runFinished(const RunFinished &e) override;

    // The first problem writing the logs, or empty.
    std::string error() const;

private:
    void open(NodeIndex node);
    void close(NodeIndex node);
    void fail(const std::string &message);

    std::filesystem::path m_directory;
    std::vector<std::string> m_ids;
    // Two descriptors per node (stdout, stderr), -1 when closed. Events about
    // one node never run concurrently, so each pair needs no lock.
    std::vector<int> m_fds;
    mutable std::mutex m_errorMutex;
    std::string m_error;
};

} // namespace weft::cli
