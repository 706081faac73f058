// SPDX-License-Identifier: Apache-2.0
#include "process/CommandLine.h"

#include <algorithm>
#include <array>

namespace weft {

namespace {

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

// GNU make's sh_chars plus quotes, backslash and line breaks: any of these
// means the shell would interpret the line. '=' is handled per word below.
bool isShellChar(char c)
{
    switch (c) {
    case '#': case ';': case '"': case '\'': case '\\': case '*': case '?': case '[':
    case ']': case '&': case '|': case '<': case '>': case '(': case ')': case '{':
    case '}': case '$': case '`': case '^': case '~': case '!': case '\n': case '\r':
    case '\v': case '\f':
        return true;
    default:
        return false;
    }
}

// Builtins and reserved words: executing these directly would fail or do
// something else than the shell does (GNU make's sh_cmds, extended with the
// reserved words and common bash builtins). Sorted for binary search.
constexpr std::array<std::string_view, 54> kShellWords = {
    ".",        ":",       "[",        "[[",      "alias",   "bg",       "break",
    "builtin",  "case",    "cd",       "command", "continue", "declare", "do",
    "done",     "elif",    "else",     "esac",    "eval",    "exec",     "exit",
    "export",   "fc",      "fg",       "fi",      "for",     "function", "getopts",
    "hash",     "if",      "in",       "jobs",    "let",     "local",    "read",
    "readonly", "return",  "select",   "set",     "shift",   "source",   "test",
    "then",     "time",    "trap",     "type",    "typeset", "ulimit",   "umask",
    "unalias",  "unset",   "until",    "wait",    "while",
};

bool isShellWord(std::string_view word)
{
    return std::binary_search(kShellWords.begin(), kShellWords.end(), word);
}

template<typename F>
void forEachWord(std::string_view command, F &&f)
{
    std::size_t i = 0;
    while (i < command.size()) {
        while (i < command.size() && isBlank(command[i]))
            ++i;
        std::size_t start = i;
        while (i < command.size() && !isBlank(command[i]))
            ++i;
        if (i > start && !f(command.substr(start, i - start)))
            return;
    }
}

} // namespace

bool needsShell(std::string_view command)
{
    if (std::any_of(command.begin(), command.end(), isShellChar))
        return true;
    bool shell = false;
    forEachWord(command, [&shell](std::string_view word) {
        // Only the first word matters: "FOO=1 cmd" is an assignment, while
        // "cmd --opt=1" is an ordinary argument.
        shell = word.find('=') != std::string_view::npos || isShellWord(word);
        return false;
    });
    return shell;
}

std::optional<std::vector<std::string>> splitSimpleCommand(std::string_view command)
{
    if (needsShell(command))
        return std::nullopt;
    std::vector<std::string> argv;
    forEachWord(command, [&argv](std::string_view word) {
        argv.emplace_back(word);
        return true;
    });
    return argv;
}

std::string firstWord(std::string_view command)
{
    std::string word;
    forEachWord(command, [&word](std::string_view w) {
        word = w;
        return false;
    });
    return word;
}

std::string displayCommandLine(const std::vector<std::string> &argv)
{
    std::string line;
    for (const std::string &arg : argv) {
        if (!line.empty())
            line += ' ';
        bool plain = !arg.empty()
                     && std::none_of(arg.begin(), arg.end(), [](char c) {
                            return isBlank(c) || isShellChar(c) || c == '=';
                        });
        if (plain) {
            line += arg;
            continue;
        }
        line += '\'';
        for (char c : arg) {
            if (c == '\'')
                line += "'\\''";
            else
                line += c;
        }
        line += '\'';
    }
    return line;
}

} // namespace weft
