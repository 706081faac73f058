// SPDX-License-Identifier: Apache-2.0
// The canvas driven with real mouse and key events on the view's viewport:
// connect by dragging port to port, cycles refused with a message, move by
// dragging (one undo step), delete with Del, rubber band, run-state hook.

#include <Document.h>
#include <canvas/EdgeItem.h>
#include <canvas/GraphScene.h>
#include <canvas/GraphView.h>
#include <canvas/NodeItem.h>

#include <weft/WorkflowFile.h>

#include <Theme.h>
#include <UndoCommands.h>

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QTest>
#include <QGestureEvent>
#include <QNativeGestureEvent>
#include <QPinchGesture>
#include <QPointingDevice>
#include <QScreen>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>
#include <QUndoStack>

using namespace weft;
using namespace weft::ui;

class tst_GraphScene : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Document> m_doc;
    std::unique_ptr<GraphScene> m_scene;
    std::unique_ptr<GraphView> m_view;

    static Workflow three()
    {
        Workflow w;
        auto add = [&w](const std::string &id, std::vector<std::string> needs, double x, double y) {
            Node n;
            n.id = id;
            n.type = "noop";
            n.needs = std::move(needs);
            n.position = Position{x, y};
            w.nodes.push_back(n);
        };
        add("a", {}, 0, 0);
        add("b", {"a"}, 260, 0);
        add("c", {}, 260, 140);
        return w;
    }

    QPoint viewPos(const QPointF &scenePos) const { return m_view->mapFromScene(scenePos); }
    QPoint portPos(const QString &id, bool output) const
    {
        NodeItem *item = m_scene->nodeItem(id);
        return viewPos(output ? item->outputPortScenePos() : item->inputPortScenePos());
    }

    void drag(const QPoint &from, const QPoint &to)
    {
        QWidget *vp = m_view->viewport();
        QTest::mousePress(vp, Qt::LeftButton, {}, from);
        // Several steps: QGraphicsView needs moves beyond the drag distance.
        for (int i = 1; i <= 5; ++i)
            QTest::mouseMove(vp, from + (to - from) * i / 5);
        QTest::mouseRelease(vp, Qt::LeftButton, {}, to);
    }

private Q_SLOTS:
    void init()
    {
        m_doc = std::make_unique<Document>();
        m_doc->reset(three(), {});
        m_scene = std::make_unique<GraphScene>(m_doc.get());
        m_view = std::make_unique<GraphView>(m_scene.get());
        m_view->resize(900, 600);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
        m_view->centerOn(QPointF(220, 80));
    }

    void cleanup()
    {
        m_view.reset();
        m_scene.reset();
        m_doc.reset();
    }

    void mirrorsDocument()
    {
        QCOMPARE(m_scene->nodeCount(), 3);
        QCOMPARE(m_scene->edgeCount(), 1);
        QVERIFY(m_scene->edgeItem("a", "b"));
        QCOMPARE(m_scene->nodeItem("c")->pos(), QPointF(260, 140));
    }

    void connectByDraggingPortToPort()
    {
        drag(portPos("a", true), portPos("c", false));
        QCOMPARE(m_doc->node("c")->needs, std::vector<std::string>{"a"});
        QVERIFY(m_scene->edgeItem("a", "c"));
        QCOMPARE(m_doc->undoStack()->text(m_doc->undoStack()->index() - 1),
                 QStringLiteral("Connect a → c"));
        m_doc->undoStack()->undo();
        QVERIFY(!m_scene->edgeItem("a", "c"));
        QVERIFY(m_doc->node("c")->needs.empty());
    }

    void connectByDroppingOnNodeBody()
    {
        const QPointF body = m_scene->nodeItem("c")->sceneBoundingRect().center();
        drag(portPos("b", true), viewPos(body));
        QCOMPARE(m_doc->node("c")->needs, std::vector<std::string>{"b"});
    }

    void cycleIsRefusedWithMessage()
    {
        const std::string before = serializeWorkflow(m_doc->workflow());
        QString message;
        connect(m_scene.get(), &GraphScene::message, this, [&message](const QString &m) { message = m; });
        drag(portPos("b", true), portPos("a", false));
        QCOMPARE(serializeWorkflow(m_doc->workflow()), before);
        QCOMPARE(m_scene->edgeCount(), 1);
        QVERIFY2(message.contains(QStringLiteral("cycle")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("a → b")), qPrintable(message));
        QCOMPARE(m_doc->undoStack()->count(), 0);
    }

    void moveByDraggingIsOneUndoStep()
    {
        NodeItem *c = m_scene->nodeItem("c");
        const QPointF grab = c->sceneBoundingRect().center() + QPointF(0, 10);
        drag(viewPos(grab), viewPos(grab + QPointF(100, 60)));
        const Position moved = *m_doc->node("c")->position;
        QVERIFY2(moved.x > 300 && moved.y > 160, qPrintable(QStringLiteral("%1,%2").arg(moved.x).arg(moved.y)));
        QCOMPARE(c->pos(), QPointF(moved.x, moved.y));
        QCOMPARE(m_doc->undoStack()->count(), 1);
        QCOMPARE(m_doc->undoStack()->text(0), QStringLiteral("Move c"));
        m_doc->undoStack()->undo();
        QCOMPARE(c->pos(), QPointF(260, 140));
    }

    void snapToGridWhileDragging()
    {
        m_scene->setSnapToGrid(true);
        NodeItem *c = m_scene->nodeItem("c");
        const QPointF grab = c->sceneBoundingRect().center() + QPointF(0, 10);
        drag(viewPos(grab), viewPos(grab + QPointF(37, 23)));
        const Position p = *m_doc->node("c")->position;
        QCOMPARE(std::fmod(p.x, GraphScene::kGrid), 0.0);
        QCOMPARE(std::fmod(p.y, GraphScene::kGrid), 0.0);
    }

    void deleteSelectionRemovesNodeAndEdges()
    {
        m_scene->selectNodes({QStringLiteral("a")});
        m_scene->deleteSelection();
        QVERIFY(!m_doc->contains("a"));
        QVERIFY(!m_scene->nodeItem("a"));
        QCOMPARE(m_scene->edgeCount(), 0);
        QVERIFY(m_doc->node("b")->needs.empty());
        m_doc->undoStack()->undo();
        QVERIFY(m_scene->edgeItem("a", "b"));
    }

    void deleteSelectedEdge()
    {
        EdgeItem *edge = m_scene->edgeItem("a", "b");
        edge->setSelected(true);
        m_scene->deleteSelection();
        QVERIFY(m_doc->node("b")->needs.empty());
        QCOMPARE(m_scene->edgeCount(), 0);
        QCOMPARE(m_doc->workflow().nodes.size(), std::size_t(3));
    }

    void rubberBandSelects()
    {
        const QRectF both = m_scene->nodeItem("b")->sceneBoundingRect()
                            | m_scene->nodeItem("c")->sceneBoundingRect();
        drag(viewPos(both.topLeft() - QPointF(20, 20)), viewPos(both.bottomRight() + QPointF(20, 20)));
        QCOMPARE(m_scene->selectedNodeIds(), (QStringList{QStringLiteral("b"), QStringLiteral("c")}));
    }

    void arrowKeysNudgeAndMerge()
    {
        m_scene->selectNodes({QStringLiteral("c")});
        m_view->setFocus();
        QTest::keyClick(m_view.get(), Qt::Key_Right);
        QTest::keyClick(m_view.get(), Qt::Key_Right);
        QTest::keyClick(m_view.get(), Qt::Key_Down);
        QCOMPARE(m_doc->node("c")->position, std::optional<Position>(Position{300, 160}));
        QCOMPARE(m_doc->undoStack()->count(), 1);
    }

    void visualStateThroughIdMap()
    {
        NodeVisualState state;
        state.runState = RunState::Failed;
        state.detail = QStringLiteral("exit status 2");
        m_scene->setNodeVisualState(QStringLiteral("b"), state);
        QCOMPARE(m_scene->nodeItem("b")->visualState(), state);
        m_scene->setNodeVisualState(QStringLiteral("unknown"), state); // ignored
        m_scene->clearVisualStates();
        QCOMPARE(m_scene->nodeItem("b")->visualState(), NodeVisualState{});
    }

    // Issue 17: waiting in the Slurm queue looks unlike waiting for a job
    // slot: another accent colour and another picture, not only a tooltip.
    void slurmQueueLooksApartFromWaiting()
    {
        NodeItem *item = m_scene->nodeItem("b");
        auto render = [&](const NodeVisualState &state) {
            m_scene->setNodeVisualState(QStringLiteral("b"), state);
            const QRectF area = item->sceneBoundingRect();
            QImage image(area.size().toSize() * 2, QImage::Format_ARGB32);
            image.fill(Qt::white);
            QPainter painter(&image);
            m_scene->render(&painter, QRectF(QPointF(0, 0), QSizeF(image.size())), area);
            painter.end();
            return image;
        };
        NodeVisualState waiting;
        waiting.runState = RunState::Waiting;
        const QImage slot = render(waiting);
        const QColor slotAccent = item->accentColor();
        NodeVisualState queued = waiting;
        queued.slurmQueued = true;
        const QImage inQueue = render(queued);
        const QColor queuedAccent = item->accentColor();
        QVERIFY(item->visualState().slurmQueued);
        QVERIFY(queuedAccent != slotAccent);
        QVERIFY(slot != inQueue);
        // Nor like running: paler, and without the running mark.
        NodeVisualState running;
        running.runState = RunState::Running;
        const QImage runs = render(running);
        QVERIFY(item->accentColor() != queuedAccent);
        QVERIFY(runs != inQueue);
        m_scene->clearVisualStates();
    }

    void stateBatchRepaintsOnceAtTheEnd()
    {
        // Inside a batch the states change at once but nothing is scheduled
        // for painting; closing the batch repaints the view.
        struct PaintCounter : QObject
        {
            int paints = 0;
            bool eventFilter(QObject *, QEvent *event) override
            {
                paints += event->type() == QEvent::Paint;
                return false;
            }
        } counter;
        m_view->viewport()->installEventFilter(&counter);
        QCoreApplication::processEvents();
        counter.paints = 0;
        NodeVisualState state;
        state.runState = RunState::Running;
        {
            const GraphScene::StateBatch outer(m_scene.get());
            {
                const GraphScene::StateBatch inner(m_scene.get());
                m_scene->setNodeVisualState(QStringLiteral("a"), state);
                m_scene->setNodeVisualState(QStringLiteral("b"), state);
            }
            QCOMPARE(m_scene->nodeItem("a")->visualState(), state);
            QCoreApplication::processEvents();
            QCOMPARE(counter.paints, 0); // the inner batch closing is not the end
        }
        QTRY_VERIFY(counter.paints > 0);
        // A batch in which nothing changed repaints nothing.
        counter.paints = 0;
        {
            const GraphScene::StateBatch batch(m_scene.get());
            m_scene->setNodeVisualState(QStringLiteral("a"), state);
        }
        QCoreApplication::processEvents();
        QCOMPARE(counter.paints, 0);
        m_view->viewport()->removeEventFilter(&counter);
    }

    void boxFitsItsLabel()
    {
        NodeItem *a = m_scene->nodeItem("a");
        NodeItem *c = m_scene->nodeItem("c");
        QCOMPARE(a->width(), NodeItem::kMinWidth); // a short label keeps the minimum box
        auto relabel = [this](const char *id, const QString &label) {
            const Node before = *m_doc->node(id);
            Node after = before;
            after.label = toStd(label);
            m_doc->undoStack()->push(new EditNodeCommand(m_doc.get(), before, after,
                                                         QStringLiteral("Label")));
        };

        // Longer than the minimum box holds, shorter than the maximum: the
        // box grows to it and shows all of it.
        const QString longer = QStringLiteral("Make the output directory");
        relabel("a", longer);
        QVERIFY2(a->width() > NodeItem::kMinWidth, qPrintable(QString::number(a->width())));
        QVERIFY(a->width() < NodeItem::kMaxWidth);
        QCOMPARE(std::fmod(a->width(), NodeItem::kWidthStep), 0.0);
        QCOMPARE(a->shownLabel(), longer);
        QVERIFY(a->width() > c->width());
        // Its output port, the edge leaving it and its hit area moved with its right edge.
        QCOMPARE(a->outputPortScenePos(), a->pos() + QPointF(a->width(), NodeItem::kHeaderHeight));
        QCOMPARE(m_scene->edgeItem("a", "b")->overviewLine().p1(), a->outputPortScenePos());
        const QPointF rightPart = a->pos() + QPointF(a->width() - 6, NodeItem::kHeight - 10);
        QVERIFY(rightPart.x() > a->pos().x() + NodeItem::kMinWidth); // outside the old box
        QCOMPARE(m_scene->itemAt(rightPart, QTransform()), static_cast<QGraphicsItem *>(a));
        QCOMPARE(int(a->portAt(a->mapFromScene(a->outputPortScenePos()))),
                 int(NodeItem::Port::Output));
        // Layout spaces the nodes by the widths the items measured.
        const std::vector<double> widths = m_scene->nodeWidths();
        QCOMPARE(widths.size(), std::size_t(3));
        QCOMPARE(widths[0], a->width());
        QCOMPARE(widths[2], c->width());

        // Zoomed out, the overview draws the box as wide as the item: between
        // where the old box ended and where this one ends.
        m_view->setZoom(0.28);
        m_view->centerOn(a);
        const QImage frame = m_view->viewport()->grab().toImage();
        QVERIFY(m_scene->overview());
        const QPoint inWide = m_view->mapFromScene(
            a->pos() + QPointF((NodeItem::kMinWidth + a->width()) / 2, NodeItem::kHeight / 2));
        QCOMPARE(QColor(frame.pixel(inWide)).rgb(), a->overviewColor().rgb());
        m_view->setZoom(1.0);

        // Beyond the maximum: the widest box, the label elided, the tooltip
        // holding all of it with the id and type.
        const QString huge = QStringLiteral("Compile every translation unit of the project "
                                            "with link-time optimisation, then strip the "
                                            "symbols and compress the result for shipping");
        relabel("c", huge);
        QCOMPARE(c->width(), NodeItem::kMaxWidth);
        QVERIFY(c->shownLabel() != huge);
        QVERIFY(c->shownLabel().endsWith(QChar(0x2026)));
        QVERIFY(huge.startsWith(c->shownLabel().chopped(1)));
        const QString tip = c->toolTipAt(QPointF(c->width() / 2, NodeItem::kHeight - 10));
        QVERIFY2(tip.contains(huge.toHtmlEscaped()), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("id: c")) && tip.contains(QStringLiteral("noop")),
                 qPrintable(tip));
        // The same text through a real tooltip request on the canvas.
        m_view->centerOn(c);
        const QPoint onC = m_view->mapFromScene(c->pos() + QPointF(c->width() / 2, 42));
        QHelpEvent help(QEvent::ToolTip, onC, m_view->viewport()->mapToGlobal(onC));
        QCoreApplication::sendEvent(m_view->viewport(), &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(huge.toHtmlEscaped()), qPrintable(QToolTip::text()));
        QToolTip::hideText();

        // Undone, the labels and so the boxes are back to the minimum.
        m_doc->undoStack()->undo();
        m_doc->undoStack()->undo();
        QCOMPARE(a->width(), NodeItem::kMinWidth);
        QCOMPARE(c->width(), NodeItem::kMinWidth);
        QCOMPARE(m_scene->edgeItem("a", "b")->overviewLine().p1(), a->outputPortScenePos());
    }

    // The overview keeps its edges in a cached layer (GraphView) and draws
    // onto it only the satisfied edges added since the last frame: each
    // frame must still show exactly the edges satisfied so far, the boxes
    // their current colours, and the same as a picture rendered uncached.
    void overviewLayerFollowsSatisfiedEdgesAndStates()
    {
        m_doc->undoStack()->push(SetNeedsCommand::connect(m_doc.get(), "b", "c"));
        m_view->setZoom(0.25);
        m_view->centerOn(QPointF(260, 70));
        const QColor satisfied(0, 200, 40);
        m_scene->setSatisfiedColor(satisfied);
        const QColor edge = Theme::nodeColors().edge;
        auto near = [this](const QImage &frame, const QPointF &scenePos, const QColor &color) {
            const QPoint at = m_view->mapFromScene(scenePos);
            for (int dy = -2; dy <= 2; ++dy) {
                for (int dx = -2; dx <= 2; ++dx) {
                    if (QColor(frame.pixel(at + QPoint(dx, dy))).rgb() == color.rgb())
                        return true;
                }
            }
            return false;
        };
        auto frame = [this] { return m_view->viewport()->grab().toImage(); };
        auto uncached = [this] {
            QImage image(m_view->viewport()->size(), QImage::Format_RGB32);
            QPainter painter(&image);
            m_view->render(&painter, QRectF(image.rect()), m_view->viewport()->rect());
            return image;
        };
        const QPointF ab = m_scene->edgeItem("a", "b")->overviewLine().center();
        const QPointF bc = m_scene->edgeItem("b", "c")->overviewLine().center();

        QImage shown = frame();
        QVERIFY(m_scene->overview()); // set as the frame was painted
        // The first overview frames draw uncached while the layer's memory
        // is made on the thread pool; from then on every frame goes through it.
        QTRY_VERIFY(m_view->hasEdgeLayer());
        QCOMPARE(frame(), shown);
        shown = frame();
        QVERIFY(near(shown, ab, edge) && near(shown, bc, edge));
        QVERIFY(!near(shown, ab, satisfied) && !near(shown, bc, satisfied));

        // a succeeded: a -> b is satisfied, drawn onto the layer of the last frame.
        m_scene->addSatisfied(m_scene->nodeItem("a"));
        m_scene->update();
        shown = frame();
        QVERIFY(near(shown, ab, satisfied));
        QVERIFY(!near(shown, bc, satisfied));
        const QImage picture = uncached();
        QVERIFY(near(picture, ab, satisfied) && !near(picture, bc, satisfied));

        // Run states recolour their boxes one by one; a selection recolours all.
        auto centre = [this](const char *id) {
            const NodeItem *item = m_scene->nodeItem(id);
            return item->pos() + QPointF(item->width() / 2, NodeItem::kHeight / 2);
        };
        NodeVisualState running;
        running.runState = RunState::Running;
        m_scene->setNodeVisualState(QStringLiteral("b"), running);
        QCoreApplication::processEvents();
        shown = frame();
        QVERIFY(near(shown, centre("b"), m_scene->nodeItem("b")->overviewColor()));
        QVERIFY(m_scene->nodeItem("b")->overviewColor() != m_scene->nodeItem("c")->overviewColor());
        NodeVisualState failed;
        failed.runState = RunState::Failed;
        m_scene->setNodeVisualState(QStringLiteral("c"), failed);
        QCoreApplication::processEvents();
        shown = frame();
        QVERIFY(near(shown, centre("c"), m_scene->nodeItem("c")->overviewColor()));
        QVERIFY(near(shown, centre("b"), m_scene->nodeItem("b")->overviewColor()));
        // Selected, a takes the selection's colour and the concurrency lens
        // dims the others (a quarter of their colour over the canvas).
        m_scene->nodeItem("a")->setSelected(true);
        QCoreApplication::processEvents();
        shown = frame();
        QVERIFY(near(shown, centre("a"), Theme::nodeColors().selection));
        for (const char *id : {"b", "c"}) {
            const QColor color = m_scene->nodeItem(id)->overviewColor();
            QCOMPARE(color.alpha(), 64);
            const QColor canvas = Theme::nodeColors().canvas;
            const QColor pixel(shown.pixel(m_view->mapFromScene(centre(id))));
            auto blend = [](int over, int under) { return (over + 3 * under) / 4; };
            QVERIFY2(std::abs(pixel.red() - blend(color.red(), canvas.red())) <= 3
                         && std::abs(pixel.green() - blend(color.green(), canvas.green())) <= 3
                         && std::abs(pixel.blue() - blend(color.blue(), canvas.blue())) <= 3,
                     qPrintable(pixel.name()));
        }
        m_scene->nodeItem("a")->setSelected(false);

        // Scrolled, the layer moves its pixels and draws only what it
        // uncovers: the same frame as one drawn from scratch.
        m_scene->addSatisfied(m_scene->nodeItem("b"));
        m_scene->update();
        (void)frame();
        m_view->horizontalScrollBar()->setValue(m_view->horizontalScrollBar()->value() + 31);
        m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->value() - 17);
        const QImage scrolled = frame();
        m_scene->overviewChanged(true); // drawn again from scratch
        const QImage redrawn = frame();
        QCOMPARE(scrolled, redrawn);
        QVERIFY(near(scrolled, bc, satisfied));
        // Scrolled again, then a new run clears the satisfied edges: the copy
        // of the edges alone was scrolled with the layer.
        m_view->horizontalScrollBar()->setValue(m_view->horizontalScrollBar()->value() - 23);
        (void)frame();
        m_scene->clearSatisfied();
        const QImage clearedAfterScroll = frame();
        m_scene->overviewChanged(true);
        QCOMPARE(clearedAfterScroll, frame());
        QVERIFY(!near(clearedAfterScroll, bc, satisfied));
        m_scene->addSatisfied(m_scene->nodeItem("a"));

        // b too; then the run's satisfied edges cleared (a new run).
        m_scene->addSatisfied(m_scene->nodeItem("b"));
        m_scene->update();
        shown = frame();
        QVERIFY(near(shown, ab, satisfied) && near(shown, bc, satisfied));
        m_scene->clearSatisfied();
        shown = frame();
        QVERIFY(!near(shown, ab, satisfied) && !near(shown, bc, satisfied));
        QVERIFY(near(shown, ab, edge) && near(shown, bc, edge));

        // Moved, the edges are drawn where the node now is, satisfied or not.
        m_scene->addSatisfied(m_scene->nodeItem("a"));
        m_scene->nodeItem("b")->setPos(m_scene->nodeItem("b")->pos() + QPointF(0, 200));
        const QPointF movedAb = m_scene->edgeItem("a", "b")->overviewLine().center();
        m_view->centerOn(movedAb);
        shown = frame();
        QVERIFY(near(shown, movedAb, satisfied));
        QCOMPARE(m_scene->satisfiedLines().size(), std::size_t(1));
        QCOMPARE(m_scene->satisfiedLines().front(), m_scene->edgeItem("a", "b")->overviewLine());
        // A new run puts every box back to its colour before any run: each
        // recoloured as its state is cleared, none read again at the frame.
        const QColor failedColour = m_scene->nodeItem("c")->overviewColor();
        m_scene->clearVisualStates();
        QVERIFY(m_scene->nodeItem("c")->overviewColor() != failedColour);
        QCoreApplication::processEvents();
        shown = frame();
        for (const char *id : {"a", "b", "c"})
            QVERIFY2(near(shown, centre(id), m_scene->nodeItem(id)->overviewColor()), id);
        m_view->setZoom(1.0);
    }

    // A run's batch recolours some boxes and satisfies some edges; the
    // overview then repaints only that area. What the window shows (the
    // backing store, composed frame by frame) must be what a frame drawn
    // whole shows: no box left in its old colour, no satisfied edge cut off
    // at the edge of the area.
    void overviewRepaintsOnlyWhatChanged()
    {
        Workflow grid;
        constexpr int kColumns = 12, kRows = 8;
        auto id = [](int c, int r) { return "n" + std::to_string(c) + "_" + std::to_string(r); };
        for (int c = 0; c < kColumns; ++c) {
            for (int r = 0; r < kRows; ++r) {
                Node n;
                n.id = id(c, r);
                n.type = "noop";
                if (c > 0) // crossing edges too: each needs two of the column before
                    n.needs = {id(c - 1, r), id(c - 1, (r + 3) % kRows)};
                n.position = Position{c * 320.0, r * 140.0};
                grid.nodes.push_back(n);
            }
        }
        m_doc->reset(grid, {});
        m_view->setZoom(0.2);
        m_view->centerOn(QPointF(kColumns * 160.0, kRows * 70.0));
        QTRY_VERIFY(m_view->hasEdgeLayer());
        QWidget *viewport = m_view->viewport();
        QList<QRect> painted;
        struct PaintSpy : QObject
        {
            QList<QRect> *painted = nullptr;
            bool eventFilter(QObject *, QEvent *event) override
            {
                if (event->type() == QEvent::Paint)
                    painted->append(static_cast<QPaintEvent *>(event)->region().boundingRect());
                return false;
            }
        } spy;
        spy.painted = &painted;
        viewport->installEventFilter(&spy);
        viewport->repaint();
        auto shown = [&] {
            const QPoint at = viewport->mapTo(viewport->window(), QPoint());
            return m_view->screen()
                ->grabWindow(viewport->window()->winId(), at.x(), at.y(), viewport->width(),
                             viewport->height())
                .toImage()
                .convertToFormat(QImage::Format_RGB32);
        };
        auto whole = [&] { return viewport->grab().toImage().convertToFormat(QImage::Format_RGB32); };
        QCOMPARE(shown(), whole());

        NodeVisualState running, succeeded;
        running.runState = RunState::Running;
        succeeded.runState = RunState::Succeeded;
        // The last batch starts nothing after it: its satisfied edges reach
        // past every box it recolours.
        for (int column : {4, 5, 8}) {
            painted.clear();
            {
                const GraphScene::StateBatch batch(m_scene.get());
                for (int r = 0; r < kRows; ++r) {
                    NodeItem *done = m_scene->nodeItem(QString::fromStdString(id(column, r)));
                    m_scene->setNodeVisualState(done, succeeded);
                    m_scene->addSatisfied(done);
                    if (column != 8) {
                        m_scene->setNodeVisualState(
                            m_scene->nodeItem(QString::fromStdString(id(column + 1, r))), running);
                    }
                }
            }
            QTRY_VERIFY(!painted.isEmpty());
            // Only the columns that changed, and the edges out of them.
            QVERIFY2(painted.back().width() < viewport->width() / 2,
                     qPrintable(QStringLiteral("%1 of %2 px")
                                    .arg(painted.back().width())
                                    .arg(viewport->width())));
            QCOMPARE(shown(), whole());
        }
        // Every box of a new run back to pending: the whole canvas.
        painted.clear();
        m_scene->clearVisualStates();
        m_scene->clearSatisfied();
        QTRY_VERIFY(!painted.isEmpty());
        QCOMPARE(painted.back(), viewport->rect());
        QCOMPARE(shown(), whole());
        viewport->removeEventFilter(&spy);
        m_view->setZoom(1.0);
    }

    void renameKeepsEdges()
    {
        auto *stack = m_doc->undoStack();
        stack->push(SetNeedsCommand::connect(m_doc.get(), "b", "c"));
        stack->push(new RenameNodeCommand(m_doc.get(), "b", "build"));
        QVERIFY(m_scene->edgeItem("a", "build"));
        QVERIFY(m_scene->edgeItem("build", "c"));
        QCOMPARE(m_scene->edgeCount(), 2);
        stack->undo();
        QVERIFY(m_scene->edgeItem("a", "b"));
        QVERIFY(m_scene->edgeItem("b", "c"));
        QCOMPARE(m_scene->edgeCount(), 2);
    }

    void zoomAndFit()
    {
        m_view->setZoom(0.5);
        QCOMPARE(m_view->zoom(), 0.5);
        QTest::keyClick(m_view.get(), Qt::Key_Space); // a press and release: no pan left on
        QWheelEvent wheel(QPointF(100, 100), m_view->viewport()->mapToGlobal(QPointF(100, 100)),
                          QPoint(), QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(m_view->viewport(), &wheel);
        QVERIFY(m_view->zoom() > 0.5);
        m_view->fitGraph();
        const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
        QVERIFY(visible.contains(m_scene->nodesBoundingRect()));
    }

    // Pinch, as the two ways it reaches a view: Qt's gesture framework
    // (touch screens, X11 touchpads) and native zoom gestures (macOS and
    // Wayland touchpads). The offscreen platform makes neither, so the
    // events are built here and sent to the viewport as the platform would.
    void pinchZooms()
    {
        m_view->setZoom(1.0);
        const QPointF anchor(120, 80);
        const QPointF before = m_view->mapToScene(anchor.toPoint());

        QPinchGesture pinch;
        pinch.setChangeFlags(QPinchGesture::ScaleFactorChanged);
        pinch.setScaleFactor(1.5);
        pinch.setCenterPoint(m_view->mapToGlobal(anchor.toPoint()));
        QGestureEvent gesture({&pinch});
        QApplication::sendEvent(m_view->viewport(), &gesture);
        QVERIFY2(std::abs(m_view->zoom() - 1.5) < 1e-6, qPrintable(QString::number(m_view->zoom())));
        // The point under the fingers stays put.
        const QPointF after = m_view->mapToScene(anchor.toPoint());
        QVERIFY2((after - before).manhattanLength() < 2.0, "pinch moved the anchor");

        QPointingDevice touchpad(QStringLiteral("touchpad"), 1, QInputDevice::DeviceType::TouchPad,
                                 QPointingDevice::PointerType::Finger,
                                 QInputDevice::Capability::Position, 2, 0);
        QNativeGestureEvent native(Qt::ZoomNativeGesture, &touchpad, 2, anchor,
                                   anchor, m_view->viewport()->mapToGlobal(anchor), -0.5,
                                   QPointF(), 0);
        QApplication::sendEvent(m_view->viewport(), &native);
        QVERIFY2(std::abs(m_view->zoom() - 0.75) < 1e-6, qPrintable(QString::number(m_view->zoom())));
    }
};

QTEST_MAIN(tst_GraphScene)
#include "tst_graphscene.moc"
