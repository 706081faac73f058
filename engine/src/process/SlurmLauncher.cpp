// SPDX-License-Identifier: Apache-2.0
#include "process/SlurmLauncher.h"

#include "process/FileDescriptor.h"
#include "process/ProcessReactor.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace weft {

namespace {

using namespace std::chrono_literals;

// The job script: runs the node's program in its cwd with its env, ignores
// SIGTERM itself (Slurm signals every process of the job) so that it lives
// to record how its child ended, and writes the raw wait status atomically.
// `host` is written first, so the node the job ran on is known while it runs.
constexpr const char *kWrapperHead = R"PERL(#!/usr/bin/perl
# Written by weft for one Slurm job: runs the node's program and records its
# exact wait status in ./status (write, then rename: never half a number).
use strict;
use warnings;
use POSIX ();
)PERL";

constexpr const char *kWrapperBody = R"PERL(
sub record {
    my ($status) = @_;
    if (open(my $h, '>', "$dir/status.tmp")) {
        print $h "$status\n";
        close($h);
        rename("$dir/status.tmp", "$dir/status");
    }
}
if (open(my $h, '>', "$dir/host.tmp")) {
    print $h ((POSIX::uname())[1], "\n");
    close($h);
    rename("$dir/host.tmp", "$dir/host");
}
$ENV{$_} = $env{$_} for keys %env;
unless (chdir($cwd)) {
    print STDERR "weft: cannot enter $cwd: $!\n";
    record(1 << 8);
    exit 1;
}
$SIG{$_} = 'IGNORE' for qw(TERM INT HUP);
my $pid = fork();
if (!defined $pid) {
    print STDERR "weft: cannot fork: $!\n";
    record(1 << 8);
    exit 1;
}
if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP);
    open(STDIN, '<', '/dev/null');
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    my $why = $!;
    print STDERR ($why =~ /No such file/ ? "command not found: $argv[0]\n"
                                         : "cannot run $argv[0]: $why\n");
    POSIX::_exit($why =~ /No such file/ ? 127 : 126);
}
while (waitpid($pid, 0) < 0 && $!{EINTR}) {}
my $status = $?;
record($status);
exit(($status & 127) ? 128 + ($status & 127) : ($status >> 8));
)PERL";

// The local stand-in the reactor watches: follows the job's output files,
// ends as the job ended. SIGTERM/SIGINT/SIGHUP: scancel the job once, keep
// following until it ended. ./state is written by the launcher's poller when
// the job left the queue, reached a final state or can never start.
constexpr const char *kMonitor = R"PERL(#!/usr/bin/perl
use strict;
use warnings;
my ($dir, $job) = @ARGV;
my %offset = (out => 0, err => 0);
my $cancel = 0;
$SIG{$_} = sub { $cancel = 1 if !$cancel } for qw(TERM INT HUP);
sub pump {
    for my $name ('out', 'err') {
        open(my $h, '<', "$dir/$name") or next;
        binmode($h);
        seek($h, $offset{$name}, 0);
        my $buffer;
        while ((my $n = sysread($h, $buffer, 65536)) > 0) {
            $offset{$name} += $n;
            my $to = $name eq 'out' ? \*STDOUT : \*STDERR;
            my $written = 0;
            while ($written < $n) {
                my $w = syswrite($to, $buffer, $n - $written, $written);
                if (!defined $w) { next if $!{EINTR} || $!{EAGAIN}; exit 141; }
                $written += $w;
            }
        }
        close($h);
    }
}
sub finish {
    my ($status) = @_;
    pump();
    if ($status & 127) {
        $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP);
        kill($status & 127, $$);
        select(undef, undef, undef, 1);
        exit(128 + ($status & 127));
    }
    exit($status >> 8);
}
my $endedTicks = 0;
while (1) {
    if ($cancel == 1) {
        $cancel = 2;
        system('scancel', '--quiet', $job);
    }
    pump();
    if (open(my $h, '<', "$dir/status")) {
        my $status = <$h>;
        close($h);
        finish(int($status // 256)) if defined $status && $status =~ /^\d+\n/;
    }
    if (open(my $h, '<', "$dir/state")) {
        my $line = <$h> // '';
        close($h);
        chomp($line);
        # The job's own status file may lag behind on a shared filesystem.
        if ($line =~ /^UNSATISFIABLE/ || ++$endedTicks > 60) {
            pump();
            print STDERR "weft: Slurm job $job ended without an exit status: $line\n";
            exit 1;
        }
    }
    select(undef, undef, undef, 0.05);
}
)PERL";

std::string perlQuote(const std::string &text)
{
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    quoted += '\'';
    return quoted;
}

bool writeFile(const std::filesystem::path &path, const std::string &contents, bool executable)
{
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << contents;
        if (!out.flush())
            return false;
    }
    std::error_code ec;
    if (executable)
        std::filesystem::permissions(tmp, std::filesystem::perms::owner_all
                                              | std::filesystem::perms::group_read
                                              | std::filesystem::perms::group_exec
                                              | std::filesystem::perms::others_read
                                              | std::filesystem::perms::others_exec,
                                     ec);
    std::filesystem::rename(tmp, path, ec);
    return !ec;
}

std::string readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
        text.pop_back();
    return text;
}

struct ToolResult
{
    int status = -1; // exit code; -1: could not run or killed
    std::string out;
    std::string err;
};

// Runs a Slurm client command to its end and collects what it printed. Local,
// through posix_spawn, never a shell.
ToolResult runTool(PosixProcessLauncher &launcher, const std::vector<std::string> &argv)
{
    ToolResult result;
    ProcessCommand command;
    command.cwd = "/";
    LaunchResult launched = launcher.launch(argv, command);
    if (!launched.ok()) {
        result.err = launched.error;
        return result;
    }
    LaunchedProcess &p = launched.process;
    closeFd(p.pidfd);
    std::array<pollfd, 2> fds{pollfd{p.stdoutFd, POLLIN, 0}, pollfd{p.stderrFd, POLLIN, 0}};
    char buffer[16384];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (retryOnEintr([&] { return ::poll(fds.data(), fds.size(), 30000); }) <= 0)
            break; // 30 s without a byte or EOF: give up on this call
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if (fds[k].fd < 0 || fds[k].revents == 0)
                continue;
            const ssize_t n = retryOnEintr([&] { return ::read(fds[k].fd, buffer, sizeof buffer); });
            if (n > 0) {
                (k == 0 ? result.out : result.err).append(buffer, std::size_t(n));
            } else if (n == 0 || errno != EAGAIN) {
                int fd = fds[k].fd;
                closeFd(fd);
                fds[k].fd = -1;
            }
        }
    }
    for (auto &fd : fds) {
        if (fd.fd >= 0) {
            int copy = fd.fd;
            closeFd(copy);
            ::kill(-p.pgid, SIGKILL);
        }
    }
    int status = 0;
    if (retryOnEintr([&] { return ::waitpid(p.pid, &status, 0); }) == p.pid && WIFEXITED(status))
        result.status = WEXITSTATUS(status);
    return result;
}

bool isTransient(const std::string &message)
{
    for (const char *text : {"Socket timed out", "temporarily unable", "Unable to contact slurm",
                             "Zero Bytes were transmitted", "Connection refused"}) {
        if (message.find(text) != std::string::npos)
            return true;
    }
    return false;
}

// States in which a job is no longer in the queue's active part.
bool isFinalState(const std::string &state)
{
    static const std::set<std::string> active = {
        "PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING", "RESIZING",
        "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "SIGNALING", "STAGE_OUT", "STOPPED",
        "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE", "UPDATE_DB"};
    return !state.empty() && active.count(state) == 0;
}

// States of a job that left the queue and holds its resources.
bool isRunningState(const std::string &state)
{
    static const std::set<std::string> running = {"RUNNING", "COMPLETING", "SUSPENDED", "STOPPED",
                                                  "SIGNALING", "STAGE_OUT"};
    return running.count(state) != 0;
}

// Pending reasons that no amount of waiting resolves.
bool isNeverSatisfiable(const std::string &reason)
{
    static const std::set<std::string> never = {
        "PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit", "BadConstraints",
        "InvalidAccount", "InvalidQOS", "AccountNotAllowed", "QOSNotAllowed",
        "DependencyNeverSatisfied"};
    return never.count(reason) != 0 || reason.rfind("PartitionConfig", 0) == 0;
}

std::string joinIds(const std::vector<std::string> &ids)
{
    std::string text;
    for (const std::string &id : ids) {
        if (!text.empty())
            text += ',';
        text += id;
    }
    return text;
}

struct QueueRow
{
    std::string state, reason, host;
};

// One squeue call for all `ids`. nullopt: squeue itself failed (try again).
std::optional<std::map<std::string, QueueRow>> queryQueue(PosixProcessLauncher &launcher,
                                                          const std::vector<std::string> &ids)
{
    std::map<std::string, QueueRow> rows;
    if (ids.empty())
        return rows;
    const ToolResult r = runTool(launcher, {"squeue", "-h", "-t", "all", "-j", joinIds(ids), "-O",
                                            "JobID:|,State:|,Reason:|,NodeList:|"});
    if (r.status != 0) {
        if (r.err.find("Invalid job id") != std::string::npos)
            return rows; // none of them is known any more
        return std::nullopt;
    }
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> fields;
        std::size_t start = 0;
        for (std::size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1)
            fields.push_back(line.substr(start, bar - start));
        if (fields.size() < 4)
            continue;
        for (auto &f : fields)
            f = trimmed(f);
        rows[fields[0]] = {fields[1], fields[2], fields[3]};
    }
    return rows;
}

} // namespace

std::chrono::milliseconds SlurmLauncher::pollInterval()
{
    if (const char *text = std::getenv("WEFT_SLURM_POLL_MS")) {
        const long ms = std::strtol(text, nullptr, 10);
        if (ms > 0)
            return std::chrono::milliseconds(ms);
    }
    return 500ms;
}

SlurmLauncher::SlurmLauncher(const std::filesystem::path &jobsRoot)
{
    std::error_code ec;
    std::filesystem::create_directories(jobsRoot, ec);
    std::string pattern = (jobsRoot / "run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        m_setupError = "cannot create a directory for Slurm job files in " + jobsRoot.string()
                       + ": " + std::strerror(errno);
    } else {
        m_dir = pattern;
        // Jobs may run as the same user on another host: the directory must
        // be reachable there (a shared filesystem) and readable by Slurm.
        std::filesystem::permissions(m_dir, std::filesystem::perms::owner_all
                                                | std::filesystem::perms::group_read
                                                | std::filesystem::perms::group_exec
                                                | std::filesystem::perms::others_read
                                                | std::filesystem::perms::others_exec,
                                     ec);
        m_monitor = m_dir / "monitor.pl";
        if (!writeFile(m_monitor, kMonitor, true))
            m_setupError = "cannot write " + m_monitor.string();
    }
    m_poller = std::thread([this] { poll(); });
}

SlurmLauncher::~SlurmLauncher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_poller.join();
    // Nothing of the run may stay in the queue, whatever happened above.
    std::vector<std::string> live;
    for (const auto &[id, job] : m_jobs) {
        if (!job.ended)
            live.push_back(id);
    }
    if (!live.empty()) {
        std::vector<std::string> kill = {"scancel", "--quiet", "--full", "--signal=KILL"};
        kill.insert(kill.end(), live.begin(), live.end());
        runTool(m_local, kill);
        std::vector<std::string> cancel = {"scancel", "--quiet"};
        cancel.insert(cancel.end(), live.begin(), live.end());
        runTool(m_local, cancel);
    }
    if (!m_dir.empty() && !std::getenv("WEFT_SLURM_KEEP")) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
}

LaunchResult SlurmLauncher::launch(const std::vector<std::string> &argv, const ProcessCommand &what)
{
    if (!what.slurm)
        return m_local.launch(argv, what);
    LaunchResult result;
    if (!m_setupError.empty()) {
        result.error = m_setupError;
        return result;
    }
    if (argv.empty() || argv.front().empty()) {
        result.error = "empty command";
        return result;
    }

    std::filesystem::path dir;
    {
        std::lock_guard lock(m_mutex);
        dir = m_dir / ("job-" + std::to_string(++m_sequence));
    }
    std::error_code ec;
    std::filesystem::create_directory(dir, ec);
    if (ec) {
        result.error = "cannot create " + dir.string() + ": " + ec.message();
        return result;
    }

    std::string script = kWrapperHead;
    script += "my $dir = " + perlQuote(dir.string()) + ";\n";
    script += "my $cwd = " + perlQuote(what.cwd) + ";\n";
    script += "my @argv = (";
    for (std::size_t k = 0; k < argv.size(); ++k)
        script += (k ? ", " : "") + perlQuote(argv[k]);
    script += ");\nmy %env = (";
    bool first = true;
    for (const auto &[key, value] : what.env) {
        script += (first ? "" : ", ") + perlQuote(key) + " => " + perlQuote(value);
        first = false;
    }
    script += ");\n";
    script += kWrapperBody;
    const std::filesystem::path wrapper = dir / "job.pl";
    if (!writeFile(wrapper, script, true)) {
        result.error = "cannot write " + wrapper.string();
        return result;
    }

    std::vector<std::string> sbatch = {"sbatch", "--parsable", "--output=" + (dir / "out").string(),
                                       "--error=" + (dir / "err").string(),
                                       "--chdir=" + what.cwd};
    const std::vector<std::string> options = sbatchOptions(*what.slurm);
    sbatch.insert(sbatch.end(), options.begin(), options.end());
    sbatch.push_back(wrapper.string());

    // Transient controller errors are retried with backoff; anything else
    // (an unknown partition, more CPUs than any node) is the node's error.
    ToolResult submitted;
    auto backoff = 200ms;
    for (int tries = 0;; ++tries) {
        submitted = runTool(m_local, sbatch);
        if (submitted.status == 0 || tries >= 5 || !isTransient(submitted.err))
            break;
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
    }
    std::string jobId = trimmed(submitted.out);
    jobId = jobId.substr(0, jobId.find(';'));
    if (submitted.status != 0 || jobId.empty()
        || jobId.find_first_not_of("0123456789_") != std::string::npos) {
        std::string message = trimmed(submitted.err);
        if (message.rfind("sbatch: error: ", 0) == 0)
            message.erase(0, 15);
        result.error = submitted.status < 0
                           ? "cannot submit to Slurm: " + (message.empty() ? "sbatch did not finish" : message)
                           : "Slurm refused the job: " + (message.empty() ? "sbatch failed" : message);
        return result;
    }

    ProcessCommand monitor;
    monitor.cwd = dir.string();
    result = m_local.launch({"perl", m_monitor.string(), dir.string(), jobId}, monitor);
    if (!result.ok()) {
        runTool(m_local, {"scancel", "--quiet", jobId});
        result.error = "cannot follow Slurm job " + jobId + ": " + result.error;
        return result;
    }
    result.process.jobId = jobId;
    {
        std::lock_guard lock(m_mutex);
        Job &job = m_jobs[jobId];
        job.id = jobId;
        job.name = what.slurm->jobName;
        job.dir = dir;
        job.monitorPid = result.process.pid;
        m_byMonitor[result.process.pid] = jobId;
    }
    return result;
}

void SlurmLauncher::finished(const LaunchedProcess &process, ProcessOutcome &outcome)
{
    if (process.jobId.empty())
        return;
    std::unique_lock lock(m_mutex);
    const auto it = m_jobs.find(process.jobId);
    if (it == m_jobs.end())
        return;
    Job &job = it->second;
    job.monitorDone = true;
    m_byMonitor.erase(process.pid);
    outcome.jobId = job.id;
    std::error_code ec;
    outcome.host = trimmed(readFile(job.dir / "host"));
    if (outcome.host.empty())
        outcome.host = job.host;
    const bool hasStatus = std::filesystem::exists(job.dir / "status", ec);
    const std::string state = trimmed(readFile(job.dir / "state"));
    const bool orphaned = !hasStatus && !job.ended;
    if (orphaned)
        m_toKill.insert(job.id); // the monitor was killed before the job ended
    lock.unlock();
    if (orphaned)
        m_wake.notify_all();

    const std::string where = "Slurm job " + outcome.jobId
                              + (outcome.host.empty() ? std::string() : " on " + outcome.host);
    if (state.rfind("UNSATISFIABLE ", 0) == 0 && !outcome.cancelled && !outcome.timedOut) {
        outcome.error = "Slurm can never start job " + outcome.jobId + ": "
                        + state.substr(std::strlen("UNSATISFIABLE "));
        return;
    }
    if (outcome.ok)
        return;
    // slurmstepd writes its verdict into the job's stderr file.
    const std::string err = readFile(job.dir / "err");
    if (const auto at = err.rfind("command not found: ");
        hasStatus && outcome.exitCode == 127 && at != std::string::npos)
        outcome.error = trimmed(err.substr(at, err.find('\n', at) - at)) + " (" + where + ")";
    else if (err.find("DUE TO TIME LIMIT") != std::string::npos)
        outcome.error += " (" + where + ": its Slurm time limit was reached, TIMEOUT)";
    else if (err.find("DUE TO PREEMPTION") != std::string::npos)
        outcome.error += " (" + where + ": preempted)";
    else if (!hasStatus && !state.empty() && !outcome.cancelled && !outcome.timedOut)
        outcome.error = where + " ended " + state + " without an exit status";
    else if (!outcome.error.empty())
        outcome.error += " (" + where + ")";
}

std::vector<std::string> SlurmLauncher::survivors()
{
    // The jobs of the run that squeue still lists as active get a moment to
    // leave (a wrapper that wrote its status is still exiting, a SIGKILL on
    // its way); what is still there then is an orphan: reported and killed.
    constexpr auto kSettle = 5s;
    std::vector<std::string> ids;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[id, job] : m_jobs)
            ids.push_back(id);
    }
    if (ids.empty())
        return {};
    const auto deadline = std::chrono::steady_clock::now() + kSettle;
    std::map<std::string, QueueRow> active;
    for (;;) {
        active.clear();
        if (const auto rows = queryQueue(m_local, ids)) {
            for (const auto &[id, row] : *rows) {
                if (!isFinalState(row.state))
                    active.emplace(id, row);
            }
        }
        if (active.empty() || std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(200ms);
    }
    std::vector<std::string> messages;
    std::vector<std::string> kill = {"scancel", "--quiet", "--full", "--signal=KILL"};
    std::vector<std::string> cancel = {"scancel", "--quiet"};
    std::lock_guard lock(m_mutex);
    for (const auto &[id, row] : active) {
        const auto it = m_jobs.find(id);
        const std::string name = it != m_jobs.end() ? it->second.name : std::string();
        messages.push_back("Slurm job " + id + (name.empty() ? "" : " (" + name + ")")
                           + " was still in the queue (" + row.state
                           + ") after its node finished and was cancelled");
        kill.push_back(id);
        cancel.push_back(id);
    }
    if (!active.empty()) {
        runTool(m_local, kill);
        runTool(m_local, cancel);
    }
    return messages;
}

ClusterJobStatus SlurmLauncher::jobStatus(const std::string &jobId)
{
    ClusterJobStatus status;
    std::lock_guard lock(m_mutex);
    const auto it = m_jobs.find(jobId);
    if (it == m_jobs.end())
        return status;
    status.known = true;
    status.started = it->second.started;
    status.pendingReason = it->second.reason;
    status.host = it->second.host;
    if (status.host.empty()) // the wrapper writes it first thing
        status.host = trimmed(readFile(it->second.dir / "host"));
    return status;
}

void SlurmLauncher::setJobStatusListener(std::function<void(const std::string &jobId)> listener)
{
    std::lock_guard lock(m_listenerMutex);
    m_listener = std::move(listener);
}

// Outside m_mutex: the listener asks jobStatus().
void SlurmLauncher::notify(const std::vector<std::string> &changed)
{
    if (changed.empty())
        return;
    std::lock_guard lock(m_listenerMutex);
    if (!m_listener)
        return;
    for (const std::string &id : changed)
        m_listener(id);
}

void SlurmLauncher::poll()
{
    // One squeue per interval, whatever the number of jobs or submissions;
    // only a job to kill (its monitor is gone) or the end wakes it early.
    const auto interval = pollInterval();
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, interval, [this] { return m_stopping || !m_toKill.empty(); });
        if (m_stopping)
            break;
        std::vector<std::string> kill, cancel, changed;
        pollOnce(kill, cancel, changed);
        if (kill.empty() && cancel.empty() && changed.empty())
            continue;
        lock.unlock();
        notify(changed);
        if (kill.empty() && cancel.empty()) {
            lock.lock();
            continue;
        }
        if (!kill.empty()) {
            std::vector<std::string> argv = {"scancel", "--quiet", "--full", "--signal=KILL"};
            argv.insert(argv.end(), kill.begin(), kill.end());
            runTool(m_local, argv);
            cancel.insert(cancel.end(), kill.begin(), kill.end());
        }
        std::vector<std::string> argv = {"scancel", "--quiet"};
        argv.insert(argv.end(), cancel.begin(), cancel.end());
        runTool(m_local, argv);
        lock.lock();
    }
}

// Called with m_mutex held; releases it around the squeue call.
void SlurmLauncher::pollOnce(std::vector<std::string> &kill, std::vector<std::string> &cancel,
                            std::vector<std::string> &changed)
{
    std::vector<std::string> ids;
    for (const auto &[id, job] : m_jobs) {
        if (!job.ended)
            ids.push_back(id);
    }
    kill.assign(m_toKill.begin(), m_toKill.end());
    m_toKill.clear();
    if (ids.empty())
        return;
    m_mutex.unlock();
    const auto rows = queryQueue(m_local, ids);
    m_mutex.lock();
    if (!rows)
        return;
    for (const std::string &id : ids) {
        const auto it = m_jobs.find(id);
        if (it == m_jobs.end())
            continue;
        Job &job = it->second;
        const auto row = rows->find(id);
        std::string verdict;
        if (row == rows->end()) {
            verdict = "GONE no longer in the queue";
        } else {
            const std::string oldReason = job.reason;
            job.state = row->second.state;
            job.reason = row->second.reason;
            if (job.host.empty() && row->second.host != "(null)")
                job.host = row->second.host;
            // Left the queue: the node now runs. (A job that ended between
            // two polls, or never started, is told by finished() instead.)
            if (!job.started && isRunningState(job.state)) {
                job.started = true;
                changed.push_back(id);
            } else if (!job.started && job.state == "PENDING" && job.reason != oldReason) {
                changed.push_back(id);
            }
            if (isFinalState(job.state)) {
                verdict = job.state + " " + job.reason;
            } else if (job.state == "PENDING" && isNeverSatisfiable(job.reason)) {
                verdict = "UNSATISFIABLE " + job.reason;
                cancel.push_back(id);
            }
        }
        if (verdict.empty())
            continue;
        job.ended = true;
        writeFile(job.dir / "state", verdict + "\n", false);
    }
}

} // namespace weft
