// SPDX-License-Identifier: Apache-2.0
#include "run/RunEstimate.h"

#include "run/SubworkflowRun.h"

#include <weft/RunReport.h>
#include <weft/StateStore.h>
#include <weft/Workflow.h>

#include <QCoreApplication>
#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>

namespace weft::ui {

namespace {

constexpr int kRecordedRuns = 5; // as weft-cli predict: the median of the newest five

QString seconds(double s)
{
    return QString::fromStdString(formatSeconds(s));
}

} // namespace

RunEstimate::RunEstimate(QObject *parent)
    : QObject(parent)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, &RunEstimate::start);
}

void RunEstimate::request(std::shared_ptr<const Workflow> workflow, const QString &file, int jobs)
{
    m_workflow = std::move(workflow);
    m_file = file;
    m_jobs = jobs;
    m_current = false;
    ++m_generation;
    m_debounce.start();
}

void RunEstimate::requestNow(std::shared_ptr<const Workflow> workflow, const QString &file,
                             int jobs)
{
    request(std::move(workflow), file, jobs);
    m_debounce.stop();
    start();
}

void RunEstimate::start()
{
    if (!m_workflow)
        return;
    QPointer<RunEstimate> self(this);
    const quint64 generation = m_generation;
    QThreadPool::globalInstance()->start(
        [self, generation, workflow = m_workflow, file = m_file, jobs = m_jobs]() mutable {
            // What runs, and what the history recorded: workflow nodes
            // expanded into their inner nodes (as weft-cli predict does).
            // One that cannot be expanded: estimated as written.
            if (!file.isEmpty()) {
                SubworkflowExpansion expansion = expandForRun(workflow, file);
                if (expansion.workflow)
                    workflow = std::move(expansion.workflow);
            }
            Result result;
            result.jobs = jobs;
            PredictInput input;
            input.jobs = jobs;
            if (!file.isEmpty()) {
                const QFileInfo info(file);
                input.baseDirectory = info.absolutePath().toStdString();
                // Only a history that exists: estimating must not create a
                // .weft folder beside every file opened.
                if (QFileInfo::exists(info.absolutePath() + QStringLiteral("/.weft/state.db"))) {
                    std::string error;
                    if (auto store = StateStore::open(file.toStdString(), error)) {
                        try {
                            readHistory(input, *store, kRecordedRuns);
                        } catch (const std::exception &) {
                            input.durations.clear(); // the History dock says what is wrong
                            input.cpuWork.clear();
                        }
                    }
                }
            }
            result.measuredUnits = input.durations.size();
            try {
                if (!input.durations.empty())
                    result.predictedWall = predictRun(*workflow, input).wall;
                result.design = estimateDesign(*workflow, input);
            } catch (const std::exception &) {
                // A design the simulation cannot take (being edited into
                // shape): no figures rather than wrong ones.
                result = Result{};
                result.jobs = jobs;
            }
            QMetaObject::invokeMethod(
                qApp,
                [self, generation, result = std::move(result)]() mutable {
                    if (!self || generation != self->m_generation)
                        return;
                    self->m_result = std::move(result);
                    self->m_current = true;
                    Q_EMIT self->changed();
                },
                Qt::QueuedConnection);
        });
}

QString RunEstimate::label() const
{
    if (m_result.predictedWall < 0)
        return {};
    return tr("≈ %1").arg(seconds(m_result.predictedWall));
}

QString RunEstimate::toolTip() const
{
    if (m_result.predictedWall < 0)
        return tr("No prediction yet: run the saved workflow once, and the next run's wall time "
                  "is predicted from the recorded durations");
    QString text = tr("Predicted wall time at jobs = %1: %2, simulated on the durations the last "
                      "%3 recorded runs measured (weft-cli predict).")
                       .arg(m_result.jobs)
                       .arg(seconds(m_result.predictedWall))
                       .arg(kRecordedRuns);
    if (m_result.design.estimatedNodes > 0)
        text += tr("\n%n node(s) without a measured duration are estimated.", nullptr,
                   int(m_result.design.estimatedNodes));
    return text;
}

QString RunEstimate::designText() const
{
    if (!m_current || m_result.design.width == 0)
        return {};
    return tr("width %1 · critical path ≈ %2")
        .arg(m_result.design.width)
        .arg(seconds(m_result.design.criticalPath));
}

} // namespace weft::ui
