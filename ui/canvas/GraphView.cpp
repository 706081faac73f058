// SPDX-License-Identifier: Apache-2.0
#include "GraphView.h"

#include "GraphScene.h"
#include "NodeItem.h"
#include "Theme.h"

#include <QApplication>
#include <QFileInfo>
#include <QGestureEvent>
#include <QLabel>
#include <QMimeData>
#include <QNativeGestureEvent>
#include <QPainter>
#include <QPinchGesture>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cmath>
#include <cstring>

namespace weft::ui {

namespace {
constexpr qreal kMinZoom = 0.02;
constexpr qreal kMaxZoom = 4.0;
} // namespace

GraphView::GraphView(GraphScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent)
    , m_scene(scene)
    , m_emptyState(new QWidget(viewport()))
    , m_examplesLayout(new QVBoxLayout)
    , m_message(new QLabel(viewport()))
    , m_messageTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("canvas"));
    setRenderHint(QPainter::Antialiasing);
    setRenderHint(QPainter::SmoothPixmapTransform);
    setDragMode(RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    // Minimal updates repaint only what changed: one node's state change does
    // not repaint 10,000 others.
    setViewportUpdateMode(MinimalViewportUpdate);
    setOptimizationFlags(DontSavePainterState | DontAdjustForAntialiasing);
    setCacheMode(CacheNone);
    setAcceptDrops(true);
    // Node editors pan by dragging, not by scroll bars, and the scene is unbounded.
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    setSceneRect(QRectF(-50000, -50000, 100000, 100000));
    viewport()->grabGesture(Qt::PinchGesture);

    m_emptyState->setObjectName(QStringLiteral("emptyState"));
    auto *layout = new QVBoxLayout(m_emptyState);
    auto *title = new QLabel(tr("<b>This workflow is empty</b>"));
    title->setAlignment(Qt::AlignCenter);
    auto *hint = new QLabel(tr("Drag an operation from the Palette onto the canvas,\n"
                               "or double-click it, to add the first node.\n"
                               "Then drag from a node's right port to another node's left "
                               "port to say what runs after what."));
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    layout->addWidget(title);
    layout->addWidget(hint);
    layout->addSpacing(8);
    auto *examplesTitle = new QLabel(tr("Or start from an example:"));
    examplesTitle->setAlignment(Qt::AlignCenter);
    examplesTitle->setObjectName(QStringLiteral("examplesTitle"));
    layout->addWidget(examplesTitle);
    layout->addLayout(m_examplesLayout);
    m_emptyState->setAutoFillBackground(false);

    m_message->setObjectName(QStringLiteral("canvasMessage"));
    m_message->setWordWrap(true);
    m_message->setMargin(8);
    m_message->setAutoFillBackground(true);
    m_message->hide();
    m_messageTimer->setSingleShot(true);
    connect(m_messageTimer, &QTimer::timeout, m_message, &QWidget::hide);

    connect(scene, &QGraphicsScene::changed, this, [this] { updateEmptyState(); });
    updateEmptyState();
}

void GraphView::setExamples(const QStringList &paths)
{
    while (QLayoutItem *item = m_examplesLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const QString &path : paths) {
        auto *button = new QPushButton(QFileInfo(path).completeBaseName(), m_emptyState);
        button->setToolTip(path);
        button->setCursor(Qt::PointingHandCursor);
        connect(button, &QPushButton::clicked, this, [this, path] { Q_EMIT exampleRequested(path); });
        m_examplesLayout->addWidget(button, 0, Qt::AlignHCenter);
    }
    m_emptyState->findChild<QLabel *>(QStringLiteral("examplesTitle"))->setVisible(!paths.isEmpty());
    layoutOverlays();
}

void GraphView::updateEmptyState()
{
    const bool empty = m_scene->nodeCount() == 0;
    if (empty != m_emptyState->isVisible()) {
        m_emptyState->setVisible(empty);
        layoutOverlays();
    }
}

void GraphView::showMessage(const QString &text, int milliseconds)
{
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::Window, palette.color(QPalette::ToolTipBase));
    palette.setColor(QPalette::WindowText, palette.color(QPalette::ToolTipText));
    m_message->setPalette(palette);
    m_message->setText(text);
    m_message->show();
    m_message->raise();
    layoutOverlays();
    m_messageTimer->start(milliseconds);
}

QString GraphView::currentMessage() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

void GraphView::layoutOverlays()
{
    const QRect area = viewport()->rect();
    if (m_emptyState->isVisible()) {
        const QSize hint = m_emptyState->sizeHint().boundedTo(area.size());
        const int width = std::min(area.width() - 40, std::max(hint.width(), 420));
        const int height = m_emptyState->heightForWidth(width) > 0
            ? m_emptyState->heightForWidth(width) : hint.height();
        m_emptyState->setGeometry(QRect(0, 0, width, height).translated(
            area.center() - QPoint(width / 2, height / 2)));
    }
    if (m_message->isVisible()) {
        const int width = std::min(area.width() - 40, 640);
        const int height = m_message->heightForWidth(width);
        m_message->setGeometry((area.width() - width) / 2, 16, width, height);
    }
}

void GraphView::paintEvent(QPaintEvent *event)
{
    // The mode for this zoom is set before Qt paints, so the frame is drawn
    // in it (drawBackground() checks again for render(), which skips this).
    const bool overview = zoom() < GraphScene::kOverviewZoom;
    m_scene->setOverview(overview);
    // Qt's direct painting walks every item and gives each one it draws or
    // not a hash of painted rectangles - a heap allocation of about 1.4 KB
    // per item: 150-240 ms and 40 MB the first time 30,000 items are shown
    // at 100 %. Indirect painting asks the scene for the items in the exposed
    // area first, so only those get one. In the overview the items draw
    // nothing and direct painting skips them early: it is cheaper there.
    setOptimizationFlag(IndirectPainting, !overview);
    QGraphicsView::paintEvent(event);
}

void GraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    layoutOverlays();
}

void GraphView::setZoom(qreal zoom, const QPointF &anchorViewPos)
{
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    const qreal factor = zoom / this->zoom();
    if (qFuzzyCompare(factor, 1.0))
        return;
    const ViewportAnchor anchor = transformationAnchor();
    if (anchorViewPos.x() < 0) {
        setTransformationAnchor(AnchorViewCenter);
        scale(factor, factor);
    } else {
        // Keep the scene point under `anchorViewPos` there: the cursor for
        // the wheel, the fingers' centre for a pinch.
        const QPointF scenePoint = mapToScene(anchorViewPos.toPoint());
        setTransformationAnchor(NoAnchor);
        scale(factor, factor);
        const QPointF drift = mapFromScene(scenePoint) - anchorViewPos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() + qRound(drift.x()));
        verticalScrollBar()->setValue(verticalScrollBar()->value() + qRound(drift.y()));
    }
    setTransformationAnchor(anchor);
    Q_EMIT zoomChanged(this->zoom());
}

void GraphView::zoomBy(qreal factor, const QPointF &anchorViewPos)
{
    setZoom(zoom() * factor, anchorViewPos);
}

void GraphView::fitGraph()
{
    const QRectF bounds = m_scene->nodesBoundingRect();
    if (bounds.isEmpty()) {
        resetTransform();
        centerOn(0, 0);
        Q_EMIT zoomChanged(zoom());
        return;
    }
    fitInView(bounds.adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
    if (zoom() > 1.0) { // a small graph is shown at 100 %, not blown up
        setZoom(1.0);
        centerOn(bounds.center());
    } else if (zoom() < kMinZoom) {
        setZoom(kMinZoom);
        centerOn(bounds.center());
    }
    Q_EMIT zoomChanged(zoom());
}

void GraphView::centerOnNode(const QString &id)
{
    if (NodeItem *item = m_scene->nodeItem(id)) {
        if (zoom() < 0.6)
            setZoom(1.0);
        centerOn(item);
    }
}

QPointF GraphView::viewCenterInScene() const
{
    return mapToScene(viewport()->rect().center());
}

void GraphView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const qreal steps = event->angleDelta().y() / 120.0;
        zoomBy(std::pow(1.15, steps), event->position());
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

bool GraphView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::Gesture) {
        auto *gesture = static_cast<QGestureEvent *>(event);
        if (auto *pinch = static_cast<QPinchGesture *>(gesture->gesture(Qt::PinchGesture))) {
            if (pinch->changeFlags() & QPinchGesture::ScaleFactorChanged)
                zoomBy(pinch->scaleFactor(), viewport()->mapFromGlobal(pinch->centerPoint()));
            gesture->accept(pinch);
            return true;
        }
    } else if (event->type() == QEvent::NativeGesture) {
        // Touchpads on macOS and Wayland deliver pinch as native zoom gestures.
        auto *native = static_cast<QNativeGestureEvent *>(event);
        if (native->gestureType() == Qt::ZoomNativeGesture) {
            zoomBy(1.0 + native->value(), native->position());
            return true;
        }
    }
    return QGraphicsView::viewportEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton
        || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_panning) {
        const QPoint delta = event->position().toPoint() - m_panLast;
        m_panLast = event->position().toPoint();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_panning) {
        m_panning = false;
        viewport()->setCursor(m_spaceHeld ? Qt::OpenHandCursor : Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        event->accept();
        return;
    }
    const qreal step = (event->modifiers() & Qt::ShiftModifier) ? GraphScene::kGrid * 5
                                                                  : GraphScene::kGrid;
    QPointF delta;
    switch (event->key()) {
    case Qt::Key_Left: delta = {-step, 0}; break;
    case Qt::Key_Right: delta = {step, 0}; break;
    case Qt::Key_Up: delta = {0, -step}; break;
    case Qt::Key_Down: delta = {0, step}; break;
    default: break;
    }
    if (!delta.isNull() && !m_scene->selectedNodeIds().isEmpty()) {
        m_scene->nudgeSelection(delta);
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::keyReleaseEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (!m_panning)
            viewport()->setCursor(Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void GraphView::focusOutEvent(QFocusEvent *event)
{
    m_spaceHeld = false;
    QGraphicsView::focusOutEvent(event);
}

bool GraphView::acceptsDrag(const QMimeData *mime) const
{
    if (mime->hasFormat(QString::fromLatin1(kOperationMime)))
        return true;
    if (!mime->hasUrls())
        return false;
    for (const QUrl &url : mime->urls()) {
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".weft")))
            return true;
    }
    return false;
}

void GraphView::dragEnterEvent(QDragEnterEvent *event)
{
    if (acceptsDrag(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void GraphView::dragMoveEvent(QDragMoveEvent *event)
{
    if (acceptsDrag(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void GraphView::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->hasFormat(QString::fromLatin1(kOperationMime))) {
        const QByteArray type = mime->data(QString::fromLatin1(kOperationMime));
        m_scene->addNode(type.toStdString(), mapToScene(event->position().toPoint()));
        event->acceptProposedAction();
        setFocus();
        return;
    }
    QStringList files;
    for (const QUrl &url : mime->urls()) {
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".weft")))
            files.append(url.toLocalFile());
    }
    if (!files.isEmpty()) {
        Q_EMIT filesDropped(files);
        event->acceptProposedAction();
    }
}

void GraphView::drawBackground(QPainter *painter, const QRectF &rect)
{
    const auto &c = Theme::nodeColors();
    const qreal z = zoom();
    m_scene->setOverview(z < GraphScene::kOverviewZoom);
    if (m_scene->overview() && painter->device() == viewport()) {
        const QSize size = (QSizeF(viewport()->size()) * viewport()->devicePixelRatioF()).toSize();
        if (m_edgeLayer.image.size() == size) {
            drawEdgeLayer(painter);
            return;
        }
        // Drawn uncached until the layer's memory is ready (allocateEdgeLayer).
        allocateEdgeLayer(size);
    }
    painter->fillRect(rect, c.canvas);
    if (z < 0.35) {
        // A grid finer than a few pixels is noise, and costs a frame. The
        // edges go under the nodes, as their items (z -1) would (render()
        // into another device draws them here, uncached).
        m_scene->drawOverviewEdges(painter, rect);
        return;
    }
    const qreal step = z < 0.7 ? GraphScene::kGrid * 5 : GraphScene::kGrid;
    const qreal left = std::floor(rect.left() / step) * step;
    const qreal top = std::floor(rect.top() / step) * step;
    QVarLengthArray<QLineF, 256> minor;
    QVarLengthArray<QLineF, 256> major;
    for (qreal x = left; x < rect.right(); x += step) {
        const bool isMajor = std::fmod(std::abs(x), GraphScene::kGrid * 5) < 0.5;
        (isMajor ? major : minor).append(QLineF(x, rect.top(), x, rect.bottom()));
    }
    for (qreal y = top; y < rect.bottom(); y += step) {
        const bool isMajor = std::fmod(std::abs(y), GraphScene::kGrid * 5) < 0.5;
        (isMajor ? major : minor).append(QLineF(rect.left(), y, rect.right(), y));
    }
    painter->setRenderHint(QPainter::Antialiasing, false);
    // Opaque: Qt draws translucent aliased lines on a slow path, 15-30 ms for
    // the 70 minor lines of a frame at 100 %, against 0.2 ms opaque.
    painter->setPen(QPen(c.gridMinor, 0));
    painter->drawLines(minor.data(), int(minor.size()));
    painter->setPen(QPen(c.grid, 0));
    painter->drawLines(major.data(), int(major.size()));
}

namespace {

// `to` becomes a copy of `from`, in the memory it has when the sizes match
// (a fresh viewport-sized image costs its page faults on every copy).
void copyPixels(const QImage &from, QImage &to)
{
    if (to.size() != from.size() || to.format() != from.format()) {
        to = from.copy();
        return;
    }
    std::memcpy(to.bits(), from.constBits(), std::size_t(from.sizeInBytes()));
    to.setDevicePixelRatio(from.devicePixelRatio());
}

// Moves `image`'s pixels by (dx, dy), as a scroll moves what the viewport
// shows; what is uncovered keeps stale pixels, for the caller to draw.
void scrollPixels(QImage &image, int dx, int dy)
{
    const int w = image.width(), h = image.height();
    const int cols = w - std::abs(dx);
    if (cols <= 0 || std::abs(dy) >= h)
        return;
    const qsizetype bpl = image.bytesPerLine();
    const int depth = image.depth() / 8;
    uchar *bits = image.bits();
    const int from = dx < 0 ? -dx : 0, to = dx > 0 ? dx : 0;
    auto move = [&](int y) {
        std::memmove(bits + y * bpl + to * depth, bits + (y - dy) * bpl + from * depth,
                     std::size_t(cols) * std::size_t(depth));
    };
    if (dy > 0) {
        for (int y = h - 1; y >= dy; --y)
            move(y);
    } else {
        for (int y = 0; y < h + dy; ++y)
            move(y);
    }
}

} // namespace

// A scroll (the transform moved by whole device pixels, nothing else
// changed) moves the layer's pixels and draws only the strips it uncovers:
// panning across the overview draws a strip per frame, not every line.
bool GraphView::scrollEdgeLayer(const QTransform &transform, qreal dpr)
{
    EdgeLayer &layer = m_edgeLayer;
    const QTransform &old = layer.transform;
    if (transform.type() > QTransform::TxScale || old.type() > QTransform::TxScale
        || transform.m11() != old.m11() || transform.m22() != old.m22())
        return false;
    const qreal fx = (transform.dx() - old.dx()) * dpr, fy = (transform.dy() - old.dy()) * dpr;
    const int dx = qRound(fx), dy = qRound(fy);
    if (std::abs(fx - dx) > 1e-6 || std::abs(fy - dy) > 1e-6)
        return false;
    const QSize size = layer.image.size();
    if (std::abs(dx) * 2 >= size.width() || std::abs(dy) * 2 >= size.height())
        return false; // most of it is new: cheaper drawn whole
    scrollPixels(layer.image, dx, dy);
    if (layer.unsatisfiedValid)
        scrollPixels(layer.unsatisfied, dx, dy);
    // The uncovered strips, in the viewport's (logical) coordinates.
    const QRectF all(QPointF(), QSizeF(size) / dpr);
    QVector<QRectF> strips;
    if (dx > 0)
        strips << QRectF(0, 0, dx / dpr, all.height());
    else if (dx < 0)
        strips << QRectF(all.width() + dx / dpr, 0, -dx / dpr, all.height());
    if (dy > 0)
        strips << QRectF(0, 0, all.width(), dy / dpr);
    else if (dy < 0)
        strips << QRectF(0, all.height() + dy / dpr, all.width(), -dy / dpr);
    const QTransform toScene = transform.inverted();
    const QColor canvas = QColor::fromRgba(layer.canvas);
    for (QImage *image : {&layer.image, &layer.unsatisfied}) {
        if (image == &layer.unsatisfied && !layer.unsatisfiedValid)
            continue;
        QPainter p(image);
        for (const QRectF &strip : strips) {
            p.save();
            p.setClipRect(strip);
            p.fillRect(strip, canvas);
            p.setTransform(transform);
            const QRectF scene = toScene.mapRect(strip);
            m_scene->drawOverviewEdges(&p, scene, false);
            if (image == &layer.image)
                m_scene->drawOverviewSatisfied(&p, scene, 0); // those drawn so far, and more
            p.restore();
        }
    }
    layer.transform = transform;
    return true;
}

// Two fresh 4 MB images are two thousand page faults (about 20 ms on this
// VM), which no frame can afford: they are made and touched on the thread
// pool, and the frames in between draw uncached. They are kept when the
// view leaves the overview, so zooming out again reuses their memory.
void GraphView::allocateEdgeLayer(const QSize &size)
{
    if (m_edgeLayerComing == size)
        return;
    m_edgeLayerComing = size;
    QPointer<GraphView> self(this);
    QThreadPool::globalInstance()->start([self, size] {
        QImage image(size, QImage::Format_RGB32);
        QImage unsatisfied(size, QImage::Format_RGB32);
        image.fill(0);
        unsatisfied.fill(0);
        QMetaObject::invokeMethod(
            qApp,
            [self, size, image = std::move(image), unsatisfied = std::move(unsatisfied)]() mutable {
                if (!self || self->m_edgeLayerComing != size)
                    return; // gone, or another size was asked for since
                self->m_edgeLayerComing = QSize();
                EdgeLayer &layer = self->m_edgeLayer;
                layer = EdgeLayer();
                layer.image = std::move(image);
                layer.unsatisfied = std::move(unsatisfied);
                layer.geometry = ~quint64(0); // drawn from scratch at the next frame
                if (self->m_scene->overview())
                    self->viewport()->update();
            },
            Qt::QueuedConnection);
    });
}

bool GraphView::hasEdgeLayer() const
{
    const QSize size = (QSizeF(viewport()->size()) * viewport()->devicePixelRatioF()).toSize();
    return m_edgeLayer.image.size() == size;
}

void GraphView::drawEdgeLayer(QPainter *painter)
{
    const auto &c = Theme::nodeColors();
    const qreal dpr = viewport()->devicePixelRatioF();
    const QSize size = (QSizeF(viewport()->size()) * dpr).toSize();
    const QTransform transform = viewportTransform();
    const QRectF visible = transform.inverted().mapRect(QRectF(viewport()->rect()));
    const std::vector<QLineF> &satisfied = m_scene->satisfiedLines(); // current geometry first
    EdgeLayer &layer = m_edgeLayer;
    const bool sameLines = layer.image.size() == size
                           && layer.geometry == m_scene->geometryGeneration()
                           && layer.canvas == c.canvas.rgba() && layer.edge == c.edge.rgba()
                           && layer.dataEdge == c.dataEdge.rgba();
    const bool sameEdges = sameLines
                           && (layer.transform == transform || scrollEdgeLayer(transform, dpr));
    const bool cleared = layer.satisfied != m_scene->satisfiedGeneration()
                         || layer.satisfiedDrawn > satisfied.size();
    if (!sameEdges || (cleared && !layer.unsatisfiedValid)) {
        layer.image.setDevicePixelRatio(dpr);
        QPainter p(&layer.image);
        p.fillRect(QRectF(QPointF(), QSizeF(viewport()->size())), c.canvas);
        p.setTransform(transform);
        m_scene->drawOverviewEdges(&p, visible, false);
        layer.unsatisfiedValid = false;
        layer.transform = transform;
        layer.geometry = m_scene->geometryGeneration();
        layer.canvas = c.canvas.rgba();
        layer.edge = c.edge.rgba();
        layer.dataEdge = c.dataEdge.rgba();
        layer.satisfiedDrawn = 0;
        layer.satisfied = m_scene->satisfiedGeneration();
    } else if (cleared) {
        // Satisfied edges taken away (a new run starts): back to the edges alone.
        copyPixels(layer.unsatisfied, layer.image);
        layer.satisfiedDrawn = 0;
        layer.satisfied = m_scene->satisfiedGeneration();
    }
    if (layer.satisfiedDrawn < satisfied.size()) {
        if (layer.satisfiedDrawn == 0 && !layer.unsatisfiedValid) {
            // The edges alone, kept before the first satisfied line goes on:
            // the next run's first frame is then a memcpy, not every line.
            copyPixels(layer.image, layer.unsatisfied);
            layer.unsatisfiedValid = true;
        }
        // Over the base lines they cover, pixel for pixel (both aliased).
        QPainter p(&layer.image);
        p.setTransform(transform);
        m_scene->drawOverviewSatisfied(&p, visible, layer.satisfiedDrawn);
        layer.satisfiedDrawn = satisfied.size();
    }
    painter->save();
    painter->resetTransform(); // the layer is in viewport pixels; the clip stays
    painter->drawImage(QPointF(0, 0), layer.image);
    painter->restore();
}

void GraphView::drawForeground(QPainter *painter, const QRectF &rect)
{
    // Over the run view's decorations, which stay items: at this zoom they
    // are a halo around the box, not on it.
    m_scene->drawOverviewNodes(painter, rect);
}

} // namespace weft::ui
