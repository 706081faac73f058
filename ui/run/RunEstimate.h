// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the next run will probably take, before it starts (issue 18): the
// wall time at the chosen -j, simulated on the durations the run history
// recorded (weft/Parallelism.h, the same as `weft-cli predict`), and the
// design's width and critical path by those durations. Computed off the
// GUI thread whenever the document, the job count or the history changes;
// a result for a version that is no longer current is dropped.

#include <weft/Parallelism.h>

#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

namespace weft {
struct Workflow;
}

namespace weft::ui {

class RunEstimate : public QObject
{
    Q_OBJECT

public:
    explicit RunEstimate(QObject *parent = nullptr);

    struct Result
    {
        int jobs = 0;
        double predictedWall = -1;  // < 0: no history to predict from
        std::size_t measuredUnits = 0;
        DesignEstimate design;
    };

    // Asks again (debounced ~250 ms): `file` empty for an unsaved document.
    void request(std::shared_ptr<const Workflow> workflow, const QString &file, int jobs);
    // At once, no debounce (after a run, tests).
    void requestNow(std::shared_ptr<const Workflow> workflow, const QString &file, int jobs);
    const Result &result() const { return m_result; }
    bool current() const { return m_current; }

    // "≈ 12.4 s at -j 4" or empty; its tooltip.
    QString label() const;
    QString toolTip() const;
    // "width 5 · critical path ≈ 3.2 s" or empty.
    QString designText() const;

Q_SIGNALS:
    void changed();

private:
    void start();

    QTimer m_debounce;
    std::shared_ptr<const Workflow> m_workflow;
    QString m_file;
    int m_jobs = 1;
    quint64 m_generation = 0;
    bool m_current = false;
    Result m_result;
};

} // namespace weft::ui
