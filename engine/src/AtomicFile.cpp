// SPDX-License-Identifier: Apache-2.0
// Atomic replacement of a file: write a temporary file in the same directory,
// fsync it, rename() it over the target, fsync the directory. rename() within
// one file system is atomic on POSIX, so a reader (or a crash at any point)
// sees either the old file whole or the new file whole, never a mix or a
// truncated file. The temporary is removed when anything fails.
//
// A symbolic link is followed, and the file it names is replaced: replacing
// the link itself would silently turn a linked file (dotfiles, shared
// configuration) into a private copy.

#include "weft/WorkflowFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weft {

namespace fs = std::filesystem;

namespace {

std::string systemError(const std::string &what, const fs::path &path)
{
    return "cannot " + what + " " + path.string() + ": " + std::strerror(errno);
}

bool writeAll(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data.remove_prefix(std::size_t(n));
    }
    return true;
}

// The file a path finally names, following symbolic links (a bounded number
// of them, so a loop of links ends in an error from rename rather than here).
fs::path followLinks(fs::path path)
{
    for (int hops = 0; hops < 40; ++hops) {
        std::error_code error;
        if (!fs::is_symlink(fs::symlink_status(path, error)))
            break;
        const fs::path target = fs::read_symlink(path, error);
        if (error)
            break;
        path = target.is_absolute() ? target : path.parent_path() / target;
    }
    return path;
}

} // namespace

SaveResult writeFileAtomically(const fs::path &requested, std::string_view contents)
{
    const fs::path path = followLinks(requested);
    const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::string templ = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
    // O_CLOEXEC: the executor spawns processes from other threads, and none of
    // them may inherit (and keep open) a half-written temporary.
    const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
    if (fd < 0)
        return {false, systemError("create a temporary file in", directory)};
    const fs::path temporary = templ;

    auto fail = [&](const std::string &message) {
        const int savedErrno = errno;
        ::close(fd);
        ::unlink(temporary.c_str());
        errno = savedErrno;
        return SaveResult{false, message};
    };

    // Keep the permissions of the file being replaced; new files get 0666 & ~umask,
    // as any editor's save would.
    struct stat existing{};
    mode_t mode;
    if (::stat(path.c_str(), &existing) == 0) {
        mode = existing.st_mode & 07777;
    } else {
        const mode_t mask = ::umask(0);
        ::umask(mask);
        mode = 0666 & ~mask;
    }
    if (::fchmod(fd, mode) != 0)
        return fail(systemError("set permissions of", temporary));
    if (!writeAll(fd, contents))
        return fail(systemError("write", path));
    if (::fsync(fd) != 0)
        return fail(systemError("flush", path));
    if (::close(fd) != 0) {
        ::unlink(temporary.c_str());
        return {false, systemError("write", path)};
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string message = systemError("replace", path);
        ::unlink(temporary.c_str());
        return {false, message};
    }
    const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd); // best effort: makes the rename itself durable
        ::close(dirFd);
    }
    return {};
}

} // namespace weft
