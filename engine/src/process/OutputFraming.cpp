// SPDX-License-Identifier: Apache-2.0
// A child's stdout and stderr: bounded reads per wakeup so one flooding
// child cannot starve the others, ::progress and ::output lines taken out of
// stdout, the tails kept for error reports, and the last drain after the exit.

#include "process/ReactorImpl.h"

#include "process/FileDescriptor.h"

#include <sys/epoll.h>

namespace weft {

using namespace reactor;

void ProcessReactor::Impl::readPipe(Process &process, OutputStream stream)
{
    readPipeInto(process, stream, m_buffer.get());
}

void ProcessReactor::Impl::readPipeInto(Process &process, OutputStream stream, char *buffer)
{
    int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd : process.child.stderrFd;
    for (int round = 0; round < kReadsPerWakeup && fd >= 0; ++round) {
        ssize_t n = ::read(fd, buffer, kReadBufferSize);
        if (n > 0) {
            deliver(process, stream, std::string_view(buffer, std::size_t(n)));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        closePipe(process, stream); // EOF, or an error that will not go away
    }
}

namespace {

struct FilterSink final : ProgressFilter::Sink
{
    ProcessCallbacks &callbacks;
    OutputTail &tail;
    std::vector<std::pair<std::string, std::string>> &outputs;
    FilterSink(ProcessCallbacks &c, OutputTail &t,
               std::vector<std::pair<std::string, std::string>> &o)
        : callbacks(c)
        , tail(t)
        , outputs(o)
    {}
    void output(std::string_view text) override
    {
        tail.append(text);
        if (callbacks.output)
            callbacks.output(OutputStream::Stdout, text);
    }
    void progress(double fraction, std::string_view message) override
    {
        if (callbacks.progress)
            callbacks.progress(fraction, message);
    }
    void outputValue(std::string_view name, std::string_view value) override
    {
        outputs.emplace_back(name, value);
    }
};

} // namespace

void ProcessReactor::Impl::deliver(Process &process, OutputStream stream, std::string_view data)
{
    if (!process.child.jobId.empty() && !process.jobStartedSent)
        updateJobStatus(process, true); // output: the job runs, whatever the last poll said
    if (stream == OutputStream::Stderr) {
        process.stderrTail.append(data);
        if (process.callbacks.output)
            process.callbacks.output(OutputStream::Stderr, data);
        return;
    }
    process.stdoutBytes += data.size();
    FilterSink sink(process.callbacks, process.stdoutTail, process.outputs);
    process.progress.feed(data, sink);
}

void ProcessReactor::Impl::closePipe(Process &process, OutputStream stream)
{
    int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd : process.child.stderrFd;
    if (fd < 0)
        return;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    closeFd(fd);
    if (stream == OutputStream::Stdout) {
        FilterSink sink(process.callbacks, process.stdoutTail, process.outputs);
        process.progress.finish(sink);
    }
}

void ProcessReactor::Impl::drainAndClose(Process &process)
{
    // Past the drain limit: take what is buffered now, then let go of a
    // pipe that something outside the group still holds open.
    for (OutputStream stream : {OutputStream::Stdout, OutputStream::Stderr}) {
        int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd
                                                 : process.child.stderrFd;
        for (int round = 0; round < 16 && fd >= 0; ++round) {
            ssize_t n = retryOnEintr([&] { return ::read(fd, m_buffer.get(), kReadBufferSize); });
            if (n <= 0)
                break;
            deliver(process, stream, std::string_view(m_buffer.get(), std::size_t(n)));
        }
        closePipe(process, stream);
    }
}

} // namespace weft
