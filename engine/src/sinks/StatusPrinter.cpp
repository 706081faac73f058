// SPDX-License-Identifier: Apache-2.0
#include "weft/StatusPrinter.h"

#include "weft/RunReport.h"
#include "weft/Workflow.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <unordered_map>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

namespace weft {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *kReset = "\x1b[0m";
constexpr const char *kBold = "\x1b[1m";
constexpr const char *kRed = "\x1b[1;31m";
constexpr const char *kGreen = "\x1b[32m";
constexpr const char *kYellow = "\x1b[33m";
constexpr const char *kDim = "\x1b[2m";
constexpr const char *kClearLine = "\x1b[K";

// Terminal columns taken by UTF-8 text, counting each code point as one.
std::size_t columnsOf(std::string_view text)
{
    std::size_t columns = 0;
    for (unsigned char c : text)
        columns += (c & 0xC0) != 0x80;
    return columns;
}

// The longest prefix of `text` that fits in `columns`, cut at a code point.
std::string_view fitColumns(std::string_view text, std::size_t columns)
{
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (seen == columns)
                return text.substr(0, i);
            ++seen;
        }
    }
    return text;
}

std::vector<std::string_view> lastLines(std::string_view text, std::size_t count)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    std::vector<std::string_view> lines;
    while (!text.empty() && lines.size() < count) {
        const std::size_t newline = text.rfind('\n');
        if (newline == std::string_view::npos) {
            lines.push_back(text);
            break;
        }
        lines.push_back(text.substr(newline + 1));
        text = text.substr(0, newline);
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
}

struct NodeOutput {
    std::string text; // stdout and stderr as they arrived, bounded at the front
    std::string stderrText; // bounded at the front
    std::size_t dropped = 0;
};

struct Failure {
    std::string id;
    std::string work; // the command, or what the operation was asked to do
    std::string ending;
    std::string error;
    std::string stderrTail;
    double duration = 0;
    bool errorRepeatsStatus = false; // "exited with status 3" says no more than the ending
};

struct Running {
    NodeIndex node;
    int instance;
    double since;
};

// One key for a node or one of its fan-out instances.
std::uint64_t unitKey(NodeIndex node, int instance)
{
    return (std::uint64_t(std::uint32_t(instance + 1)) << 32) | node;
}

void appendBounded(
    std::string &buffer, std::string_view text, std::size_t limit, std::size_t *dropped)
{
    buffer.append(text);
    // Trimming at twice the limit keeps appends amortised O(1).
    if (buffer.size() > 2 * limit) {
        const std::size_t cut = buffer.size() - limit;
        buffer.erase(0, cut);
        if (dropped)
            *dropped += cut;
    }
}

} // namespace

class StatusPrinter::Private {
public:
    explicit Private(StatusPrinterOptions o)
        : options(std::move(o))
    {
        if (options.quiet) {
            options.live = false; // a status line is not a failure
            options.verbose = false;
        }
    }

    // On a terminal every write goes out at once (the status line is
    // rate-limited already). Elsewhere lines collect in a buffer that goes
    // out when it is full, at a failure, at the end, and whenever the owner
    // calls refresh() (the CLI does every 50 ms): one write per batch of
    // lines instead of one per line, and a reader of a pipe still sees
    // progress within a tick.
    void write(std::string_view text)
    {
        if (options.live) {
            writeOut(text);
            return;
        }
        buffer.append(text);
        if (buffer.size() >= kBufferLimit)
            flush();
    }

    void flush()
    {
        if (buffer.empty())
            return;
        writeOut(buffer);
        buffer.clear();
    }

    void writeOut(std::string_view text)
    {
        while (!text.empty()) {
            const ssize_t n = ::write(options.fd, text.data(), text.size());
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return; // nobody left to read it; the run goes on
            }
            text.remove_prefix(std::size_t(n));
        }
    }

    std::string paint(const char *colour, std::string_view text) const
    {
        if (!options.colour)
            return std::string(text);
        return std::string(colour) + std::string(text) + kReset;
    }

    const std::string &id(NodeIndex node) const
    {
        static const std::string unknown = "?";
        return workflow && node < workflow->nodes.size() ? workflow->nodes[node].id : unknown;
    }

    // "compile[3]" for an instance; with `withItem`, "compile[3] (src/b.c)".
    std::string id(NodeIndex node, int instance, bool withItem = false) const
    {
        if (instance == kNoInstance)
            return id(node);
        std::string name = id(node) + "[" + std::to_string(instance) + "]";
        if (withItem) {
            if (const auto it = items.find(node);
                it != items.end() && std::size_t(instance) < it->second.size())
                name += " (" + it->second[std::size_t(instance)] + ")";
        }
        return name;
    }

    bool isFanOut(NodeIndex node) const
    {
        return workflow && node < workflow->nodes.size() && workflow->nodes[node].foreach;
    }

    std::string counter() const
    {
        return "[" + std::to_string(finished) + "/" + std::to_string(total) + "]";
    }

    // Plain mode's two lines per node ("[3/240] started a", "[4/240]
    // succeeded a (12 µs)"), formatted straight into the output buffer: a
    // run of 90,000 small nodes prints 180,000 of them on the one thread
    // that delivers every event, and temporaries per line were most of its
    // work. Same text as printAbove(counter() + ...).
    void appendCounter(std::string &out) const
    {
        char digits[24];
        out += '[';
        out.append(digits, std::to_chars(digits, digits + sizeof digits, finished).ptr);
        out += '/';
        out.append(digits, std::to_chars(digits, digits + sizeof digits, total).ptr);
        out += ']';
    }

    void appendId(std::string &out, NodeIndex node, int instance) const
    {
        out += id(node);
        if (instance != kNoInstance) {
            char digits[16];
            out += '[';
            out.append(digits, std::to_chars(digits, digits + sizeof digits, instance).ptr);
            out += ']';
        }
    }

    void endPlainLine()
    {
        buffer += '\n';
        if (buffer.size() >= kBufferLimit)
            flush();
    }

    double elapsed() const { return std::chrono::duration<double>(Clock::now() - started).count(); }

    // Text printed while a run is live goes above the status line.
    void printAbove(std::string_view text)
    {
        std::string out;
        if (lineShown)
            out = "\r" + std::string(kClearLine);
        out += text;
        if (!text.empty() && text.back() != '\n')
            out += '\n';
        write(out);
        lineShown = false;
        if (options.live && inRun)
            draw();
    }

    void draw()
    {
        const int width = options.columns ? options.columns() : 80;
        const std::size_t columns = width > 1 ? std::size_t(width - 1) : 79;
        const std::string prefix = counter() + " "
            + (upToDate ? std::to_string(upToDate) + " up to date, " : std::string())
            + std::to_string(running.size()) + " running" + (running.empty() ? "" : ": ");
        const std::string suffix = (queued.empty() ? std::string()
                                                   : "; " + std::to_string(queued.size()) + " queued in Slurm")
            + " (" + formatSeconds(elapsed()) + ")";
        std::string names;
        for (const Running &r : running) {
            if (!names.empty())
                names += ", ";
            names += id(r.node, r.instance);
        }
        std::string line;
        const std::size_t fixed = columnsOf(prefix) + columnsOf(suffix);
        if (fixed + columnsOf(names) <= columns) {
            line = prefix + names + suffix;
        } else if (fixed + 2 <= columns) {
            line = prefix + std::string(fitColumns(names, columns - fixed - 1)) + "…" + suffix;
        } else {
            line = std::string(fitColumns(prefix + names + suffix, columns));
        }
        std::string out = "\r";
        out += options.colour ? std::string(kBold) + line + kReset : line;
        out += kClearLine;
        write(out);
        lineShown = true;
        lastDraw = Clock::now();
        dirty = false;
    }

    void changed()
    {
        dirty = true;
        if (options.live && inRun && Clock::now() - lastDraw >= options.minRedrawInterval)
            draw();
    }

    void printFailureBlock(const Failure &f)
    {
        std::string out = paint(kRed, "✗ " + f.id + " failed: " + f.ending) + " after "
            + formatSeconds(f.duration) + "\n";
        if (!f.work.empty())
            out += "    command: " + f.work + "\n";
        if (!f.error.empty() && f.error != f.ending && !f.errorRepeatsStatus)
            out += "    error: " + f.error + "\n";
        const auto lines = lastLines(f.stderrTail, options.stderrLines);
        if (!lines.empty()) {
            out += lines.size() == 1
                ? std::string("    stderr (last line):\n")
                : "    stderr (last " + std::to_string(lines.size()) + " lines):\n";
            for (std::string_view line : lines)
                out += "      " + paint(kDim, "│") + " " + std::string(line) + "\n";
        }
        if (auto it = skippedBy.find(f.id); it != skippedBy.end()) {
            out += "    "
                + paint(kYellow,
                    "skipped " + std::to_string(it->second.size())
                        + (it->second.size() == 1 ? " node" : " nodes"))
                + " because of it: " + abbreviateList(it->second) + "\n";
        }
        write(out);
    }

    static constexpr std::size_t kBufferLimit = 64 * 1024;

    StatusPrinterOptions options;
    // Recursive: a burst of events (burstBegins) holds it, and each event
    // then takes it again for the cost of an owner check, not two atomic
    // operations.
    std::recursive_mutex mutex;
    std::string buffer; // plain mode: written at the next flush
    const Workflow *workflow = nullptr;
    bool inRun = false;
    bool lineShown = false;
    bool dirty = false;
    Clock::time_point started;
    Clock::time_point lastDraw;
    std::size_t total = 0;
    std::size_t finished = 0;
    std::size_t upToDate = 0; // units that succeeded without running (incremental runs)
    std::vector<Running> running; // in order of starting
    std::vector<Running> queued;  // submitted to Slurm, not started yet
    void unqueue(NodeIndex node, int instance)
    {
        std::erase_if(queued, [&](const Running &r) { return r.node == node && r.instance == instance; });
    }
    // Only nodes that wrote something (or retried) have an entry: most of a
    // large run's nodes print nothing, and 90,000 empty entries were 6 MB of
    // pages to fault in at the start.
    std::unordered_map<std::uint64_t, NodeOutput> outputs; // by unitKey()
    std::unordered_map<NodeIndex, std::vector<std::string>> items; // fan-out node -> its items
    std::vector<Failure> failures;
    std::map<std::string, std::vector<std::string>> skippedBy; // cause -> skipped ids
};

StatusPrinter::StatusPrinter(StatusPrinterOptions options)
    : d(std::make_unique<Private>(std::move(options)))
{
}

StatusPrinter::~StatusPrinter()
{
    std::lock_guard lock(d->mutex);
    d->flush();
}

void StatusPrinter::refresh()
{
    std::lock_guard lock(d->mutex);
    d->flush();
    if (d->options.live && d->inRun && Clock::now() - d->lastDraw >= d->options.minRedrawInterval)
        d->draw();
}

void StatusPrinter::printLine(std::string_view text)
{
    std::lock_guard lock(d->mutex);
    d->printAbove(text);
    d->flush();
}

void StatusPrinter::burstBegins()
{
    d->mutex.lock();
}

void StatusPrinter::burstEnds()
{
    d->mutex.unlock();
}

void StatusPrinter::runStarted(const RunStarted &e)
{
    std::lock_guard lock(d->mutex);
    d->workflow = e.workflow;
    d->inRun = true;
    d->started = Clock::now()
        - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(e.t));
    d->lastDraw = Clock::time_point {};
    d->total = e.nodes;
    d->finished = 0;
    d->upToDate = 0;
    d->running.clear();
    d->queued.clear();
    d->failures.clear();
    d->skippedBy.clear();
    d->outputs.clear();
    d->items.clear();
    std::string title = e.workflow && !e.workflow->name.empty() ? "\"" + e.workflow->name + "\""
                                                                : std::string("workflow");
    if (!d->options.quiet)
        d->printAbove("running " + title + ": " + std::to_string(e.nodes)
            + (e.nodes == 1 ? " node" : " nodes") + ", up to " + std::to_string(e.jobs)
            + " at once");
}

void StatusPrinter::nodeStateChanged(const NodeStateChanged &e)
{
    if (e.state == NodeState::Waiting && e.reason == WaitReason::SlurmQueue) {
        std::lock_guard lock(d->mutex);
        const bool known = std::any_of(d->queued.begin(), d->queued.end(), [&](const Running &r) {
            return r.node == e.node && r.instance == e.instance;
        });
        if (known && d->options.live) {
            return;
        } else if (!known) {
            d->queued.push_back({ e.node, e.instance, e.t });
        }
        if (d->options.live) {
            d->changed();
        } else if (!d->options.quiet && !known) {
            // "None" is Slurm's reason for a job it has not looked at yet.
            const bool reason = !e.pendingReason.empty() && e.pendingReason != "None";
            d->printAbove(d->counter() + " queued " + d->id(e.node, e.instance) + " in Slurm (job "
                + e.jobId + (reason ? ", " + e.pendingReason : std::string()) + ")");
        }
        return;
    }
    if (e.state != NodeState::Running)
        return;
    std::lock_guard lock(d->mutex);
    d->unqueue(e.node, e.instance);
    // A fan-out node runs only through its instances: they are what the line lists.
    const bool aggregate = e.instance == kNoInstance && d->isFanOut(e.node);
    const bool known = aggregate || std::any_of(d->running.begin(), d->running.end(), [&](const Running &r) {
        return r.node == e.node && r.instance == e.instance;
    });
    if (!known)
        d->running.push_back({ e.node, e.instance, e.t });
    const std::uint64_t key = unitKey(e.node, e.instance);
    if (e.attempt > 1 && !aggregate) {
        appendBounded(d->outputs[key].text,
            "--- attempt " + std::to_string(e.attempt) + " ---\n", d->options.outputLimit,
            &d->outputs[key].dropped);
    }
    if (d->options.live) {
        d->changed();
    } else if (!d->options.quiet) {
        // Not live: no status line to clear or redraw.
        std::string &line = d->buffer;
        d->appendCounter(line);
        line += " started ";
        d->appendId(line, e.node, e.instance);
        if (aggregate)
            line += " (" + std::to_string(d->items[e.node].size()) + " instances)";
        if (e.attempt > 1)
            line += " (attempt " + std::to_string(e.attempt) + ")";
        d->endPlainLine();
    }
}

void StatusPrinter::output(const OutputChunk &e)
{
    std::lock_guard lock(d->mutex);
    if (!d->workflow || e.node >= d->workflow->nodes.size())
        return;
    NodeOutput &out = d->outputs[unitKey(e.node, e.instance)];
    appendBounded(out.text, e.text, d->options.outputLimit, &out.dropped);
    if (e.stream == OutputStream::Stderr)
        appendBounded(out.stderrText, e.text, 64 * 1024, nullptr);
}

void StatusPrinter::attemptFinished(const AttemptFinished &e)
{
    std::lock_guard lock(d->mutex);
    d->unqueue(e.node, e.instance);
    std::erase_if(d->running, [&](const Running &r) { return r.node == e.node && r.instance == e.instance; });
    const bool retried = !e.ok && d->workflow && e.node < d->workflow->nodes.size()
        && e.attempt <= d->workflow->nodes[e.node].retries;
    if (retried && !d->options.quiet) {
        d->printAbove(
            d->paint(kYellow,
                "attempt " + std::to_string(e.attempt) + " of " + d->id(e.node, e.instance) + " failed")
            + (e.error.empty() ? std::string() : ": " + e.error) + "; retrying");
    } else {
        d->changed();
    }
}

void StatusPrinter::nodeFinished(const NodeFinished &e)
{
    std::lock_guard lock(d->mutex);
    ++d->finished;
    d->unqueue(e.node, e.instance);
    std::erase_if(d->running, [&](const Running &r) { return r.node == e.node && r.instance == e.instance; });
    NodeOutput output;
    if (auto it = d->outputs.find(unitKey(e.node, e.instance)); it != d->outputs.end()) {
        std::swap(output, it->second);
        d->outputs.erase(it);
    }
    const std::string id = d->id(e.node, e.instance);
    const bool live = d->options.live;

    switch (e.outcome) {
    case NodeState::Succeeded: {
        if (e.cached && (e.instance != kNoInstance || !d->isFanOut(e.node)))
            ++d->upToDate;
        if (!live && !d->options.quiet && !d->options.colour && !e.cached
            && !(d->options.verbose && !output.text.empty())) {
            // The common line, straight into the buffer (see appendCounter).
            std::string &line = d->buffer;
            d->appendCounter(line);
            line += " succeeded ";
            line += id;
            line += " (";
            line += formatSeconds(e.duration);
            line += ')';
            d->endPlainLine();
            break;
        }
        std::string text;
        if (!live && !d->options.quiet)
            text = e.cached ? d->counter() + " " + d->paint(kDim, "up to date") + " " + id + "\n"
                            : d->counter() + " " + d->paint(kGreen, "succeeded") + " " + id + " ("
                                  + formatSeconds(e.duration) + ")\n";
        if (d->options.verbose && !output.text.empty()) {
            text += d->paint(kDim, "── output of " + id + " ──") + "\n" + output.text;
            if (output.text.back() != '\n')
                text += '\n';
        }
        if (!text.empty())
            d->printAbove(text);
        else
            d->changed();
        break;
    }
    case NodeState::Failed: {
        Failure f;
        f.id = id;
        f.work = e.command;
        if (f.work.empty() && d->workflow && e.node < d->workflow->nodes.size()
            && e.instance == kNoInstance && !d->isFanOut(e.node))
            f.work = describeNodeWork(d->workflow->nodes[e.node]);
        f.ending = describeEnding(e);
        f.error = e.error;
        f.errorRepeatsStatus = e.exitCode && !e.error.empty() && e.signal.empty()
            && e.error.find(std::to_string(*e.exitCode)) != std::string::npos
            && e.error.find("status") != std::string::npos;
        f.stderrTail = e.stderrTail.empty() ? output.stderrText : e.stderrTail;
        f.duration = e.duration;
        std::string text = (live ? std::string() : d->counter() + " ")
            + d->paint(kRed, "FAILED " + d->id(e.node, e.instance, true) + ": " + f.ending) + " (" + formatSeconds(e.duration)
            + ")\n";
        if (!f.work.empty())
            text += "command: " + f.work + "\n";
        if (!output.text.empty()) {
            if (output.dropped)
                text += d->paint(kDim,
                            "(first " + std::to_string(output.dropped)
                                + " bytes of output left out)")
                    + "\n";
            text += output.text;
            if (output.text.back() != '\n')
                text += '\n';
        }
        d->failures.push_back(std::move(f));
        d->printAbove(text);
        d->flush(); // a failure is never left waiting in a buffer
        break;
    }
    case NodeState::Skipped: {
        d->skippedBy[e.causeNode].push_back(id);
        if (live) {
            d->changed();
        } else if (!d->options.quiet) {
            std::string reason
                = !e.causeNode.empty() ? "because " + e.causeNode + " failed" : e.error;
            d->printAbove(d->counter() + " " + d->paint(kYellow, "skipped") + " " + id
                + (reason.empty() ? std::string() : " (" + reason + ")"));
        }
        break;
    }
    case NodeState::Cancelled:
        if (live)
            d->changed();
        else if (!d->options.quiet)
            d->printAbove(d->counter() + " " + d->paint(kYellow, "cancelled") + " " + id);
        break;
    default:
        d->changed();
        break;
    }
}

void StatusPrinter::fanOutResolved(const FanOutResolved &e)
{
    std::lock_guard lock(d->mutex);
    d->total += e.items.size(); // the counter counts instances as they become known
    d->items[e.node] = e.items;
    d->changed();
}

void StatusPrinter::runFinished(const RunFinished &e)
{
    std::lock_guard lock(d->mutex);
    if (d->lineShown) {
        d->write("\r" + std::string(kClearLine));
        d->lineShown = false;
    }
    d->inRun = false;
    for (const Failure &f : d->failures)
        d->printFailureBlock(f);
    // Skips whose cause is not a failure listed above (e.g. a run-level stop).
    for (const auto &skip : d->skippedBy) {
        // Named references, not a structured binding: clang 14 cannot capture those.
        const auto &cause = skip.first;
        const auto &ids = skip.second;
        const bool listed = std::any_of(d->failures.begin(), d->failures.end(),
            [&](const Failure &f) { return f.id == cause; });
        if (listed)
            continue;
        d->write(
            d->paint(kYellow,
                "skipped " + std::to_string(ids.size()) + (ids.size() == 1 ? " node" : " nodes"))
            + (cause.empty() ? std::string() : " because of " + cause) + ": " + abbreviateList(ids)
            + "\n");
    }
    for (const std::string &error : e.errors)
        d->write(d->paint(kRed, "error: ") + error + "\n");
    const char *colour = e.outcome == RunOutcome::Succeeded ? kGreen
        : e.outcome == RunOutcome::Failed                   ? kRed
                                                            : kYellow;
    std::string summary
        = d->workflow ? formatRunSummary(e, *d->workflow) : formatRunSummary(e, Workflow {});
    if (e.outcome == RunOutcome::Cancelled)
        summary = "interrupted: " + summary;
    d->write(d->paint(colour, summary) + "\n");
    d->flush();
    d->outputs.clear();
    d->workflow = nullptr;
}

} // namespace weft
