// SPDX-License-Identifier: Apache-2.0
#pragma once

// Writes every byte each node prints to "<directory>/<node id>.log", stdout
// and stderr interleaved in arrival order. It is the UI's second sink beside
// the EventQueue: the queue bounds what the window keeps, this keeps all of
// it, on the engine's threads, so a node printing megabytes costs the GUI
// thread nothing.
//
// Thread-safety follows the EventSink contract: calls about one node are
// never concurrent, so each node owns one FILE slot and no lock is taken;
// the slot table is sized in runStarted, before any node event. A fan-out
// instance writes "<node id>[INDEX].log"; instances of one node may run at
// once, so their files sit in a table behind a mutex, open only while the
// instance prints.

#include <weft/Events.h>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <filesystem>
#include <string>
#include <vector>

namespace weft::ui {

class RunLogSink final : public EventSink
{
public:
    explicit RunLogSink(std::filesystem::path directory);
    ~RunLogSink() override;
    RunLogSink(const RunLogSink &) = delete;
    RunLogSink &operator=(const RunLogSink &) = delete;

    const std::filesystem::path &directory() const { return m_directory; }
    // The file for a node id, or an instance's name ("compile[3]"); it
    // exists once the node printed something.
    std::filesystem::path logFile(const std::string &nodeId) const;

    void runStarted(const RunStarted &event) override;
    void output(const OutputChunk &event) override;
    void nodeFinished(const NodeFinished &event) override;
    void runFinished(const RunFinished &event) override;

private:
    void closeAll();

    std::filesystem::path m_directory;
    std::vector<std::string> m_ids;
    std::vector<std::FILE *> m_files;
    std::mutex m_instanceMutex;
    std::unordered_map<std::uint64_t, std::FILE *> m_instanceFiles; // (node << 32 | instance)
};

} // namespace weft::ui
