// SPDX-License-Identifier: Apache-2.0
#include "Approvals.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace weft::cli {

ApprovalPrompter::ApprovalPrompter(TriggerHub &hub, bool interactive,
                                   std::function<void(const std::string &)> print)
    : m_hub(hub)
    , m_interactive(interactive)
    , m_print(std::move(print))
{
    if (m_interactive)
        m_thread = std::thread([this] { loop(); });
    m_hub.setApprovalHandler([this](const ApprovalRequest &request) { ask(request); });
}

ApprovalPrompter::~ApprovalPrompter()
{
    m_hub.setApprovalHandler(nullptr);
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ApprovalPrompter::ask(const ApprovalRequest &request)
{
    if (!m_interactive) {
        // Called inside the gate's wait, with no lock held: answering here
        // fails the node at once.
        m_hub.reject(request.node, "not approved: no terminal to ask on; run with --approve "
                                       + request.node + " to approve it");
        return;
    }
    std::lock_guard lock(m_mutex);
    m_queue.push_back(request);
    m_wake.notify_all();
}

// One question at a time. stdin is read only while a gate waits, and given
// up as soon as it stops waiting (the run was cancelled, a window answered).
void ApprovalPrompter::loop()
{
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_stop)
            return;
        const ApprovalRequest request = m_queue.front();
        m_queue.pop_front();
        lock.unlock();
        m_print("approval: " + request.node + (request.message.empty() ? "" : ": " + request.message)
                + " — approve? (y/N)");
        std::string answer;
        bool answered = false;
        while (!answered) {
            {
                std::lock_guard stopLock(m_mutex);
                if (m_stop)
                    return;
            }
            const auto waiting = m_hub.waitingApprovals();
            if (std::none_of(waiting.begin(), waiting.end(),
                             [&](const ApprovalRequest &r) { return r.node == request.node; }))
                break; // answered elsewhere, or cancelled
            pollfd fd{0, POLLIN, 0};
            if (::poll(&fd, 1, 200) <= 0)
                continue;
            char c = 0;
            const ssize_t n = ::read(0, &c, 1);
            if (n <= 0 || c == '\n') {
                answered = true;
                break;
            }
            answer += c;
        }
        if (answered) {
            std::string word;
            for (char c : answer)
                if (!std::isspace(static_cast<unsigned char>(c)))
                    word += char(std::tolower(static_cast<unsigned char>(c)));
            if (word == "y" || word == "yes")
                m_hub.approve(request.node);
            else
                m_hub.reject(request.node, "rejected at the terminal");
        }
        lock.lock();
    }
}

} // namespace weft::cli
