// SPDX-License-Identifier: Apache-2.0
// The helper's side of isolation (weft-op): one request in, the operation
// run exactly as a worker runs it, everything it reports written back in
// the protocol of Protocol.h.

#include "weft/Isolation.h"

#include "isolation/Protocol.h"

#include "weft/Operation.h"
#include "weft/Workflow.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <string>

namespace weft {

namespace {

void writeAll(int fd, std::string_view text)
{
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // the reader went away: nobody is left to tell
        }
        text.remove_prefix(std::size_t(n));
    }
}

int badRequest(const std::string &message)
{
    writeAll(2, "weft-op: " + message + "\n");
    return isolation::kExitBadRequest;
}

// A protocol line carries one line: newlines in a message become blanks.
std::string oneLine(std::string_view text)
{
    std::string line(text);
    for (char &c : line) {
        if (c == '\n' || c == '\r')
            c = ' ';
    }
    return line;
}

class HostOutput final : public OperationOutput
{
public:
    void write(bool toStderr, std::string_view text) override
    {
        if (text.empty())
            return;
        if (!toStderr)
            m_atLineStart = text.back() == '\n';
        writeAll(toStderr ? 2 : 1, text);
    }
    void progress(double fraction, std::string_view message) override
    {
        char percent[32];
        std::snprintf(percent, sizeof percent, "%.4f", std::clamp(fraction, 0.0, 1.0) * 100);
        line(std::string("::progress ") + percent + (message.empty() ? "" : " ") + oneLine(message));
    }
    void setOutput(std::string_view name, StringOrList value) override
    {
        m_outputs.insert_or_assign(std::string(name), std::move(value));
    }

    // The outputs, after the operation succeeded; false and `error` set when
    // one cannot travel on a line.
    bool sendOutputs(std::string &error)
    {
        for (const auto &[name, value] : m_outputs) {
            for (const std::string &item : value.items) {
                if (item.find_first_of("\n\r") != std::string::npos) {
                    error = "output " + name
                            + " holds a line break, which an isolated node cannot report";
                    return false;
                }
            }
        }
        for (const auto &[name, value] : m_outputs) {
            if (value.list)
                line(std::string("::output ") + isolation::kListName + " " + name);
            for (const std::string &item : value.items)
                line("::output " + name + " " + item);
        }
        return true;
    }
    void sendError(std::string_view message)
    {
        line(std::string("::output ") + isolation::kErrorName + " " + oneLine(message));
    }

private:
    // A protocol line starts a line: output without its final newline is
    // ended first.
    void line(std::string text)
    {
        if (!m_atLineStart)
            text.insert(text.begin(), '\n');
        text += '\n';
        writeAll(1, text);
        m_atLineStart = true;
    }

    NamedValues m_outputs;
    bool m_atLineStart = true;
};

} // namespace

int runOperationHost()
{
    std::string input;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return badRequest(std::string("cannot read the request: ") + std::strerror(errno));
        if (n == 0)
            break;
        input.append(buffer, std::size_t(n));
    }
    const nlohmann::json request = nlohmann::json::parse(input, nullptr, false);
    if (!request.is_object())
        return badRequest("the request on stdin is not a JSON object (this program is run by "
                          "weft for nodes with \"isolation\": \"process\")");
    Node node;
    std::filesystem::path base;
    std::uint64_t limit = 0;
    const OperationType *type = nullptr;
    try {
        if (request.value("weft-op", 0) != isolation::kProtocolVersion)
            return badRequest("unsupported request version");
        node.type = request.value("type", std::string());
        type = OperationRegistry::builtin().find(node.type);
        if (!type || !type->run)
            return badRequest("no in-process operation \"" + node.type + "\"");
        node.id = request.value("node", std::string());
        if (const auto it = request.find("params"); it != request.end() && it->is_object())
            node.params = *it;
        base = request.value("base", std::string());
        if (const auto it = request.find("memory"); it != request.end() && it->is_number_unsigned())
            limit = it->get<std::uint64_t>();
    } catch (const nlohmann::json::exception &e) {
        return badRequest(std::string("malformed request: ") + e.what());
    }
    input.clear();
    input.shrink_to_fit();

    if (limit > 0) {
        // RLIMIT_DATA counts the heap and private mappings (Linux 4.7+):
        // what an operation allocates, not the helper's code and libraries.
        const rlimit r{rlim_t(limit), rlim_t(limit)};
        if (::setrlimit(RLIMIT_DATA, &r) != 0)
            return badRequest(std::string("cannot set the memory limit: ") + std::strerror(errno));
    }

    // The run cancels an isolated node by signalling its process group, so
    // the flag the operation polls is never raised here.
    const std::atomic<bool> cancelled{false};
    HostOutput output;
    OperationContext context{node, base, cancelled, output};
    OperationResult result;
    try {
        result = type->run(context);
    } catch (const std::bad_alloc &) {
        result = {false, limit > 0 ? "out of memory: limit " + formatMemorySize(limit)
                                   : std::string("out of memory (std::bad_alloc)")};
    } catch (const std::exception &e) {
        result = {false, std::string("exception: ") + e.what()};
    } catch (...) {
        result = {false, "unknown exception"};
    }
    if (result.ok && !output.sendOutputs(result.error))
        result.ok = false;
    if (!result.ok) {
        output.sendError(result.error.empty() ? "failed" : result.error);
        return isolation::kExitFailed;
    }
    return 0;
}

} // namespace weft
