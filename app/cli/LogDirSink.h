// SPDX-License-Identifier: Apache-2.0
#pragma once

// --log-dir: each node's stdout and stderr streamed into DIR/<id>.stdout and
// DIR/<id>.stderr as the output arrives, nothing kept in memory; a fan-out
// instance's into DIR/<id>[<index>].stdout and .stderr. The files of
// a node are created when it first runs and closed when it finishes; retries
// append to them.

#include "weft/Events.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
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
    struct Files
    {
        int fd[2] = {-1, -1}; // stdout, stderr; -1 when closed
    };
    Files *files(NodeIndex node, int instance);
    void open(NodeIndex node, int instance);
    void close(NodeIndex node, int instance);
    void fail(const std::string &message);

    std::filesystem::path m_directory;
    std::vector<std::string> m_ids;
    std::vector<bool> m_fanOut; // per node: a foreach node, whose instances have the logs
    // Events about one node (or one instance) never run concurrently, so
    // each pair needs no lock once found; only the instances' map does,
    // since instances of one node come and go on many threads.
    std::vector<Files> m_nodeFiles;
    std::mutex m_instancesMutex;
    std::unordered_map<std::uint64_t, Files> m_instanceFiles;
    mutable std::mutex m_errorMutex;
    std::string m_error;
};

} // namespace weft::cli
