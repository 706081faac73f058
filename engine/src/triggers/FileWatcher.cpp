// SPDX-License-Identifier: Apache-2.0
#include "triggers/FileWatcher.h"

#include <fnmatch.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace weft {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE
                                | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR
                                | IN_EXCL_UNLINK;

bool hasGlob(std::string_view s)
{
    return s.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string_view> segments(std::string_view path)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start)
            out.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return out;
}

bool matchSegments(const std::vector<std::string_view> &pat, std::size_t p,
                   const std::vector<std::string_view> &path, std::size_t q)
{
    while (p < pat.size()) {
        if (pat[p] == "**") {
            for (std::size_t skip = q; skip <= path.size(); ++skip) {
                if (matchSegments(pat, p + 1, path, skip))
                    return true;
            }
            return false;
        }
        if (q >= path.size())
            return false;
        const std::string segment(pat[p]);
        const std::string name(path[q]);
        if (::fnmatch(segment.c_str(), name.c_str(), FNM_PERIOD) != 0)
            return false;
        ++p;
        ++q;
    }
    return q == path.size();
}

bool under(const std::string &path, const std::string &dir)
{
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0
           && (dir == "/" || path[dir.size()] == '/');
}

int levelsBelow(const std::string &path, const std::string &dir)
{
    if (path == dir)
        return 0;
    return int(std::count(path.begin() + std::ptrdiff_t(dir.size()) + 1, path.end(), '/')) + 1;
}

std::chrono::steady_clock::duration seconds(double s)
{
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::max(0.0, s)));
}

} // namespace

bool FileWatcher::matches(const std::string &pattern, const std::string &path)
{
    std::vector<std::string_view> pat = segments(pattern);
    // A directory (`src/`) matches what is under it.
    if (!pattern.empty() && pattern.back() == '/')
        pat.push_back("**");
    return matchSegments(pat, 0, segments(path), 0);
}

FileWatcher::FileWatcher()
{
    m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_inotify < 0)
        m_error = std::string("cannot watch files (inotify): ") + std::strerror(errno);
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m_thread = std::thread([this] { run(); });
}

FileWatcher::~FileWatcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    wake();
    m_thread.join();
    if (m_inotify >= 0)
        ::close(m_inotify); // drops every watch
    if (m_wake >= 0)
        ::close(m_wake);
}

void FileWatcher::wake()
{
    const std::uint64_t one = 1;
    if (m_wake >= 0)
        (void)!::write(m_wake, &one, sizeof one);
}

std::string FileWatcher::error() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

std::size_t FileWatcher::watchedDirectories() const
{
    std::lock_guard lock(m_mutex);
    return m_dirs.size();
}

FileWatcher::Id FileWatcher::watch(std::vector<std::string> patterns, double debounce, Changed fired,
                                   std::vector<std::string> exclude, double maxWait)
{
    Subscription sub;
    for (std::string &text : patterns) {
        text = fs::path(text).lexically_normal().string();
        if (!hasGlob(text)) {
            std::error_code ec;
            if (fs::is_directory(text, ec) && text.back() != '/')
                text += '/';
        }
        Pattern p;
        const std::vector<std::string_view> segs = segments(text);
        std::string root = "/";
        std::size_t k = 0;
        // The last segment is a name, not a directory, unless the pattern is one.
        const std::size_t dirSegments = text.back() == '/' ? segs.size() : segs.empty() ? 0 : segs.size() - 1;
        for (; k < dirSegments && !hasGlob(segs[k]); ++k)
            root = (fs::path(root) / std::string(segs[k])).string();
        p.root = root;
        bool any = text.back() == '/';
        for (std::size_t r = k; r < segs.size(); ++r)
            any = any || segs[r] == "**";
        // Directories below root that a match can be in.
        p.depth = any ? -1 : int(segs.size() - k) - 1;
        p.text = std::move(text);
        sub.patterns.push_back(std::move(p));
    }
    for (std::string &e : exclude)
        sub.exclude.push_back(fs::path(e).lexically_normal().string());
    sub.debounce = std::max(0.0, debounce);
    sub.maxWait = std::max(maxWait, sub.debounce);
    sub.fired = std::move(fired);

    std::lock_guard lock(m_mutex);
    const Id id = ++m_next;
    std::vector<std::string> roots;
    for (const Pattern &p : sub.patterns)
        roots.push_back(p.root);
    m_subs.emplace(id, std::move(sub));
    for (const std::string &root : roots) {
        // The root, or its nearest existing ancestor (watched for the rest
        // of the way to appear), and every wanted directory below.
        fs::path dir = root;
        std::error_code ec;
        while (!fs::is_directory(dir, ec) && dir.has_parent_path() && dir != dir.parent_path())
            dir = dir.parent_path();
        addTree(dir.string(), false);
    }
    return id;
}

FileWatcher::Id FileWatcher::after(double secs, std::function<void()> fired)
{
    std::lock_guard lock(m_mutex);
    const Id id = ++m_next;
    m_timers.emplace(id, Timer{std::chrono::steady_clock::now() + seconds(secs), std::move(fired)});
    wake();
    return id;
}

void FileWatcher::remove(Id id)
{
    std::unique_lock lock(m_mutex);
    m_subs.erase(id);
    m_timers.erase(id);
    if (std::this_thread::get_id() != m_thread.get_id())
        m_idle.wait(lock, [&] { return m_firing != id; });
    // Directories nobody wants any more stay watched until the watcher ends:
    // a session watches the same set round after round.
}

// A directory is watched when a pattern can match something in it, or it is
// on the way to a pattern's root that does not exist yet.
bool FileWatcher::wanted(const std::string &dir) const
{
    for (const auto &[id, sub] : m_subs) {
        for (const Pattern &p : sub.patterns) {
            if (dir == p.root || under(p.root, dir))
                return true;
            if (under(dir, p.root) && (p.depth < 0 || levelsBelow(dir, p.root) <= p.depth))
                return true;
        }
    }
    return false;
}

void FileWatcher::addDirectory(const std::string &dir)
{
    if (m_inotify < 0 || m_wds.count(dir))
        return;
    const int wd = ::inotify_add_watch(m_inotify, dir.c_str(), kMask);
    if (wd < 0)
        return; // gone again, or not readable: nothing in it can be seen
    m_dirs[wd] = dir;
    m_wds[dir] = wd;
}

// Watches `dir` and what is wanted below it. `reportFiles`: the directory is
// new, so what is already in it appeared after the start and is a change.
void FileWatcher::addTree(const std::string &dir, bool reportFiles)
{
    addDirectory(dir);
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string path = it->path().string();
        std::error_code typeError;
        if (it->is_directory(typeError) && !it->is_symlink(typeError)) {
            if (wanted(path))
                addTree(path, reportFiles);
        } else if (reportFiles) {
            changed(path);
        }
    }
}

void FileWatcher::changed(const std::string &path)
{
    const auto now = std::chrono::steady_clock::now();
    for (auto &[id, sub] : m_subs) {
        bool hit = false;
        for (const Pattern &p : sub.patterns)
            hit = hit || matches(p.text, path);
        for (const std::string &e : sub.exclude)
            hit = hit && !matches(e, path);
        if (!hit)
            continue;
        if (sub.pending.empty())
            sub.first = now;
        sub.last = now;
        sub.pending.insert(path);
    }
}

void FileWatcher::readEvents(std::unique_lock<std::mutex> &)
{
    alignas(inotify_event) char buffer[64 * 1024];
    while (true) {
        const ssize_t n = ::read(m_inotify, buffer, sizeof buffer);
        if (n <= 0)
            return;
        for (ssize_t offset = 0; offset < n;) {
            const auto *event = reinterpret_cast<const inotify_event *>(buffer + offset);
            offset += ssize_t(sizeof(inotify_event) + event->len);
            if (event->mask & IN_Q_OVERFLOW) {
                // Too many at once to know which: every watched file may have
                // changed. Rescan what the patterns can see.
                std::vector<std::string> dirs;
                for (const auto &[wd, dir] : m_dirs)
                    dirs.push_back(dir);
                for (const std::string &dir : dirs) {
                    std::error_code ec;
                    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
                        changed(it->path().string());
                }
                continue;
            }
            const auto found = m_dirs.find(event->wd);
            if (found == m_dirs.end())
                continue;
            if (event->mask & IN_IGNORED) {
                m_wds.erase(found->second);
                m_dirs.erase(found);
                continue;
            }
            if (event->len == 0)
                continue; // about the directory itself: its entries' events say what changed
            const std::string dir = found->second;
            const std::string path = (fs::path(dir) / event->name).string();
            if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) {
                if (wanted(path))
                    addTree(path, true);
                continue;
            }
            if (event->mask & IN_ISDIR)
                continue;
            changed(path);
        }
    }
}

void FileWatcher::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        // Due callbacks first: debounced batches and timers.
        const auto now = std::chrono::steady_clock::now();
        auto next = std::chrono::steady_clock::time_point::max();
        Id dueId = 0;
        std::function<void()> dueTimer;
        Changed dueChanged;
        std::vector<std::string> dueList;
        for (auto &[id, sub] : m_subs) {
            if (sub.pending.empty())
                continue;
            const auto due = std::min(sub.last + seconds(sub.debounce), sub.first + seconds(sub.maxWait));
            if (due <= now && dueId == 0) {
                dueId = id;
                dueChanged = sub.fired;
                dueList.assign(sub.pending.begin(), sub.pending.end());
                sub.pending.clear();
            } else if (due > now) {
                next = std::min(next, due);
            }
        }
        for (auto it = m_timers.begin(); dueId == 0 && it != m_timers.end(); ++it) {
            if (it->second.due <= now) {
                dueId = it->first;
                dueTimer = std::move(it->second.fired);
                m_timers.erase(it);
                break;
            }
        }
        for (const auto &[id, timer] : m_timers)
            next = std::min(next, timer.due);
        if (dueId != 0) {
            m_firing = dueId;
            lock.unlock();
            if (dueTimer)
                dueTimer();
            else if (dueChanged)
                dueChanged(std::move(dueList));
            lock.lock();
            m_firing = 0;
            m_idle.notify_all();
            continue;
        }
        // To the nanosecond, not poll()'s milliseconds rounded up: a debounce
        // fires when it is due, not up to 1 ms after.
        timespec timeout{};
        const bool forever = next == std::chrono::steady_clock::time_point::max();
        if (!forever) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next - now).count();
            timeout.tv_sec = std::max<std::int64_t>(0, ns) / 1000000000;
            timeout.tv_nsec = std::max<std::int64_t>(0, ns) % 1000000000;
        }
        pollfd fds[2] = {{m_wake, POLLIN, 0}, {m_inotify, POLLIN, 0}};
        lock.unlock();
        const int ready = ::ppoll(fds, m_inotify >= 0 ? 2 : 1, forever ? nullptr : &timeout, nullptr);
        lock.lock();
        if (ready <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            std::uint64_t count = 0;
            (void)!::read(m_wake, &count, sizeof count);
        }
        if (m_inotify >= 0 && (fds[1].revents & POLLIN))
            readEvents(lock);
    }
}

} // namespace weft
