// SPDX-License-Identifier: Apache-2.0
#pragma once

// The output of the run: the selected node's stdout and stderr (stderr in the
// palette's error colour), or all output interleaved and prefixed with node
// ids. A fan-out instance's output is kept apart ("compile[3]") and, prefixed
// with its index, in its node's log too. Bounded twice: each node keeps its last kMaxLines lines in memory and
// the view keeps kMaxLines blocks, and text is appended once per drained batch
// in one edit block, so a node printing megabytes does not slow the window.
// The complete output is on disk (RunLogSink); "Open full log" shows it.

#include <weft/EventQueue.h>

#include <QDockWidget>
#include <QString>

#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace weft::ui {

class LogDock : public QDockWidget
{
    Q_OBJECT

public:
    static constexpr int kMaxLines = 5000;

    explicit LogDock(QWidget *parent = nullptr);

    // A new run: forget everything. `ids` names the run's nodes by index.
    void reset(std::function<QString(NodeIndex)> ids,
               std::function<QString(const QString &)> logFileOf);
    void appendOutput(const std::vector<EventQueue::Output> &output, std::size_t droppedBytes);
    // Commits a node's (or an instance's) unterminated last line (it finished).
    void flushNode(NodeIndex node, int instance = kNoInstance);
    void addNote(const QString &text); // a line of the run's own, in "All output"

    void showNode(const QString &id, NodeIndex node); // follow this node
    // Follow one instance of a fan-out node; `id` is its name, "compile[3]".
    void showInstance(const QString &id, NodeIndex node, int instance);
    int shownInstance() const { return m_instance; }
    void showAll();
    bool showingAll() const;
    QString shownNode() const { return m_nodeId; }

    QPlainTextEdit *view() const { return m_view; }
    QLineEdit *findField() const { return m_find; }
    // The plain text of a node's (or an instance's) kept lines (tests, copy).
    QString nodeText(NodeIndex node, int instance = kNoInstance) const;

private:
    struct Line
    {
        bool error = false;
        QString text; // without the newline; in "all": prefixed with the id
    };
    struct NodeLog
    {
        std::deque<Line> lines;
        QString partial[2]; // unterminated text per stream
    };

    static std::uint64_t keyOf(NodeIndex node, int instance)
    {
        return (std::uint64_t(node) << 32) | std::uint32_t(instance + 1);
    }
    void commitLine(NodeIndex node, int instance, bool error, const QString &text,
                    std::vector<Line> *shown, std::vector<Line> *shownAll);
    void pushLine(std::uint64_t key, Line line);
    QString nameOf(NodeIndex node, int instance) const;
    // Per output chunk, how many of its leading lines no view would keep.
    static std::vector<std::size_t> displacedLines(const std::vector<EventQueue::Output> &output);
    void rebuildView();
    void appendToView(const std::vector<Line> &lines);
    void findNext(bool backwards);
    void updateOpenButton();

    QComboBox *m_mode;
    QLabel *m_nodeLabel;
    QLineEdit *m_find;
    QPushButton *m_openFull;
    QPlainTextEdit *m_view;

    std::function<QString(NodeIndex)> m_ids;
    std::function<QString(const QString &)> m_logFileOf;
    std::unordered_map<std::uint64_t, NodeLog> m_logs; // by keyOf()
    std::deque<Line> m_all;
    QString m_nodeId;
    NodeIndex m_node = 0;
    int m_instance = kNoInstance; // the shown instance of m_node, or the node itself
    bool m_hasNode = false;
};

} // namespace weft::ui
