// SPDX-License-Identifier: Apache-2.0
#include "process/PosixProcessLauncher.h"

#include "process/FileDescriptor.h"


#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

// Spawning, and the platform behaviour it relies on:
// - posix_spawn in glibc is clone(CLONE_VM | CLONE_VFORK) + execve: no page
//   table copy, and it reports the child's exec errno as its own result, so
//   "command not found" needs no extra round trip.
// - Every descriptor we create is O_CLOEXEC, so a spawn on another thread
//   never inherits our pipe ends (which would hold a pipe open past EOF).
// - The read ends are O_NONBLOCK for the reactor; the write ends are not:
//   dup2 shares the open file description, and a child whose stdout is
//   non-blocking gets EAGAIN from its own writes.
// - Signal dispositions set to SIG_IGN survive exec (a parent ignoring
//   SIGPIPE would give every child an ignored SIGPIPE), and the signal mask
//   survives too; both are reset for the child.
// - POSIX_SPAWN_SETPGROUP with pgroup 0 makes the child leader of a new
//   group, so the whole tree it starts can be signalled at once as -pid.
// - A failing chdir file action also shows up as ENOENT/EACCES; only after a
//   failure do we look at the cwd to say which of the two was missing, so
//   the spawn path stays at one stat-free syscall sequence.

namespace weft {

namespace {

struct SpawnAttributes
{
    sigset_t emptyMask;
    sigset_t defaultSignals;

    SpawnAttributes()
    {
        sigemptyset(&emptyMask);
        sigfillset(&defaultSignals);
        sigdelset(&defaultSignals, SIGKILL);
        sigdelset(&defaultSignals, SIGSTOP);
    }
};

const SpawnAttributes &spawnAttributes()
{
    static const SpawnAttributes attributes;
    return attributes;
}

std::string errorText(int error)
{
    return std::strerror(error);
}

bool isExecutableFile(const std::string &path, int &error)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        error = errno == EACCES ? EACCES : ENOENT;
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error = EACCES;
        return false;
    }
    if (::access(path.c_str(), X_OK) != 0) {
        error = EACCES;
        return false;
    }
    return true;
}

std::string describeSpawnError(int error, const std::string &program, const ProcessCommand &spec)
{
    const std::string &cwdName = spec.cwdDisplay.empty() ? spec.cwd : spec.cwdDisplay;
    if (!spec.cwd.empty() && (error == ENOENT || error == EACCES || error == ENOTDIR)) {
        struct stat st;
        if (::stat(spec.cwd.c_str(), &st) != 0) {
            if (errno == EACCES)
                return "permission denied: " + cwdName;
            return "no such directory: " + cwdName;
        }
        if (!S_ISDIR(st.st_mode))
            return "not a directory: " + cwdName;
        if (::access(spec.cwd.c_str(), X_OK) != 0)
            return "permission denied: " + cwdName;
    }
    bool isPath = program.find('/') != std::string::npos;
    switch (error) {
    case ENOENT:
        return (isPath ? "no such file: " : "command not found: ") + program;
    case EACCES:
    case EISDIR:
        return "permission denied: " + program;
    case ENOEXEC:
        return "not an executable (no #! line?): " + program;
    case E2BIG:
        return "argument list too long: " + program;
    case ENOTDIR:
        return "no such file: " + program;
    default:
        return "cannot run " + program + ": " + errorText(error);
    }
}

// A memory file holding `data`, positioned at its start, for a child's
// stdin; -1 with `error` set when it cannot be made.
int stdinFile(const std::string &data, std::string &error)
{
    const int fd = int(::syscall(SYS_memfd_create, "weft-stdin", unsigned(MFD_CLOEXEC)));
    if (fd < 0) {
        error = "cannot create the child's stdin: " + errorText(errno);
        return -1;
    }
    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = "cannot write the child's stdin: " + errorText(errno);
            ::close(fd);
            return -1;
        }
        written += std::size_t(n);
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) {
        error = "cannot rewind the child's stdin: " + errorText(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

// Destroys a posix_spawn object on every exit path.
template<typename T, int (*Destroy)(T *)>
struct SpawnObject
{
    T object;
    bool initialized = false;
    ~SpawnObject()
    {
        if (initialized)
            Destroy(&object);
    }
};

} // namespace

PosixProcessLauncher::Resolution PosixProcessLauncher::resolve(const std::string &name,
                                                               const std::string &pathVariable,
                                                               const std::string &cwd) const
{
    // execvp's rules: an empty PATH entry is the current directory; a match
    // that is not executable is remembered (EACCES) but the search goes on.
    Resolution resolution;
    resolution.error = ENOENT;
    resolution.cacheable = true;
    std::size_t start = 0;
    std::string candidate;
    while (start <= pathVariable.size()) {
        std::size_t colon = pathVariable.find(':', start);
        if (colon == std::string::npos)
            colon = pathVariable.size();
        std::string_view dir(pathVariable.data() + start, colon - start);
        start = colon + 1;
        candidate.clear();
        if (dir.empty() || dir.front() != '/') {
            // Relative to the child's cwd: not the same answer for every node.
            resolution.cacheable = false;
            if (!cwd.empty()) {
                candidate = cwd;
                candidate += '/';
            }
        }
        if (!dir.empty()) {
            candidate += dir;
            candidate += '/';
        }
        candidate += name;
        int error = 0;
        if (isExecutableFile(candidate, error)) {
            resolution.path = candidate;
            return resolution;
        }
        if (error == EACCES)
            resolution.error = EACCES;
    }
    resolution.cacheable = false;
    return resolution;
}

LaunchResult PosixProcessLauncher::launch(const std::vector<std::string> &argv,
                                          const ProcessCommand &spec)
{
    LaunchResult result;
    if (argv.empty() || argv.front().empty()) {
        result.error = "empty command";
        return result;
    }
    const std::string &name = argv.front();
    const std::string &cwd = spec.cwd;

    // Environment: the inherited one unless spec.env adds to it.
    std::vector<std::string> envStorage;
    std::vector<char *> envp;
    char **environment = environ;
    if (!spec.env.empty()) {
        for (char **entry = environ; entry && *entry; ++entry) {
            const char *equals = std::strchr(*entry, '=');
            std::string key = equals ? std::string(*entry, std::size_t(equals - *entry))
                                     : std::string(*entry);
            if (spec.env.find(key) == spec.env.end())
                envp.push_back(*entry);
        }
        envStorage.reserve(spec.env.size());
        for (const auto &[key, value] : spec.env)
            envStorage.push_back(key + '=' + value);
        for (std::string &entry : envStorage)
            envp.push_back(entry.data());
        envp.push_back(nullptr);
        environment = envp.data();
    }

    // The program: argv[0] itself when it names a path, else a PATH lookup
    // done here rather than by posix_spawnp, so it is cached and a missing
    // command is reported without spawning anything.
    std::string program;
    if (name.find('/') != std::string::npos) {
        program = name;
    } else {
        auto envPath = spec.env.find("PATH");
        const bool inheritedPath = envPath == spec.env.end();
        std::string pathVariable;
        if (inheritedPath) {
            const char *value = ::getenv("PATH");
            pathVariable = value ? value : "/usr/local/bin:/usr/bin:/bin";
            std::shared_lock lock(m_cacheMutex);
            if (m_cachedPathVariable == pathVariable) {
                auto it = m_resolved.find(name);
                if (it != m_resolved.end())
                    program = it->second;
            }
        } else {
            pathVariable = envPath->second;
        }
        if (program.empty()) {
            Resolution resolution = resolve(name, pathVariable, cwd);
            if (resolution.path.empty()) {
                result.error = describeSpawnError(resolution.error, name, spec);
                return result;
            }
            program = resolution.path;
            if (inheritedPath && resolution.cacheable) {
                std::unique_lock lock(m_cacheMutex);
                if (m_cachedPathVariable != pathVariable) {
                    m_resolved.clear();
                    m_cachedPathVariable = pathVariable;
                }
                m_resolved.emplace(name, program);
            }
        }
    }

    std::vector<char *> args;
    args.reserve(argv.size() + 1);
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    int outPipe[2] = {-1, -1};
    int errPipe[2] = {-1, -1};
    int inFd = -1;
    auto closeAll = [&] {
        closeFd(inFd);
        closeFd(outPipe[0]);
        closeFd(outPipe[1]);
        closeFd(errPipe[0]);
        closeFd(errPipe[1]);
    };
    if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0) {
        result.error = "cannot create a pipe: " + errorText(errno);
        closeAll();
        return result;
    }
    if (::fcntl(outPipe[0], F_SETFL, O_NONBLOCK) != 0
        || ::fcntl(errPipe[0], F_SETFL, O_NONBLOCK) != 0) {
        result.error = "cannot set up a pipe: " + errorText(errno);
        closeAll();
        return result;
    }

    auto fail = [&](const char *what, int error) {
        result.error = std::string("cannot start ") + name + ": " + what + ": " + errorText(error);
        closeAll();
        return result;
    };

    SpawnObject<posix_spawn_file_actions_t, posix_spawn_file_actions_destroy> actions;
    if (int rc = posix_spawn_file_actions_init(&actions.object))
        return fail("posix_spawn_file_actions_init", rc);
    actions.initialized = true;
    if (spec.stdinData.empty()) {
        if (int rc = posix_spawn_file_actions_addopen(&actions.object, 0, "/dev/null", O_RDONLY, 0))
            return fail("posix_spawn_file_actions_addopen", rc);
    } else {
        // A memory file rather than a pipe: written whole before the spawn,
        // so no thread has to feed the child and no size blocks.
        inFd = stdinFile(spec.stdinData, result.error);
        if (inFd < 0) {
            closeAll();
            return result;
        }
        if (int rc = posix_spawn_file_actions_adddup2(&actions.object, inFd, 0))
            return fail("posix_spawn_file_actions_adddup2", rc);
    }
    if (int rc = posix_spawn_file_actions_adddup2(&actions.object, outPipe[1], 1))
        return fail("posix_spawn_file_actions_adddup2", rc);
    if (int rc = posix_spawn_file_actions_adddup2(&actions.object, errPipe[1], 2))
        return fail("posix_spawn_file_actions_adddup2", rc);
    if (!cwd.empty()) {
        if (int rc = posix_spawn_file_actions_addchdir_np(&actions.object, cwd.c_str()))
            return fail("posix_spawn_file_actions_addchdir_np", rc);
    }

    SpawnObject<posix_spawnattr_t, posix_spawnattr_destroy> attr;
    if (int rc = posix_spawnattr_init(&attr.object))
        return fail("posix_spawnattr_init", rc);
    attr.initialized = true;
    const SpawnAttributes &defaults = spawnAttributes();
    if (int rc = posix_spawnattr_setflags(&attr.object, POSIX_SPAWN_SETPGROUP
                                                            | POSIX_SPAWN_SETSIGMASK
                                                            | POSIX_SPAWN_SETSIGDEF))
        return fail("posix_spawnattr_setflags", rc);
    if (int rc = posix_spawnattr_setpgroup(&attr.object, 0))
        return fail("posix_spawnattr_setpgroup", rc);
    if (int rc = posix_spawnattr_setsigmask(&attr.object, &defaults.emptyMask))
        return fail("posix_spawnattr_setsigmask", rc);
    if (int rc = posix_spawnattr_setsigdefault(&attr.object, &defaults.defaultSignals))
        return fail("posix_spawnattr_setsigdefault", rc);

    pid_t pid = 0;
    int rc = posix_spawn(&pid, program.c_str(), &actions.object, &attr.object, args.data(),
                         environment);
    if (rc == ENOEXEC) {
        // execvp's rule, which make and the shell follow: an executable file
        // without a #! line is a shell script.
        std::vector<char *> shellArgs;
        shellArgs.reserve(args.size() + 1);
        shellArgs.push_back(const_cast<char *>("/bin/sh"));
        shellArgs.push_back(program.data());
        shellArgs.insert(shellArgs.end(), args.begin() + 1, args.end());
        rc = posix_spawn(&pid, "/bin/sh", &actions.object, &attr.object, shellArgs.data(),
                         environment);
    }
    closeFd(outPipe[1]);
    closeFd(errPipe[1]);
    closeFd(inFd);
    if (rc == ENOENT && name.find('/') == std::string::npos) {
        // A cached path went away (a tool uninstalled mid-run): the next
        // spawn of this name searches PATH again.
        std::unique_lock lock(m_cacheMutex);
        m_resolved.erase(name);
    }
    if (rc != 0) {
        result.error = describeSpawnError(rc, name, spec);
        closeAll();
        return result;
    }

    result.process.pid = pid;
    result.process.pgid = pid;
    result.process.stdoutFd = outPipe[0];
    result.process.stderrFd = errPipe[0];
    // The child is ours and unreaped, so its pid cannot have been reused yet.
    // pidfd_open sets O_CLOEXEC itself. Without it (old kernel) the reactor
    // falls back to polling waitpid.
    result.process.pidfd = int(retryOnEintr([pid] { return ::syscall(SYS_pidfd_open, pid, 0); }));
    if (result.process.pidfd < 0)
        result.process.pidfd = -1;
    return result;
}

} // namespace weft
