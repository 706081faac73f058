// SPDX-License-Identifier: Apache-2.0
#include "LogDirSink.h"

#include "weft/Workflow.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace weft::cli {

LogDirSink::LogDirSink(std::filesystem::path directory)
    : m_directory(std::move(directory))
{
}

LogDirSink::~LogDirSink()
{
    auto closeAll = [](Files &f) {
        for (int fd : f.fd) {
            if (fd >= 0)
                ::close(fd);
        }
    };
    for (Files &f : m_nodeFiles)
        closeAll(f);
    for (auto &[key, f] : m_instanceFiles)
        closeAll(f);
}

void LogDirSink::runStarted(const RunStarted &e)
{
    m_ids.clear();
    m_fanOut.clear();
    if (e.workflow) {
        for (const Node &node : e.workflow->nodes) {
            m_ids.push_back(node.id);
            m_fanOut.push_back(node.foreach.has_value());
        }
    }
    m_nodeFiles.assign(m_ids.size(), Files{});
}

LogDirSink::Files *LogDirSink::files(NodeIndex node, int instance)
{
    if (node >= m_ids.size())
        return nullptr;
    if (instance == kNoInstance)
        return &m_nodeFiles[node];
    std::lock_guard lock(m_instancesMutex);
    // Elements of an unordered_map stay where they are as it grows.
    return &m_instanceFiles[(std::uint64_t(std::uint32_t(instance)) << 32) | node];
}

void LogDirSink::open(NodeIndex node, int instance)
{
    Files *f = files(node, instance);
    if (!f || f->fd[0] >= 0)
        return;
    const std::string name = instance == kNoInstance
                                 ? m_ids[node]
                                 : m_ids[node] + "[" + std::to_string(instance) + "]";
    static const char *const suffixes[] = { ".stdout", ".stderr" };
    for (int stream = 0; stream < 2; ++stream) {
        const std::filesystem::path path = m_directory / (name + suffixes[stream]);
        // Close-on-exec: the run's children must not inherit log files.
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("cannot write " + path.string() + ": " + std::strerror(errno));
        f->fd[stream] = fd;
    }
}

void LogDirSink::close(NodeIndex node, int instance)
{
    Files *f = files(node, instance);
    if (!f)
        return;
    for (int &fd : f->fd) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void LogDirSink::fail(const std::string &message)
{
    std::lock_guard lock(m_errorMutex);
    if (m_error.empty())
        m_error = message;
}

void LogDirSink::nodeStateChanged(const NodeStateChanged &e)
{
    // A fan-out node itself writes nothing: its instances have the logs.
    const bool aggregate = e.instance == kNoInstance && e.node < m_fanOut.size() && m_fanOut[e.node];
    if (e.state == NodeState::Running && !aggregate)
        open(e.node, e.instance);
}

void LogDirSink::output(const OutputChunk &e)
{
    if (e.node >= m_ids.size())
        return;
    open(e.node, e.instance);
    Files *f = files(e.node, e.instance);
    const int fd = f ? f->fd[e.stream == OutputStream::Stdout ? 0 : 1] : -1;
    if (fd < 0)
        return;
    std::string_view text = e.text;
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("cannot write the log of " + m_ids[e.node] + ": " + std::strerror(errno));
            return;
        }
        text.remove_prefix(std::size_t(n));
    }
}

void LogDirSink::nodeFinished(const NodeFinished &e)
{
    close(e.node, e.instance);
}

void LogDirSink::runFinished(const RunFinished &)
{
    for (NodeIndex node = 0; node < m_ids.size(); ++node)
        close(node, kNoInstance);
    std::lock_guard lock(m_instancesMutex);
    for (auto &[key, f] : m_instanceFiles) {
        for (int &fd : f.fd) {
            if (fd >= 0)
                ::close(fd);
            fd = -1;
        }
    }
    m_instanceFiles.clear();
}

std::string LogDirSink::error() const
{
    std::lock_guard lock(m_errorMutex);
    return m_error;
}

} // namespace weft::cli
