// SPDX-License-Identifier: Apache-2.0
#pragma once

// Running the real weft-cli from a test, and reading its JSON-lines events:
// what every end-to-end suite of tests/app needs, in one place.

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace weft::test {

struct CliRun
{
    int exitCode = -1;
    bool crashed = false; // or did not finish in time (then killed)
    QByteArray out;
    QByteArray err;
};

// Runs WEFT_CLI_PATH with `args` in `dir`, without colour or a terminal.
inline CliRun runWeftCli(const QStringList &args, const QString &dir, int timeoutMs = 120000)
{
    QProcess process;
    process.setProgram(QStringLiteral(WEFT_CLI_PATH));
    process.setArguments(args);
    process.setWorkingDirectory(dir);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("NO_COLOR", "1");
    env.insert("TERM", "dumb");
    process.setProcessEnvironment(env);
    process.start();
    CliRun result;
    if (!process.waitForStarted(10000) || !process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.crashed = true;
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

// Every line of `out` as a JSON object; empty (with a warning) if one is not.
inline std::vector<nlohmann::json> parseJsonLines(const QByteArray &out)
{
    std::vector<nlohmann::json> events;
    for (const QByteArray &line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        nlohmann::json j = nlohmann::json::parse(line.toStdString(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            qWarning("not a JSON object: %s", line.constData());
            return {};
        }
        events.push_back(std::move(j));
    }
    return events;
}

// node (or ID[INDEX]) -> its node_finished event.
inline std::map<std::string, nlohmann::json> finishedByNode(const std::vector<nlohmann::json> &events)
{
    std::map<std::string, nlohmann::json> finished;
    for (const nlohmann::json &e : events) {
        if (e["event"] == "node_finished")
            finished[e["node"].get<std::string>()] = e;
    }
    return finished;
}

// Everything `node` wrote on `stream` ("stdout", "stderr"), from its output events.
inline std::string outputOf(const std::vector<nlohmann::json> &events, const std::string &node,
                            const char *stream = "stdout")
{
    std::string text;
    for (const nlohmann::json &e : events) {
        if (e["event"] == "output" && e["node"] == node && e["stream"] == stream)
            text += e["text"].get<std::string>();
    }
    return text;
}

// node (or ID[INDEX]) -> its outcome ("succeeded", "failed", ...).
inline std::map<std::string, std::string> outcomes(const std::vector<nlohmann::json> &events)
{
    std::map<std::string, std::string> result;
    for (const auto &[node, e] : finishedByNode(events))
        result[node] = e["outcome"].get<std::string>();
    return result;
}

// Whether a process is gone: kill(pid, 0) fails, or only its zombie is left
// (a grandchild reparented to an init that has not reaped it yet).
inline bool processGone(pid_t pid)
{
    if (::kill(pid, 0) != 0)
        return true;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const int close = text.lastIndexOf(')');
    return close > 0 && text.size() > close + 2 && text.at(close + 2) == 'Z';
}

} // namespace weft::test
