// SPDX-License-Identifier: Apache-2.0
#pragma once

// weft-cli's side of approval gates (weft/Triggers.h): --approve ID lets a
// gate pass without asking; otherwise, on a terminal, the gate is asked
// about (y/N) on stderr and answered from stdin; without a terminal it
// fails at once with a message that says how to approve it.

#include "weft/Triggers.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace weft::cli {

class ApprovalPrompter
{
public:
    // `interactive`: stdin and stderr are terminals. `print` writes a line
    // for people (the status printer's, so it does not tear the status line).
    ApprovalPrompter(TriggerHub &hub, bool interactive, std::function<void(const std::string &)> print);
    ~ApprovalPrompter(); // stops asking, joins its thread

private:
    void ask(const ApprovalRequest &request);
    void loop();

    TriggerHub &m_hub;
    const bool m_interactive;
    std::function<void(const std::string &)> m_print;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<ApprovalRequest> m_queue;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace weft::cli
