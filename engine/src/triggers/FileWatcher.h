// SPDX-License-Identifier: Apache-2.0
#pragma once

// One thread that watches files and keeps deadlines: inotify on the
// directories that globs can match (recursively where a pattern has `**` or
// a directory, and the ancestors of a root that does not exist yet, so that
// a directory created after the start is watched as soon as it appears),
// debounced per subscription, plus one-shot timers; all in one poll() whose
// timeout is the nearest deadline. Nothing polls the file system: with no
// change and no deadline the thread sleeps in poll() without a timeout.
//
// Threading contract: every member may be called from any thread. Callbacks
// run on the watcher thread, one at a time, with no lock of ours held; they
// may call watch(), after() and remove(). After remove() returns (called
// from another thread), the removed callback is not running and never runs
// again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace weft {

class FileWatcher
{
public:
    using Id = std::uint64_t;
    using Changed = std::function<void(std::vector<std::string> changed)>;

    FileWatcher();
    ~FileWatcher(); // stops the thread; pending callbacks are dropped

    // Calls `fired` with the changed paths (absolute, sorted, each once) that
    // match `patterns` and none of `exclude`, once no further matching
    // change came for `debounce` seconds, or at the latest `maxWait` seconds
    // after the first change of the batch (a change that never stops still
    // fires). Fires again for every later batch until removed.
    Id watch(std::vector<std::string> patterns, double debounce, Changed fired,
             std::vector<std::string> exclude = {}, double maxWait = 2.0);
    // Calls `fired` once, `seconds` from now.
    Id after(double seconds, std::function<void()> fired);
    void remove(Id id);

    // Set when inotify could not be used (too many instances, ...): watches
    // then never fire. Empty otherwise.
    std::string error() const;
    // Directories watched now (for tests and benchmarks: no leak).
    std::size_t watchedDirectories() const;

    // Whether `path` (absolute) matches the absolute glob `pattern`.
    static bool matches(const std::string &pattern, const std::string &path);

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Pattern
    {
        std::string text;
        std::string root;   // the leading directories without a glob character
        int depth = 0;      // directory levels below root it can match; -1: any (`**`)
    };
    struct Subscription
    {
        std::vector<Pattern> patterns;
        std::vector<std::string> exclude;
        double debounce = 0.2;
        double maxWait = 2.0;
        Changed fired;
        std::set<std::string> pending;
        TimePoint first{};
        TimePoint last{};
    };
    struct Timer
    {
        TimePoint due;
        std::function<void()> fired;
    };

    void run();
    void readEvents(std::unique_lock<std::mutex> &lock);
    void changed(const std::string &path);
    bool wanted(const std::string &dir) const;
    void addTree(const std::string &dir, bool reportFiles);
    void addDirectory(const std::string &dir);
    void wake();

    mutable std::mutex m_mutex;
    std::condition_variable m_idle; // a callback finished
    std::map<Id, Subscription> m_subs;
    std::map<Id, Timer> m_timers;
    std::map<int, std::string> m_dirs;  // inotify watch descriptor -> directory
    std::map<std::string, int> m_wds;
    Id m_next = 0;
    Id m_firing = 0; // the callback running now on the thread; 0: none
    int m_inotify = -1;
    int m_wake = -1; // eventfd
    bool m_stopping = false;
    std::string m_error;
    std::thread m_thread;
};

} // namespace weft
