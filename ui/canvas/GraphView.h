// SPDX-License-Identifier: Apache-2.0
#pragma once

// The canvas view: zoom (Ctrl+wheel, pinch), pan (middle drag, Space+drag),
// fit, rubber-band selection, drops from the palette and of .weft files,
// an empty state that teaches, and a transient message line.

#include <QGraphicsView>
#include <QImage>
#include <QStringList>

class QLabel;
class QMimeData;
class QTimer;
class QVBoxLayout;
class QWidget;

namespace weft::ui {

class GraphScene;

class GraphView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit GraphView(GraphScene *scene, QWidget *parent = nullptr);

    GraphScene *graphScene() const { return m_scene; }
    qreal zoom() const { return transform().m11(); }
    void setZoom(qreal zoom, const QPointF &anchorViewPos = QPointF(-1, -1));
    void zoomBy(qreal factor, const QPointF &anchorViewPos = QPointF(-1, -1));
    void fitGraph();
    // The overview's cached edge layer exists for the viewport's size
    // (made on the thread pool after the first overview frame).
    bool hasEdgeLayer() const;
    void centerOnNode(const QString &id);
    QPointF viewCenterInScene() const;

    // Example files offered by the empty state (absolute paths).
    void setExamples(const QStringList &paths);
    void showMessage(const QString &text, int milliseconds = 5000);
    QString currentMessage() const;
    void updateEmptyState();

    static constexpr const char *kOperationMime = "application/x-weft-operation";

Q_SIGNALS:
    void exampleRequested(const QString &path);
    void filesDropped(const QStringList &paths);
    void zoomChanged(qreal zoom);

protected:
    void wheelEvent(QWheelEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void resizeEvent(QResizeEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    bool acceptsDrag(const QMimeData *mime) const;
    void layoutOverlays();
    void drawEdgeLayer(QPainter *painter);
    bool scrollEdgeLayer(const QTransform &transform, qreal dpr);

    GraphScene *m_scene;
    bool m_spaceHeld = false;
    bool m_panning = false;
    QPoint m_panLast;
    QWidget *m_emptyState;
    QVBoxLayout *m_examplesLayout;
    QLabel *m_message;
    QTimer *m_messageTimer;
    // The overview's background and edges, as the viewport shows them: a
    // run's frame blits it and draws only the edges satisfied since the
    // last one, not 20,000 base and 20,000 satisfied lines (4-5 ms of each
    // frame with 10,000 nodes). Drawn again from scratch when the view's
    // transform or size, the scene's geometry or a colour changes; when only
    // the satisfied edges were cleared (a new run), copied from `unsatisfied`;
    // a scroll moves the pixels and draws the uncovered strips.
    struct EdgeLayer
    {
        QImage image;
        // The same before any satisfied edge was drawn on it (when valid): a
        // run's start copies it back.
        QImage unsatisfied;
        bool unsatisfiedValid = false;
        QTransform transform;
        quint64 geometry = 0;
        quint64 satisfied = 0;
        std::size_t satisfiedDrawn = 0;
        QRgb canvas = 0, edge = 0, dataEdge = 0;
    };
    EdgeLayer m_edgeLayer;
    QSize m_edgeLayerComing; // being allocated on the thread pool
    void allocateEdgeLayer(const QSize &size);
};

} // namespace weft::ui
