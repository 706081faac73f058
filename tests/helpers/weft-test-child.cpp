// SPDX-License-Identifier: Apache-2.0
// The one purpose-built child program for process tests. Each flag is an
// action, run in order, so a test composes exactly the behaviour it needs:
//   weft-test-child --stdout TEXT --stderr TEXT --sleep 0.5 --exit 3
// Actions:
//   --stdout TEXT / --stderr TEXT   write TEXT and a newline
//   --flood BYTES                   write BYTES of 'x' lines to stdout
//   --sleep SECONDS                 sleep
//   --exit N                        exit with status N now
//   --signal NAME                   raise a signal (KILL, SEGV, ABRT, TERM)
//   --ignore-term                   ignore SIGTERM from now on
//   --spawn-grandchild SECONDS      fork a grandchild that sleeps SECONDS (same process group)
//   --pidfile PATH                  append own pid (and grandchildren's) to PATH
//   --close-stdout                  close stdout
//   --progress PERCENT MESSAGE      write a progress protocol line ("::progress PERCENT MESSAGE")
//   --stdout-nonl TEXT              write TEXT without a newline (a line split across writes)
//   --flood-stderr BYTES            write BYTES of 'x' lines to stderr
//   --env NAME                      write NAME=VALUE, or NAME unset
//   --pwd                           write the working directory
//   --ppid                          write the parent's pid ("ppid N")
//   --hygiene                       write how it was spawned: SIGPIPE disposition, blocked
//                                   signals, process group leadership, what stdin gives
//   --spawn-daemon SECONDS          fork a grandchild that leaves the group (setsid) and sleeps
//                                   SECONDS, keeping the pipes open
//   --count-attempts FILE N         append a line to FILE; exit 1 unless FILE now has >= N lines
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

void writeAll(int fd, const std::string &text)
{
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        done += size_t(n);
    }
}

void flood(int fd, long long bytes)
{
    std::string line(1023, 'x');
    line += '\n';
    std::string block;
    for (int k = 0; k < 64; ++k)
        block += line;
    while (bytes > 0) {
        size_t n = size_t(std::min<long long>(bytes, (long long)block.size()));
        writeAll(fd, n == block.size() ? block : block.substr(0, n));
        bytes -= (long long)n;
    }
}

void sleepSeconds(double seconds)
{
    struct timespec ts;
    ts.tv_sec = time_t(seconds);
    ts.tv_nsec = long((seconds - double(ts.tv_sec)) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int signalByName(const std::string &name)
{
    if (name == "KILL")
        return SIGKILL;
    if (name == "SEGV")
        return SIGSEGV;
    if (name == "ABRT")
        return SIGABRT;
    if (name == "TERM")
        return SIGTERM;
    if (name == "INT")
        return SIGINT;
    return SIGKILL;
}

} // namespace

int main(int argc, char **argv)
{
    std::string pidfile;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "weft-test-child: %s needs a value\n", a.c_str());
                std::exit(64);
            }
            return argv[++i];
        };
        if (a == "--stdout") {
            writeAll(1, next() + "\n");
        } else if (a == "--stderr") {
            writeAll(2, next() + "\n");
        } else if (a == "--flood") {
            flood(1, std::atoll(next().c_str()));
        } else if (a == "--flood-stderr") {
            flood(2, std::atoll(next().c_str()));
        } else if (a == "--stdout-nonl") {
            writeAll(1, next());
        } else if (a == "--env") {
            std::string name = next();
            const char *value = std::getenv(name.c_str());
            writeAll(1, value ? name + "=" + value + "\n" : name + " unset\n");
        } else if (a == "--pwd") {
            char buffer[4096];
            writeAll(1, std::string(getcwd(buffer, sizeof buffer) ? buffer : "?") + "\n");
        } else if (a == "--ppid") {
            writeAll(1, "ppid " + std::to_string(getppid()) + "\n");
        } else if (a == "--hygiene") {
            struct sigaction action;
            sigaction(SIGPIPE, nullptr, &action);
            sigset_t blocked;
            sigprocmask(SIG_SETMASK, nullptr, &blocked);
            int blockedCount = 0;
            for (int sig = 1; sig < NSIG; ++sig)
                blockedCount += sigismember(&blocked, sig) == 1;
            char byte;
            ssize_t n = read(0, &byte, 1);
            int flags = fcntl(1, F_GETFL);
            writeAll(1, std::string("sigpipe ")
                            + (action.sa_handler == SIG_DFL ? "default" : "not-default")
                            + "\nblocked " + std::to_string(blockedCount) + "\nleader "
                            + (getpgrp() == getpid() ? "yes" : "no") + "\nstdin "
                            + (n == 0 ? "eof" : "data") + "\nstdout "
                            + ((flags & O_NONBLOCK) ? "nonblocking" : "blocking") + "\n");
        } else if (a == "--spawn-daemon") {
            double seconds = std::atof(next().c_str());
            pid_t pid = fork();
            if (pid == 0) {
                setsid();
                sleepSeconds(seconds);
                _exit(0);
            }
            if (!pidfile.empty()) {
                std::ofstream(pidfile, std::ios::app) << pid << "\n";
            }
        } else if (a == "--sleep") {
            sleepSeconds(std::atof(next().c_str()));
        } else if (a == "--exit") {
            return std::atoi(next().c_str());
        } else if (a == "--signal") {
            int sig = signalByName(next());
            std::signal(sig, SIG_DFL);
            std::raise(sig);
        } else if (a == "--ignore-term") {
            std::signal(SIGTERM, SIG_IGN);
        } else if (a == "--spawn-grandchild") {
            double seconds = std::atof(next().c_str());
            pid_t pid = fork();
            if (pid == 0) {
                // Keep the inherited pipes open, as a careless daemon would.
                sleepSeconds(seconds);
                _exit(0);
            }
            if (!pidfile.empty()) {
                std::ofstream(pidfile, std::ios::app) << pid << "\n";
            }
        } else if (a == "--pidfile") {
            pidfile = next();
            std::ofstream(pidfile, std::ios::app) << getpid() << "\n";
        } else if (a == "--close-stdout") {
            ::close(1);
        } else if (a == "--progress") {
            std::string fraction = next();
            std::string message = next();
            writeAll(1, "::progress " + fraction + " " + message + "\n");
        } else if (a == "--count-attempts") {
            std::string file = next();
            int needed = std::atoi(next().c_str());
            { std::ofstream(file, std::ios::app) << "attempt\n"; }
            std::ifstream in(file);
            int lines = 0;
            std::string line;
            while (std::getline(in, line))
                ++lines;
            if (lines < needed) {
                writeAll(2, "attempt " + std::to_string(lines) + " fails\n");
                return 1;
            }
        } else {
            std::fprintf(stderr, "weft-test-child: unknown action %s\n", a.c_str());
            return 64;
        }
    }
    return 0;
}
