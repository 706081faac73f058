// SPDX-License-Identifier: Apache-2.0
#include "run/RunProblems.h"

#include "run/RunStateStyle.h"

#include <weft/RunReport.h>

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace weft::ui {

namespace {

constexpr int kNodeRole = Qt::UserRole + 1;
constexpr int kInstanceRole = Qt::UserRole + 2; // set on an instance's entries

QString toQ(const std::string &s)
{
    return QString::fromStdString(s);
}

QStringList lastLines(const std::string &text, int count)
{
    QStringList lines = toQ(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return lines;
}

} // namespace

RunProblems::RunProblems(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_list(new QTreeWidget(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setText(tr("No run yet. Run the workflow with F5: what fails or is skipped "
                         "appears here."));
    updateTitle();
    layout->addWidget(m_header);
    m_list->setColumnCount(2);
    m_list->setHeaderLabels({tr("Node"), tr("Problem")});
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_list->header()->setStretchLastSection(true);
    m_list->setUniformRowHeights(false);
    m_list->setWordWrap(true);
    m_list->setObjectName(QStringLiteral("runProblemsList"));
    layout->addWidget(m_list);
    auto request = [this](QTreeWidgetItem *item) {
        const QString id = item->data(0, kNodeRole).toString();
        if (id.isEmpty())
            return;
        Q_EMIT nodeRequested(id);
        const QVariant instance = item->data(0, kInstanceRole);
        if (instance.isValid())
            Q_EMIT instanceRequested(id, instance.toInt());
    };
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, request);
    connect(m_list, &QTreeWidget::itemActivated, this, request);
}

void RunProblems::clear()
{
    m_list->clear();
    m_skippedGroup = nullptr;
    m_summary = nullptr;
    m_parallelism = nullptr;
    m_failures = 0;
    m_instanceFailures = 0;
    m_nodesWithFailedInstances.clear();
    m_skipped = 0;
    m_header->setText(tr("Running…"));
    updateTitle();
}

void RunProblems::updateTitle()
{
    setWindowTitle(m_failures > 0 ? tr("Last Run (%n failed)", nullptr, m_failures)
                                  : tr("Last Run"));
}

QTreeWidgetItem *RunProblems::addFailure(const QString &nodeId, const NodeFinished &finished)
{
    return addFailureEntry(nodeId, nodeId, finished, kNoInstance);
}

QTreeWidgetItem *RunProblems::addInstanceFailure(const QString &nodeId, int instance,
                                                 const QString &item, const NodeFinished &finished)
{
    ++m_instanceFailures;
    m_nodesWithFailedInstances.insert(nodeId);
    QString shown = QStringLiteral("%1[%2]").arg(nodeId).arg(instance);
    if (!item.isEmpty())
        shown += QStringLiteral(" (%1)").arg(item);
    return addFailureEntry(nodeId, shown, finished, instance);
}

QTreeWidgetItem *RunProblems::addFailureEntry(const QString &nodeId, const QString &shown,
                                              const NodeFinished &finished, int instance)
{
    ++m_failures;
    auto *item = new QTreeWidgetItem;
    item->setIcon(0, RunStateStyle::icon(finished.outcome));
    item->setText(0, shown);
    item->setData(0, kNodeRole, nodeId);
    if (instance >= 0)
        item->setData(0, kInstanceRole, instance);
    QString headline = toQ(describeEnding(finished));
    if (finished.attempts > 1)
        headline += tr(" (after %n attempts)", nullptr, finished.attempts);
    item->setText(1, headline);
    QStringList tip{QStringLiteral("<b>%1</b> — %2").arg(shown.toHtmlEscaped(),
                                                          headline.toHtmlEscaped())};
    // Children take the entry's node and instance: any line of it opens them.
    auto tag = [nodeId, instance](QTreeWidgetItem *child) {
        child->setData(0, kNodeRole, nodeId);
        if (instance >= 0)
            child->setData(0, kInstanceRole, instance);
    };
    if (!finished.command.empty()) {
        auto *command = new QTreeWidgetItem(item, {tr("command"), toQ(finished.command)});
        tag(command);
        tip << tr("command: %1").arg(toQ(finished.command).toHtmlEscaped());
    }
    if (!finished.error.empty() && toQ(finished.error) != headline) {
        auto *error = new QTreeWidgetItem(item, {tr("error"), toQ(finished.error)});
        tag(error);
    }
    const QStringList tail = lastLines(finished.stderrTail, 8);
    if (!tail.isEmpty()) {
        auto *stderrItem = new QTreeWidgetItem(item, {tr("stderr"), tail.join(QLatin1Char('\n'))});
        tag(stderrItem);
        stderrItem->setForeground(1, RunStateStyle::errorColor(m_list->palette()));
        QFont mono(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::Monospace);
        stderrItem->setFont(1, mono);
        tip << QStringLiteral("<pre>%1</pre>").arg(tail.join(QLatin1Char('\n')).toHtmlEscaped());
    }
    item->setToolTip(0, tip.join(QStringLiteral("<br>")));
    item->setToolTip(1, item->toolTip(0));
    // Failures first, in the order they happened, above skipped and summary.
    int row = m_failures - 1;
    m_list->insertTopLevelItem(row, item);
    // Thousands of failed instances expanded would bury everything else.
    item->setExpanded(m_failures <= 20);
    m_header->setText(m_instanceFailures > 0
                          ? tr("%n failure(s), %1 of them fan-out instances.", nullptr, m_failures)
                                .arg(m_instanceFailures)
                          : tr("%n node(s) failed.", nullptr, m_failures));
    updateTitle();
    return item;
}

QTreeWidgetItem *RunProblems::skippedGroup()
{
    if (!m_skippedGroup) {
        m_skippedGroup = new QTreeWidgetItem;
        m_skippedGroup->setIcon(0, RunStateStyle::icon(NodeState::Skipped));
        m_list->insertTopLevelItem(m_failures, m_skippedGroup);
    }
    return m_skippedGroup;
}

void RunProblems::addSkipped(const QString &nodeId, const NodeFinished &finished)
{
    ++m_skipped;
    QTreeWidgetItem *group = skippedGroup();
    group->setText(0, tr("%n skipped", nullptr, m_skipped));
    group->setText(1, tr("never ran because of a failure"));
    QString reason = toQ(finished.error);
    if (reason.isEmpty() && !finished.causeNode.empty())
        reason = tr("skipped because %1 failed").arg(toQ(finished.causeNode));
    auto *item = new QTreeWidgetItem(group, {nodeId, reason});
    item->setIcon(0, RunStateStyle::icon(NodeState::Skipped));
    item->setData(0, kNodeRole, nodeId);
    item->setToolTip(1, reason);
}

void RunProblems::addRunError(const QString &text)
{
    auto *item = new QTreeWidgetItem({tr("run"), text});
    item->setIcon(0, RunStateStyle::icon(NodeState::Failed));
    m_list->addTopLevelItem(item);
}

void RunProblems::setSummary(RunOutcome outcome, const QString &summary)
{
    if (!m_summary) {
        m_summary = new QTreeWidgetItem;
        m_list->addTopLevelItem(m_summary);
    }
    const NodeState icon = outcome == RunOutcome::Succeeded ? NodeState::Succeeded
                           : outcome == RunOutcome::Failed  ? NodeState::Failed
                                                            : NodeState::Cancelled;
    m_summary->setIcon(0, RunStateStyle::icon(icon));
    m_summary->setText(0, tr("Run %1").arg(toQ(std::string(toString(outcome)))));
    m_summary->setText(1, summary);
    m_summary->setToolTip(1, summary);
    m_header->setText(summary);
}

void RunProblems::setParallelism(const QString &line, const QStringList &causes)
{
    if (!m_parallelism) {
        m_parallelism = new QTreeWidgetItem;
        m_list->addTopLevelItem(m_parallelism);
    }
    qDeleteAll(m_parallelism->takeChildren());
    m_parallelism->setText(0, tr("Parallelism"));
    m_parallelism->setText(1, line);
    m_parallelism->setToolTip(1, line + QLatin1Char('\n') + causes.join(QLatin1Char('\n')));
    for (const QString &cause : causes)
        m_parallelism->addChild(new QTreeWidgetItem({QString(), cause}));
}

void RunProblems::select(QTreeWidgetItem *item)
{
    if (!item)
        return;
    m_list->setCurrentItem(item);
    m_list->scrollToItem(item);
}

} // namespace weft::ui
