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
    for (int fd : m_fds) {
        if (fd >= 0)
            ::close(fd);
    }
}

void LogDirSink::runStarted(const RunStarted &e)
{
    m_ids.clear();
    if (e.workflow) {
        for (const Node &node : e.workflow->nodes)
            m_ids.push_back(node.id);
    }
    m_fds.assign(m_ids.size() * 2, -1);
}

void LogDirSink::open(NodeIndex node)
{
    if (node >= m_ids.size() || m_fds[2 * node] >= 0)
        return;
    static const char *const suffixes[] = { ".stdout", ".stderr" };
    for (int stream = 0; stream < 2; ++stream) {
        const std::filesystem::path path = m_directory / (m_ids[node] + suffixes[stream]);
        // Close-on-exec: the run's children must not inherit log files.
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("cannot write " + path.string() + ": " + std::strerror(errno));
        m_fds[2 * node + stream] = fd;
    }
}

void LogDirSink::close(NodeIndex node)
{
    if (node >= m_ids.size())
        return;
    for (int stream = 0; stream < 2; ++stream) {
        int &fd = m_fds[2 * node + stream];
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
    if (e.state == NodeState::Running)
        open(e.node);
}

void LogDirSink::output(const OutputChunk &e)
{
    if (e.node >= m_ids.size())
        return;
    open(e.node);
    const int fd = m_fds[2 * e.node + (e.stream == OutputStream::Stdout ? 0 : 1)];
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
    close(e.node);
}

void LogDirSink::runFinished(const RunFinished &)
{
    for (NodeIndex node = 0; node < m_ids.size(); ++node)
        close(node);
}

std::string LogDirSink::error() const
{
    std::lock_guard lock(m_errorMutex);
    return m_error;
}

} // namespace weft::cli
