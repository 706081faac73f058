// SPDX-License-Identifier: Apache-2.0
#pragma once

// A Gantt chart of the current or last run: one lane per job slot, a bar
// per node attempt coloured by outcome (running bars grow live), the
// critical path outlined, a thin parallelism-over-time curve above the lanes
// and a time ruler. Paints only the visible time range. Ctrl+wheel zooms
// around the cursor, wheel and drag pan; click selects the node on the
// canvas; hovering a bar tells node, start, duration, attempt and outcome.
//
// A fan-out node gets a group row above the slot lanes: one bar from its
// start to its end, labelled with done/total. Its instances' bars sit in the
// slot lanes they ran in, named ID[i], with a band of the group's colour
// along their top that ties them to their row.
//
// The view is passive: RunView calls setRun() at a new run and update()s it
// after each applied batch; bars come from the controller's attempts and
// nodes, read at paint time.

#include <weft/Events.h>

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <optional>
#include <unordered_map>
#include <vector>

namespace weft::ui {

class RunController;

class TimelineView : public QWidget
{
    Q_OBJECT

public:
    struct Bar
    {
        NodeIndex node = 0;
        int attempt = 1;
        int lane = 0;
        double start = 0;
        double end = 0;
        NodeState outcome = NodeState::Running;
        bool critical = false;
        int attemptIndex = -1; // into RunController::attempts(); -1 while running
        int instance = kNoInstance; // a fan-out instance's attempt
        bool group = false; // a fan-out node's group row: `lane` is the group's index
        double queuedUntil = -1; // on Slurm: start..queuedUntil waited in the Slurm queue
    };

    explicit TimelineView(RunController *controller, QWidget *parent = nullptr);

    void resetView();  // a new run: follow it from the start
    // After a batch: rebuild bars, repaint if visible. While the run goes
    // on, repaints come at most every kLivePaintMs: a paint walks every bar
    // (10,000 of a large fan-out), and a chart that moves ten times a second
    // reads as live.
    void refresh();
    static constexpr int kLivePaintMs = 100;
    const std::vector<Bar> &bars() const { return m_bars; }
    int laneCount() const { return m_lanes; }  // job slot lanes
    int groupCount() const { return int(m_groups.size()); } // fan-out group rows
    // The colour that ties a fan-out's instance bars to its group row.
    QColor groupColor(NodeIndex node) const;
    std::optional<Bar> barAt(const QPoint &pos) const;
    QRectF barRect(const Bar &bar) const;
    QString tooltipFor(const Bar &bar) const; // rich text: node, times, where it ran, error

    QSize sizeHint() const override { return {800, 180}; }

Q_SIGNALS:
    void nodeClicked(const QString &id);
    // A fan-out instance's bar was clicked (after nodeClicked for its node).
    void instanceClicked(const QString &id, int instance);

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    void rebuild();
    void forgetRun();
    double xOf(double t) const { return m_left + (t - m_t0) * m_pxPerSecond; }
    double timeAt(double x) const { return m_t0 + (x - m_left) / m_pxPerSecond; }
    double laneTop(int lane) const; // by row: group rows first, then slots
    int rowOf(const Bar &bar) const { return bar.group ? bar.lane : int(m_groups.size()) + bar.lane; }
    int rowCount() const { return int(m_groups.size()) + m_lanes; }
    QString barName(const Bar &bar) const;
    double endTime() const;

    RunController *m_controller;
    QTimer *m_repaintLater;   // a live repaint deferred to kLivePaintMs after the last
    QElapsedTimer m_lastPaint;
    std::vector<Bar> m_bars; // the ended attempts' bars (in order), then the running ones
    std::size_t m_finishedBars = 0;      // how many attempts have their bar
    std::vector<std::size_t> m_unsettled; // failed attempts whose node's end is not known yet
    std::vector<std::pair<double, int>> m_finishedSteps; // ended attempts' +1/-1, sorted
    bool m_criticalMarked = false;
    std::vector<std::pair<double, int>> m_parallelism; // time -> nodes running from then on
    int m_lanes = 1;
    int m_maxParallel = 1;
    std::vector<NodeIndex> m_groups; // fan-out nodes, in order of their items becoming known
    std::unordered_map<NodeIndex, int> m_groupOf;

    double m_t0 = 0;            // time at the left edge of the chart area
    double m_pxPerSecond = 100; // zoom
    int m_scrollY = 0;
    bool m_follow = true;       // fit the whole run until the user zooms or pans
    QPoint m_dragFrom;
    bool m_dragging = false;
    bool m_dragged = false;
    double m_dragT0 = 0;
    int m_dragScrollY = 0;

    static constexpr int m_left = 56; // the lane-label gutter
};

} // namespace weft::ui
