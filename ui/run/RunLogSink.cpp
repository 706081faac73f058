// SPDX-License-Identifier: Apache-2.0
#include "run/RunLogSink.h"

#include <weft/Workflow.h>

#include <system_error>

namespace weft::ui {

RunLogSink::RunLogSink(std::filesystem::path directory)
    : m_directory(std::move(directory))
{}

RunLogSink::~RunLogSink()
{
    closeAll();
}

std::filesystem::path RunLogSink::logFile(const std::string &nodeId) const
{
    // Node ids match [A-Za-z_][A-Za-z0-9_.-]*: always a safe file name.
    return m_directory / (nodeId + ".log");
}

void RunLogSink::runStarted(const RunStarted &event)
{
    closeAll();
    std::error_code ec;
    std::filesystem::create_directories(m_directory, ec);
    m_ids.clear();
    if (event.workflow) {
        m_ids.reserve(event.workflow->nodes.size());
        for (const Node &node : event.workflow->nodes)
            m_ids.push_back(node.id);
    }
    m_files.assign(m_ids.size(), nullptr);
}

void RunLogSink::output(const OutputChunk &event)
{
    if (event.node >= m_files.size())
        return;
    if (event.instance >= 0) {
        const std::uint64_t key = (std::uint64_t(event.node) << 32) | std::uint32_t(event.instance);
        const std::lock_guard lock(m_instanceMutex);
        std::FILE *&file = m_instanceFiles[key];
        if (!file) {
            const std::string name = m_ids[event.node] + "[" + std::to_string(event.instance) + "]";
            file = std::fopen(logFile(name).c_str(), "ab");
            if (!file) {
                m_instanceFiles.erase(key);
                return;
            }
        }
        std::fwrite(event.text.data(), 1, event.text.size(), file);
        return;
    }
    std::FILE *&file = m_files[event.node];
    if (!file) {
        // Appending keeps the output of every attempt of a retried node.
        file = std::fopen(logFile(m_ids[event.node]).c_str(), "ab");
        if (!file)
            return;
    }
    std::fwrite(event.text.data(), 1, event.text.size(), file);
}

void RunLogSink::nodeFinished(const NodeFinished &event)
{
    if (event.instance >= 0) {
        const std::uint64_t key = (std::uint64_t(event.node) << 32) | std::uint32_t(event.instance);
        const std::lock_guard lock(m_instanceMutex);
        if (const auto it = m_instanceFiles.find(key); it != m_instanceFiles.end()) {
            std::fclose(it->second);
            m_instanceFiles.erase(it);
        }
        return;
    }
    if (event.node < m_files.size() && m_files[event.node]) {
        std::fclose(m_files[event.node]);
        m_files[event.node] = nullptr;
    }
}

void RunLogSink::runFinished(const RunFinished &)
{
    closeAll();
}

void RunLogSink::closeAll()
{
    {
        const std::lock_guard lock(m_instanceMutex);
        for (auto &[key, file] : m_instanceFiles)
            std::fclose(file);
        m_instanceFiles.clear();
    }
    for (std::FILE *&file : m_files) {
        if (file)
            std::fclose(file);
        file = nullptr;
    }
}

} // namespace weft::ui
