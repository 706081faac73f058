// SPDX-License-Identifier: Apache-2.0
#include "run/LogDock.h"

#include "run/RunStateStyle.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QShortcut>
#include <QTextBlock>
#include <QTextCursor>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace weft::ui {

LogDock::LogDock(QWidget *parent)
    : QDockWidget(tr("Log"), parent)
    , m_mode(new QComboBox)
    , m_nodeLabel(new QLabel)
    , m_find(new QLineEdit)
    , m_openFull(new QPushButton(tr("Open full log")))
    , m_view(new QPlainTextEdit)
{
    setObjectName(QStringLiteral("logDock"));
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    auto *bar = new QHBoxLayout;
    m_mode->addItem(tr("Selected node"));
    m_mode->addItem(tr("All output"));
    m_mode->setToolTip(tr("Show the output of the node selected on the canvas, or of every node"));
    bar->addWidget(m_mode);
    bar->addWidget(m_nodeLabel, 1);
    m_find->setPlaceholderText(tr("Find (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(260);
    bar->addWidget(m_find);
    m_openFull->setToolTip(tr("Open the node's complete output, kept on disk for this run"));
    m_openFull->setEnabled(false);
    bar->addWidget(m_openFull);
    layout->addLayout(bar);

    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_view->setFont(mono);
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(kMaxLines);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setUndoRedoEnabled(false);
    m_view->setPlaceholderText(tr("Select a node to see its output while it runs."));
    layout->addWidget(m_view);
    setWidget(content);

    auto *findShortcut = new QShortcut(QKeySequence::Find, content);
    findShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_find->setFocus();
        m_find->selectAll();
    });
    connect(m_find, &QLineEdit::returnPressed, this, [this] { findNext(false); });
    connect(m_find, &QLineEdit::textChanged, this, [this] {
        m_find->setStyleSheet(QString());
        QTextCursor cursor = m_view->textCursor();
        cursor.movePosition(QTextCursor::Start);
        m_view->setTextCursor(cursor);
        if (!m_find->text().isEmpty())
            findNext(false);
    });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] { rebuildView(); });
    connect(m_openFull, &QPushButton::clicked, this, [this] {
        const QString path = m_logFileOf ? m_logFileOf(m_nodeId) : QString();
        if (!path.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(path));
    });
}

void LogDock::reset(std::function<QString(NodeIndex)> ids,
                    std::function<QString(const QString &)> logFileOf)
{
    m_ids = std::move(ids);
    m_logFileOf = std::move(logFileOf);
    m_logs.clear();
    m_all.clear();
    m_hasNode = false;
    m_instance = kNoInstance;
    m_nodeId.clear();
    rebuildView();
}

QString LogDock::nameOf(NodeIndex node, int instance) const
{
    const QString id = m_ids ? m_ids(node) : QString::number(node);
    return instance < 0 ? id : QStringLiteral("%1[%2]").arg(id).arg(instance);
}

void LogDock::pushLine(std::uint64_t key, Line line)
{
    std::deque<Line> &lines = m_logs[key].lines;
    lines.push_back(std::move(line));
    if (lines.size() > std::size_t(kMaxLines))
        lines.pop_front();
}

void LogDock::commitLine(NodeIndex node, int instance, bool error, const QString &text,
                         std::vector<Line> *shown, std::vector<Line> *shownAll)
{
    pushLine(keyOf(node, instance), {error, text});
    // An instance's lines are its node's too, marked with the index, so the
    // node's log reads as one interleaved story of all its instances.
    Line inNode{error, instance < 0 ? text : QStringLiteral("[%1] %2").arg(instance).arg(text)};
    if (instance >= 0)
        pushLine(keyOf(node, kNoInstance), inNode);
    Line all{error, nameOf(node, instance) + QStringLiteral(" | ") + text};
    if (shown && m_hasNode && node == m_node) {
        if (m_instance == instance)
            shown->push_back({error, text});
        else if (m_instance == kNoInstance)
            shown->push_back(inNode);
    }
    if (shownAll)
        shownAll->push_back(all);
    m_all.push_back(std::move(all));
    if (m_all.size() > std::size_t(kMaxLines))
        m_all.pop_front();
}

std::vector<std::size_t> LogDock::displacedLines(const std::vector<EventQueue::Output> &output)
{
    // A flood of small lines (1 MB of `seq` is 130,000 of them) would cost
    // the GUI thread a QString and two list entries per line, only to push
    // all but the last kMaxLines out again: 250 ms a tick. Counting newlines
    // from the end finds, per chunk, how many leading lines no view keeps:
    // those with kMaxLines lines after them both overall and in their node.
    std::vector<std::size_t> lines(output.size());
    std::size_t total = 0;
    for (std::size_t c = 0; c < output.size(); ++c) {
        lines[c] = std::size_t(std::count(output[c].text.begin(), output[c].text.end(), '\n'));
        total += lines[c];
    }
    if (total <= std::size_t(kMaxLines))
        return {};
    std::vector<std::size_t> skip(output.size(), 0);
    std::unordered_map<NodeIndex, std::size_t> afterInNode;
    std::size_t after = 0;
    for (std::size_t c = output.size(); c-- > 0;) {
        std::size_t &inNode = afterInNode[output[c].node];
        const std::size_t keepAll = after < std::size_t(kMaxLines) ? kMaxLines - after : 0;
        const std::size_t keepNode = inNode < std::size_t(kMaxLines) ? kMaxLines - inNode : 0;
        const std::size_t keep = std::min(lines[c], std::max(keepAll, keepNode));
        skip[c] = lines[c] - keep;
        after += lines[c];
        inNode += lines[c];
    }
    return skip;
}

void LogDock::appendOutput(const std::vector<EventQueue::Output> &output, std::size_t droppedBytes)
{
    std::vector<Line> shown;
    std::vector<Line> shownAll;
    const bool all = showingAll();
    // The skipped output came before what is kept: the note goes first.
    if (droppedBytes > 0) {
        const QString note = tr("[%1 bytes of output not shown here: the window keeps up by "
                                "showing the latest; the full log on disk has them]")
                                 .arg(droppedBytes);
        m_all.push_back({true, note});
        shownAll.push_back({true, note});
        if (m_all.size() > std::size_t(kMaxLines))
            m_all.pop_front();
    }
    const std::vector<std::size_t> skip = displacedLines(output);
    for (std::size_t c = 0; c < output.size(); ++c) {
        const EventQueue::Output &chunk = output[c];
        const bool error = chunk.stream == OutputStream::Stderr;
        const std::uint64_t key = keyOf(chunk.node, chunk.instance);
        QString &partial = m_logs[key].partial[error ? 1 : 0];
        if (chunk.gapBefore) {
            // What came before the gap ends there, and the node's own log
            // says that lines are missing; the kept text may start mid-line.
            if (!partial.isEmpty()) {
                commitLine(chunk.node, chunk.instance, error, partial, &shown, &shownAll);
                partial.clear();
            }
            const Line gap{false, tr("[… output skipped here; the full log on disk has it]")};
            pushLine(key, gap);
            if (m_hasNode && chunk.node == m_node
                && (m_instance == chunk.instance || m_instance == kNoInstance))
                shown.push_back(gap);
        }
        std::size_t from = 0;
        if (!skip.empty() && skip[c] > 0) {
            // These lines (and the partial line the first completes) would be
            // pushed out of every view by the lines after them: skip them.
            partial.clear();
            for (std::size_t n = 0; n < skip[c]; ++n)
                from = chunk.text.find('\n', from) + 1;
        }
        partial += QString::fromUtf8(chunk.text.data() + from, qsizetype(chunk.text.size() - from));
        qsizetype start = 0;
        for (qsizetype nl = partial.indexOf(QLatin1Char('\n')); nl >= 0;
             nl = partial.indexOf(QLatin1Char('\n'), start)) {
            commitLine(chunk.node, chunk.instance, error, partial.mid(start, nl - start), &shown,
                       &shownAll);
            start = nl + 1;
        }
        partial.remove(0, start);
    }
    appendToView(all ? shownAll : shown);
    updateOpenButton();
}

void LogDock::flushNode(NodeIndex node, int instance)
{
    auto it = m_logs.find(keyOf(node, instance));
    if (it == m_logs.end())
        return;
    std::vector<Line> shown;
    std::vector<Line> shownAll;
    for (int stream = 0; stream < 2; ++stream) {
        if (!it->second.partial[stream].isEmpty()) {
            const QString text = it->second.partial[stream];
            it->second.partial[stream].clear();
            commitLine(node, instance, stream == 1, text, &shown, &shownAll);
        }
    }
    appendToView(showingAll() ? shownAll : shown);
}

void LogDock::addNote(const QString &text)
{
    m_all.push_back({false, text});
    if (showingAll())
        appendToView({{false, text}});
}

void LogDock::showNode(const QString &id, NodeIndex node)
{
    showInstance(id, node, kNoInstance);
}

void LogDock::showInstance(const QString &id, NodeIndex node, int instance)
{
    m_nodeId = id;
    m_node = node;
    m_instance = instance;
    m_hasNode = !id.isEmpty();
    if (!showingAll())
        rebuildView();
    updateOpenButton();
}

void LogDock::showAll()
{
    m_mode->setCurrentIndex(1);
}

bool LogDock::showingAll() const
{
    return m_mode->currentIndex() == 1;
}

QString LogDock::nodeText(NodeIndex node, int instance) const
{
    auto it = m_logs.find(keyOf(node, instance));
    if (it == m_logs.end())
        return {};
    QStringList lines;
    for (const Line &line : it->second.lines)
        lines << line.text;
    for (const QString &partial : it->second.partial) {
        if (!partial.isEmpty())
            lines << partial;
    }
    return lines.join(QLatin1Char('\n'));
}

void LogDock::rebuildView()
{
    m_view->clear();
    std::vector<Line> lines;
    if (showingAll()) {
        m_nodeLabel->setText(tr("every node, prefixed with its id"));
        lines.assign(m_all.begin(), m_all.end());
    } else if (m_hasNode) {
        m_nodeLabel->setText(tr("Output of <b>%1</b>").arg(m_nodeId.toHtmlEscaped()));
        auto it = m_logs.find(keyOf(m_node, m_instance));
        if (it != m_logs.end()) {
            lines.assign(it->second.lines.begin(), it->second.lines.end());
            for (int stream = 0; stream < 2; ++stream) {
                if (!it->second.partial[stream].isEmpty())
                    lines.push_back({stream == 1, it->second.partial[stream]});
            }
        }
    } else {
        m_nodeLabel->setText(tr("no node selected"));
    }
    appendToView(lines);
}

void LogDock::appendToView(const std::vector<Line> &lines)
{
    if (lines.empty())
        return;
    QScrollBar *bar = m_view->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 2;
    QTextCharFormat normal;
    normal.setForeground(palette().color(QPalette::Text));
    QTextCharFormat error;
    error.setForeground(RunStateStyle::errorColor(palette()));
    // Only the last kMaxLines can survive the block limit: skip the rest.
    const std::size_t first = lines.size() > std::size_t(kMaxLines) ? lines.size() - kMaxLines : 0;
    // The block limit would remove the oldest lines one at a time as the new
    // ones arrive (25 ms for a full view's worth); they go in one edit, or
    // all at once when the new lines replace everything.
    QTextDocument *document = m_view->document();
    const int incoming = int(lines.size() - first);
    if (incoming >= kMaxLines)
        m_view->clear();
    QTextCursor cursor(document);
    cursor.beginEditBlock();
    if (const int excess = document->blockCount() + incoming - kMaxLines;
        excess > 0 && !document->isEmpty()) {
        cursor.movePosition(QTextCursor::Start);
        cursor.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor, excess);
        cursor.removeSelectedText();
    }
    cursor.movePosition(QTextCursor::End);
    // Consecutive lines of one stream go in with one insertText, newlines
    // and all: a block and a format per line cost 5,000 lines 25 ms a tick.
    bool empty = m_view->document()->isEmpty();
    QString run;
    for (std::size_t i = first; i < lines.size();) {
        const bool isError = lines[i].error;
        run.clear();
        for (; i < lines.size() && lines[i].error == isError; ++i) {
            if (!empty)
                run += QLatin1Char('\n');
            empty = false;
            run += lines[i].text;
        }
        cursor.insertText(run, isError ? error : normal);
    }
    cursor.endEditBlock();
    if (atBottom)
        bar->setValue(bar->maximum());
}

void LogDock::findNext(bool backwards)
{
    const QString text = m_find->text();
    if (text.isEmpty())
        return;
    QTextDocument::FindFlags flags;
    if (backwards)
        flags |= QTextDocument::FindBackward;
    bool found = m_view->find(text, flags);
    if (!found) {
        // Wrap around once.
        QTextCursor cursor = m_view->textCursor();
        cursor.movePosition(backwards ? QTextCursor::End : QTextCursor::Start);
        m_view->setTextCursor(cursor);
        found = m_view->find(text, flags);
    }
    m_find->setStyleSheet(found ? QString()
                                : QStringLiteral("QLineEdit { color: %1; }")
                                      .arg(RunStateStyle::errorColor(palette()).name()));
}

void LogDock::updateOpenButton()
{
    m_openFull->setEnabled(m_hasNode && m_logFileOf && !m_logFileOf(m_nodeId).isEmpty());
}

} // namespace weft::ui
