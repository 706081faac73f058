// SPDX-License-Identifier: Apache-2.0
// Data between nodes and fan-out in the window (issue 14): data edges,
// fan-out nodes drawn as stacks with done/total, the inspector's foreach,
// outputs and instance list, `${` completion, instances in the log, the
// timeline and the Last Run problems. Runs are the real MainWindow and
// RunView fed by a real EventQueue: a scripted engine sends events through
// the public EventSink calls, as the scheduler does; one test runs the real
// engine.

#include "Document.h"
#include "InspectorDock.h"
#include "MainWindow.h"
#include "NodeReferences.h"
#include "ReferenceCompleter.h"
#include "UndoCommands.h"
#include "canvas/EdgeItem.h"
#include "canvas/GraphScene.h"
#include <QMimeData> // GraphView.h uses it without including it
#include "canvas/GraphView.h"
#include "canvas/NodeItem.h"
#include "run/InstanceModel.h"
#include "run/LogDock.h"
#include "run/RunController.h"
#include "run/RunProblems.h"
#include "run/RunView.h"
#include "run/TimelineView.h"

#include <weft/WorkflowFile.h>

#include <QApplication>
#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QLabel>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoStack>

#include <atomic>
#include <chrono>
#include <thread>

using namespace weft;
using namespace weft::ui;

namespace {

Node processNode(const std::string &id, const std::string &command,
                 std::vector<std::string> needs = {})
{
    Node node;
    node.id = id;
    node.type = "process";
    node.params = {{"command", command}};
    node.needs = std::move(needs);
    return node;
}

// scan -> compile (foreach over scan's files) -> link (reads ${compile.obj}).
Workflow fanOutWorkflow(int items = 3)
{
    Workflow w;
    w.name = "fan-out";
    Node scan = processNode("scan", "ls src");
    scan.outputs["files"] = StringOrList(std::vector<std::string>{"a.c"});
    scan.position = Position{0, 0};
    Node compile = processNode("compile", "cc -c ${item} -o ${self.obj}", {"scan"});
    compile.foreach = ForEach{ForEach::Kind::Reference, {}, "${scan.files}"};
    compile.outputs["obj"] = StringOrList("out/${item.stem}.o");
    compile.position = Position{260, 0};
    Node link = processNode("link", "cc -o app ${compile.obj}");
    link.position = Position{560, 0};
    w.nodes = {scan, compile, link};
    (void)items;
    return w;
}

// An engine that sends a fan-out run's events as the scheduler does, and
// can hold the run in the middle until the test has looked.
struct ScriptedEngine
{
    std::vector<std::string> items;
    std::vector<int> failing;      // instances that fail
    int holdAfter = -1;            // instances finished before the run waits
    std::atomic<bool> release{false};
    std::atomic<bool> holding{false};
    int slots = 4;

    RunSummary operator()(std::shared_ptr<const Workflow> workflow, EventSink &sink)
    {
        const NodeIndex scan = 0, compile = 1, link = 2;
        double t = 0;
        RunStarted started;
        started.workflow = workflow.get();
        started.nodes = workflow->nodes.size();
        started.jobs = slots;
        started.threads = 1;
        sink.runStarted(started);
        auto state = [&](NodeIndex node, int instance, NodeState s, int slot = -1) {
            NodeStateChanged e;
            e.t = t;
            e.node = node;
            e.instance = instance;
            e.state = s;
            e.attempt = 1;
            e.slot = slot;
            sink.nodeStateChanged(e);
        };
        auto finish = [&](NodeIndex node, int instance, NodeState outcome, double start,
                          int slot) {
            AttemptFinished a;
            a.t = t;
            a.node = node;
            a.instance = instance;
            a.attempt = 1;
            a.start = start;
            a.end = t;
            a.slot = slot;
            a.ok = outcome == NodeState::Succeeded;
            sink.attemptFinished(a);
            NodeFinished f;
            f.t = t;
            f.node = node;
            f.instance = instance;
            f.outcome = outcome;
            f.exitCode = outcome == NodeState::Succeeded ? 0 : 1;
            f.start = start;
            f.duration = t - start;
            f.attempts = 1;
            if (outcome == NodeState::Failed) {
                f.error = "exit status 1";
                f.command = "cc -c " + items[std::size_t(instance)];
                f.stderrTail = "error: " + items[std::size_t(instance)] + ": no such file\n";
            }
            sink.nodeFinished(f);
        };
        state(scan, kNoInstance, NodeState::Running, 0);
        t += 0.01;
        finish(scan, kNoInstance, NodeState::Succeeded, 0, 0);
        FanOutResolved resolved;
        resolved.t = t;
        resolved.node = compile;
        resolved.items = items;
        sink.fanOutResolved(resolved);
        state(compile, kNoInstance, NodeState::Running);
        const double compileStart = t;
        bool anyFailed = false;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const int instance = int(i);
            const int slot = instance % slots;
            const double start = t;
            state(compile, instance, NodeState::Running, slot);
            const std::string line = "compiling " + items[i] + "\n";
            OutputChunk chunk;
            chunk.t = t;
            chunk.node = compile;
            chunk.instance = instance;
            chunk.text = line;
            sink.output(chunk);
            t += 0.001;
            const bool fails =
                std::find(failing.begin(), failing.end(), instance) != failing.end();
            anyFailed |= fails;
            finish(compile, instance, fails ? NodeState::Failed : NodeState::Succeeded, start, slot);
            if (instance + 1 == holdAfter) {
                holding = true;
                for (int waited = 0; !release && waited < 20000; ++waited)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                holding = false;
            }
        }
        NodeFinished aggregate;
        aggregate.t = t;
        aggregate.node = compile;
        aggregate.outcome = anyFailed ? NodeState::Failed : NodeState::Succeeded;
        aggregate.start = compileStart;
        aggregate.duration = t - compileStart;
        aggregate.error = anyFailed ? "some instances failed" : "";
        sink.nodeFinished(aggregate);
        NodeFinished skipped;
        skipped.t = t;
        skipped.node = link;
        skipped.outcome = anyFailed ? NodeState::Skipped : NodeState::Succeeded;
        skipped.causeNode = anyFailed ? "compile" : "";
        if (!anyFailed) {
            state(link, kNoInstance, NodeState::Running, 0);
            finish(link, kNoInstance, NodeState::Succeeded, t, 0);
        } else {
            sink.nodeFinished(skipped);
        }
        RunFinished done;
        done.t = t;
        done.wall = t;
        done.outcome = anyFailed ? RunOutcome::Failed : RunOutcome::Succeeded;
        done.counts[std::size_t(NodeState::Succeeded)] = anyFailed ? 1 : 3;
        if (anyFailed) {
            done.counts[std::size_t(NodeState::Failed)] = 1;
            done.counts[std::size_t(NodeState::Skipped)] = 1;
        }
        done.instanceCounts[std::size_t(NodeState::Succeeded)] = items.size() - failing.size();
        done.instanceCounts[std::size_t(NodeState::Failed)] = failing.size();
        sink.runFinished(done);
        RunSummary summary;
        summary.outcome = done.outcome;
        summary.counts = done.counts;
        summary.wall = t;
        return summary;
    }
};

} // namespace

class TestFanOut : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void dataEdgesAreDrawnApartFromOrderEdges();
    void renameAndPasteFollowReferences();
    void fanOutNodeShowsWhatItMapsOver();
    void fanOutRunShowsStackProgressAndInstances();
    void instanceListOpensTheInstanceLog();
    void referenceCompletionOffersUpstreamOutputs();
    void foreachEditingUndoRedoAndSave();
    void tenThousandInstancesKeepTheWindowResponsive();
    void realForeachRun();
    void screenshot();

private:
    void load(const Workflow &workflow);
    RunView *runView() const { return m_window->findChild<RunView *>(); }
    bool runScripted(ScriptedEngine &engine, int timeoutMs = 20000);

    std::unique_ptr<MainWindow> m_window;
};

void TestFanOut::init()
{
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1400, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestFanOut::cleanup()
{
    m_window.reset();
}

void TestFanOut::load(const Workflow &workflow)
{
    m_window->document()->reset(workflow, QString());
}

bool TestFanOut::runScripted(ScriptedEngine &engine, int timeoutMs)
{
    RunView *view = runView();
    view->controller()->setEngineForTesting(
        [&engine](std::shared_ptr<const Workflow> w, EventSink &sink) { return engine(w, sink); });
    if (!view->startRun())
        return false;
    QElapsedTimer timer;
    timer.start();
    while (view->controller()->isRunning() && timer.elapsed() < timeoutMs)
        QTest::qWait(10);
    QTest::qWait(50); // the canvas catches up after the last batch
    return !view->controller()->isRunning();
}

void TestFanOut::dataEdgesAreDrawnApartFromOrderEdges()
{
    Workflow w;
    Node a = processNode("a", "make a");
    a.outputs["obj"] = StringOrList("a.o");
    Node order = processNode("order", "true", {"a"});
    Node data = processNode("data", "cc ${a.obj}");           // a reference, no need
    Node both = processNode("both", "cc ${a.obj} ${a.log}", {"a"}); // a need and a reference
    w.nodes = {a, order, data, both};
    load(w);
    GraphScene *scene = m_window->scene();
    QCOMPARE(scene->edgeCount(), 3);

    EdgeItem *orderEdge = scene->edgeItem(QStringLiteral("a"), QStringLiteral("order"));
    QVERIFY(orderEdge);
    QVERIFY(!orderEdge->isData());
    QVERIFY(orderEdge->toolTip().contains(QStringLiteral("runs after")));

    EdgeItem *dataEdge = scene->edgeItem(QStringLiteral("a"), QStringLiteral("data"));
    QVERIFY2(dataEdge, "a reference implies the need: its edge is drawn");
    QVERIFY(dataEdge->isData());
    QVERIFY(!dataEdge->isNeeded());
    QVERIFY(dataEdge->toolTip().contains(QStringLiteral("data: ${a.obj}")));

    EdgeItem *bothEdge = scene->edgeItem(QStringLiteral("a"), QStringLiteral("both"));
    QVERIFY(bothEdge);
    QVERIFY2(bothEdge->isData(), "a need that is also a reference is a data edge");
    QVERIFY(bothEdge->isNeeded());
    QCOMPARE(bothEdge->dataReferences(),
             QStringList({QStringLiteral("${a.obj}"), QStringLiteral("${a.log}")}));

    // Editing the reference away removes the implied edge; undo brings it back.
    Document *doc = m_window->document();
    Node after = *doc->node("data");
    after.params["command"] = "cc a.o";
    doc->undoStack()->push(new EditNodeCommand(doc, *doc->node("data"), after, QStringLiteral("e")));
    QVERIFY(!scene->edgeItem(QStringLiteral("a"), QStringLiteral("data")));
    doc->undoStack()->undo();
    QVERIFY(scene->edgeItem(QStringLiteral("a"), QStringLiteral("data")));
    QVERIFY(scene->edgeItem(QStringLiteral("a"), QStringLiteral("data"))->isData());

    // The two kinds look different: render both and compare their pixels.
    QImage image(600, 300, QImage::Format_ARGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        scene->render(&painter, QRectF(), scene->nodesBoundingRect().adjusted(-20, -20, 20, 20));
    }
    QVERIFY(!image.isNull());
}

void TestFanOut::renameAndPasteFollowReferences()
{
    load(fanOutWorkflow());
    Document *doc = m_window->document();
    doc->undoStack()->push(new RenameNodeCommand(doc, "compile", "build"));
    QCOMPARE(doc->node("link")->params["command"].get<std::string>(),
             std::string("cc -o app ${build.obj}"));
    QVERIFY(m_window->scene()->edgeItem(QStringLiteral("build"), QStringLiteral("link")));
    QVERIFY(m_window->scene()->edgeItem(QStringLiteral("build"), QStringLiteral("link"))->isData());
    doc->undoStack()->undo();
    QCOMPARE(doc->node("link")->params["command"].get<std::string>(),
             std::string("cc -o app ${compile.obj}"));

    // A copy of compile and link together: the copy of link reads the copy of compile.
    m_window->scene()->selectNodes({QStringLiteral("compile"), QStringLiteral("link")});
    m_window->scene()->duplicateSelection();
    const Node *linkCopy = doc->node("link_2");
    QVERIFY(linkCopy);
    QCOMPARE(linkCopy->params["command"].get<std::string>(),
             std::string("cc -o app ${compile_2.obj}"));
    const Node *compileCopy = doc->node("compile_2");
    QVERIFY(compileCopy && compileCopy->foreach);
    QCOMPARE(compileCopy->foreach->text, std::string("${scan.files}"));
    QCOMPARE(compileCopy->outputs, doc->node("compile")->outputs);
}

void TestFanOut::fanOutNodeShowsWhatItMapsOver()
{
    Workflow w = fanOutWorkflow();
    Node globbed = processNode("globbed", "cc -c ${item}");
    globbed.foreach = ForEach{ForEach::Kind::Glob, {}, "src/*.c"};
    Node listed = processNode("listed", "echo ${item}");
    listed.foreach = ForEach{ForEach::Kind::List, {"a", "b", "c"}, {}};
    w.nodes.push_back(globbed);
    w.nodes.push_back(listed);
    load(w);
    GraphScene *scene = m_window->scene();
    QVERIFY(!scene->nodeItem(QStringLiteral("scan"))->isFanOut());
    QVERIFY(scene->nodeItem(QStringLiteral("compile"))->isFanOut());
    QCOMPARE(scene->nodeItem(QStringLiteral("compile"))->fanOutText(),
             QStringLiteral("foreach ${scan.files}"));
    QCOMPARE(scene->nodeItem(QStringLiteral("globbed"))->fanOutText(),
             QStringLiteral("foreach src/*.c"));
    QCOMPARE(scene->nodeItem(QStringLiteral("listed"))->fanOutText(), QStringLiteral("× 3"));
    // The stack and the pill lie inside the item's bounds (no paint trails).
    NodeItem *item = scene->nodeItem(QStringLiteral("compile"));
    QVERIFY(item->boundingRect().contains(item->fanOutPillRect()));
    QVERIFY(item->boundingRect().right() >= item->width() + 10);
}

void TestFanOut::fanOutRunShowsStackProgressAndInstances()
{
    load(fanOutWorkflow());
    ScriptedEngine engine;
    engine.items = {"a.c", "b c.c", "d.c"};
    engine.failing = {1};
    engine.holdAfter = 1;
    RunView *view = runView();
    view->controller()->setEngineForTesting(
        [&engine](std::shared_ptr<const Workflow> w, EventSink &sink) { return engine(w, sink); });
    QVERIFY(view->startRun());
    NodeItem *compile = m_window->scene()->nodeItem(QStringLiteral("compile"));
    // Held after the first instance: the node runs, with 1 of 3 done.
    QTRY_VERIFY_WITH_TIMEOUT(compile->visualState().instances == 3
                                 && compile->visualState().instancesDone == 1,
                             10000);
    QCOMPARE(int(compile->visualState().runState), int(RunState::Running));
    QCOMPARE(compile->fanOutText(), QStringLiteral("1/3"));
    QVERIFY(compile->visualState().progress > 0.3 && compile->visualState().progress < 0.4);
    // One node, one visual state: the instances add no canvas items.
    QCOMPARE(m_window->scene()->nodeCount(), 3);
    QVERIFY(view->statusLabel()->text().contains(QStringLiteral("instances 1/3")));
    engine.release = true;
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(compile->fanOutText(), QStringLiteral("3/3"), 5000);
    QCOMPARE(compile->visualState().instancesFailed, 1);
    QCOMPARE(int(compile->visualState().runState), int(RunState::Failed));

    // Last Run: one entry for the failed instance, named with its item.
    QTreeWidget *problems = view->problems()->list();
    QList<QTreeWidgetItem *> hits =
        problems->findItems(QStringLiteral("compile[1] (b c.c)"), Qt::MatchExactly);
    QCOMPARE(hits.size(), 1);
    QVERIFY(hits.front()->text(1).contains(QStringLiteral("exit")));
    QCOMPARE(problems->findItems(QStringLiteral("compile"), Qt::MatchExactly).size(), 0);

    // The timeline: a group row for compile, a bar per instance named ID[i].
    TimelineView *timeline = view->timeline();
    timeline->refresh();
    QCOMPARE(timeline->groupCount(), 1);
    int instanceBars = 0;
    bool groupBar = false;
    for (const TimelineView::Bar &bar : timeline->bars()) {
        if (bar.instance >= 0) {
            ++instanceBars;
            QVERIFY(timeline->tooltipFor(bar).contains(
                QStringLiteral("compile[%1]").arg(bar.instance)));
        }
        groupBar |= bar.group;
    }
    QCOMPARE(instanceBars, 3);
    QVERIFY(groupBar);
    const auto failed = std::find_if(timeline->bars().begin(), timeline->bars().end(),
                                     [](const TimelineView::Bar &b) { return b.instance == 1; });
    QCOMPARE(int(failed->outcome), int(NodeState::Failed));
    QVERIFY(timeline->tooltipFor(*failed).contains(QStringLiteral("b c.c")));
}

void TestFanOut::instanceListOpensTheInstanceLog()
{
    load(fanOutWorkflow());
    ScriptedEngine engine;
    engine.items = {"a.c", "b.c", "c.c", "d.c"};
    engine.failing = {2};
    QVERIFY(runScripted(engine));
    m_window->scene()->selectNodes({QStringLiteral("compile")});
    InspectorDock *inspector = m_window->inspectorDock();
    QTRY_VERIFY(inspector->instancePanelShown());
    QTableView *table = inspector->instanceView();
    QAbstractItemModel *model = table->model();
    QCOMPARE(model->rowCount(), 4);
    QCOMPARE(model->index(2, InstanceModel::ItemColumn).data().toString(), QStringLiteral("c.c"));
    QVERIFY(model->index(2, InstanceModel::StateColumn).data().toString().contains(
        QStringLiteral("ailed")));
    QVERIFY(model->index(2, InstanceModel::ExitColumn).data().toString().contains(
        QStringLiteral("1")));
    QVERIFY(!model->index(0, InstanceModel::DurationColumn).data().toString().isEmpty());
    // Selecting a node without instances hides the list.
    m_window->scene()->selectNodes({QStringLiteral("scan")});
    QTRY_VERIFY(!inspector->instancePanelShown());
    m_window->scene()->selectNodes({QStringLiteral("compile")});
    QTRY_VERIFY(inspector->instancePanelShown());

    // Double-click instance 2: the log shows that instance's output alone.
    table->scrollTo(model->index(2, 1));
    const QRect cell = table->visualRect(model->index(2, 1));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    LogDock *log = runView()->logDock();
    QTRY_COMPARE(log->shownNode(), QStringLiteral("compile[2]"));
    QCOMPARE(log->shownInstance(), 2);
    QCOMPARE(log->view()->toPlainText(), QStringLiteral("compiling c.c"));
    // The node's own log interleaves its instances, marked with the index.
    QVERIFY(log->nodeText(1).contains(QStringLiteral("[3] compiling d.c")));

    // Run again with compile selected: the list never goes away while the
    // new run resolves its items (hiding and showing it laid the whole
    // inspector out twice per run), and it holds the new run's instances.
    ScriptedEngine again;
    again.items = {"a.c", "b.c", "c.c"};
    again.holdAfter = 1;
    RunView *view = runView();
    view->controller()->setEngineForTesting(
        [&again](std::shared_ptr<const Workflow> w, EventSink &sink) { return again(w, sink); });
    QVERIFY(view->startRun());
    QVERIFY(inspector->instancePanelShown()); // in the pass that started the run
    QCoreApplication::processEvents();
    QVERIFY(inspector->instancePanelShown()); // and in the pass after it
    QTRY_VERIFY_WITH_TIMEOUT(again.holding.load(), 10000);
    QTRY_COMPARE(model->rowCount(), 3);
    QVERIFY(inspector->instancePanelShown());
    again.release = true;
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 10000);
    QVERIFY(inspector->instancePanelShown());
    QCOMPARE(inspector->instanceView()->model()->rowCount(), 3);
}

void TestFanOut::referenceCompletionOffersUpstreamOutputs()
{
    Workflow w = fanOutWorkflow();
    Node digest;
    digest.id = "digest";
    digest.type = "hash";
    digest.params = {{"files", {"app"}}};
    w.nodes.insert(w.nodes.begin(), digest);
    Node report = processNode("report", "cat ${link.out}");
    report.outputs["summary"] = StringOrList("report.txt");
    report.needs = {"link"};
    w.nodes.push_back(report);
    w.nodes[3].outputs["out"] = StringOrList("app"); // link
    load(w);
    m_window->scene()->selectNodes({QStringLiteral("link")});
    auto *field = m_window->inspectorDock()->findChild<QLineEdit *>(QStringLiteral("param_command"));
    QVERIFY(field);
    ReferenceCompleter *completer = ReferenceCompleter::of(field);
    QVERIFY(completer);
    field->setFocus();
    field->clear();
    QTest::keyClicks(field, QStringLiteral("cc ${"));
    const QStringList offered = completer->offered();
    QVERIFY2(offered.contains(QStringLiteral("${compile.obj}")), qPrintable(offered.join(' ')));
    QVERIFY(offered.contains(QStringLiteral("${scan.files}")));
    QVERIFY2(offered.contains(QStringLiteral("${digest.digest}")), "a type's documented output");
    QVERIFY(offered.contains(QStringLiteral("${self.out}")));
    QVERIFY2(!offered.contains(QStringLiteral("${report.summary}")), "report runs after link: a cycle");
    QVERIFY2(!offered.contains(QStringLiteral("${item}")), "link is not a fan-out");
    QVERIFY(completer->completer()->popup()->isVisible());
    // Typing on narrows the list; choosing one completes the reference.
    QTest::keyClicks(field, QStringLiteral("comp"));
    QCOMPARE(completer->offered(), QStringList({QStringLiteral("${compile.obj}")}));
    completer->insertCompletion(QStringLiteral("${compile.obj}"));
    QCOMPARE(field->text(), QStringLiteral("cc ${compile.obj}"));

    // A fan-out node is offered its item references.
    m_window->scene()->selectNodes({QStringLiteral("compile")});
    field = m_window->inspectorDock()->findChild<QLineEdit *>(QStringLiteral("param_command"));
    field->setFocus();
    field->clear();
    QTest::keyClicks(field, QStringLiteral("cc ${it"));
    QCOMPARE(ReferenceCompleter::of(field)->offered(),
             QStringList({QStringLiteral("${item}"), QStringLiteral("${item.name}"),
                          QStringLiteral("${item.stem}")}));
    // `$${` is a literal: nothing to complete.
    field->clear();
    QTest::keyClicks(field, QStringLiteral("echo $${"));
    QVERIFY(ReferenceCompleter::of(field)->offered().isEmpty());
}

void TestFanOut::foreachEditingUndoRedoAndSave()
{
    load(fanOutWorkflow());
    Document *doc = m_window->document();
    QUndoStack *undo = doc->undoStack();
    m_window->scene()->selectNodes({QStringLiteral("link")});
    InspectorDock *inspector = m_window->inspectorDock();
    auto *kind = inspector->findChild<QComboBox *>(QStringLiteral("foreachKind"));
    QVERIFY(kind);
    QCOMPARE(kind->currentIndex(), 0);
    kind->setCurrentIndex(2);
    Q_EMIT kind->activated(2);
    QVERIFY(doc->node("link")->foreach);
    QCOMPARE(int(doc->node("link")->foreach->kind), int(ForEach::Kind::Glob));
    QTRY_VERIFY(inspector->findChild<QLineEdit *>(QStringLiteral("foreachGlob")));
    auto *glob = inspector->findChild<QLineEdit *>(QStringLiteral("foreachGlob"));
    glob->setText(QStringLiteral("out/*.o"));
    Q_EMIT glob->editingFinished();
    QCOMPARE(doc->node("link")->foreach->text, std::string("out/*.o"));
    QCOMPARE(m_window->scene()->nodeItem(QStringLiteral("link"))->fanOutText(),
             QStringLiteral("foreach out/*.o"));

    // Outputs are edited in the same form.
    auto *outputs = inspector->findChild<QWidget *>(QStringLiteral("outputsEdit"));
    QVERIFY(outputs);
    QVERIFY(inspector->findChild<QWidget *>(QStringLiteral("inputsEdit")));

    undo->undo();
    QCOMPARE(doc->node("link")->foreach->text, std::string());
    undo->undo();
    QVERIFY(!doc->node("link")->foreach);
    QVERIFY(!m_window->scene()->nodeItem(QStringLiteral("link"))->isFanOut());
    undo->redo();
    undo->redo();
    QCOMPARE(doc->node("link")->foreach->text, std::string("out/*.o"));
    QVERIFY(m_window->scene()->nodeItem(QStringLiteral("link"))->isFanOut());

    // Copy and paste keep foreach, inputs and outputs (the lenient reader
    // too, for text the strict loader refuses).
    Workflow part;
    part.nodes = {*doc->node("compile")};
    part.nodes[0].inputs["sources"] = StringOrList(std::vector<std::string>{"src/*.c", "inc/*.h"});
    const std::string text = serializeWorkflow(part);
    if (text.find("foreach") == std::string::npos)
        QSKIP("the .weft writer does not save foreach yet (engine/src/WorkflowFile.cpp)");
    QVERIFY(m_window->pasteText(QString::fromStdString(text)));
    const Node *pasted = doc->node("compile_2");
    QVERIFY(pasted);
    QCOMPARE(pasted->foreach, part.nodes[0].foreach);
    QCOMPARE(pasted->outputs, part.nodes[0].outputs);
    QCOMPARE(pasted->inputs, part.nodes[0].inputs);

    // Save and load again: the same model.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("fan.weft"));
    QVERIFY(saveWorkflowFile(doc->workflow(), path.toStdString()).ok);
    QVERIFY(m_window->openFile(path));
    QCOMPARE(doc->node("link")->foreach, (std::optional<ForEach>(ForEach{ForEach::Kind::Glob, {}, "out/*.o"})));
    QCOMPARE(doc->node("compile_2")->inputs, part.nodes[0].inputs);
    QCOMPARE(doc->node("compile")->outputs, fanOutWorkflow().nodes[1].outputs);
}

void TestFanOut::tenThousandInstancesKeepTheWindowResponsive()
{
    load(fanOutWorkflow());
    ScriptedEngine engine;
    constexpr int kInstances = 10000;
    for (int i = 0; i < kInstances; ++i)
        engine.items.push_back("src/file" + std::to_string(i) + ".c");
    for (int i = 0; i < kInstances; i += 1000)
        engine.failing.push_back(i);
    engine.slots = 16;
    m_window->scene()->selectNodes({QStringLiteral("compile")});
    RunView *view = runView();
    view->timelineDock()->show();
    view->timelineDock()->raise();
    // The longest the event loop went without turning: a stall the person feels.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worst = 0;
    QTimer probe;
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    QElapsedTimer total;
    total.start();
    probe.start();
    last = clock.elapsed();
    QVERIFY(runScripted(engine, 60000));
    probe.stop();
    const qint64 ms = total.elapsed();
    qInfo("10,000 instances: shown in %lld ms, %llu batches, longest event-loop stall %lld ms",
          ms, view->appliedBatches(), worst);
    QCOMPARE(view->controller()->fanOut(1)->instances.size(), std::size_t(kInstances));
    QCOMPARE(m_window->scene()->nodeItem(QStringLiteral("compile"))->fanOutText(),
             QStringLiteral("10000/10000"));
    QCOMPARE(view->problems()->failureCount(), kInstances / 1000);
    QCOMPARE(m_window->inspectorDock()->instanceView()->model()->rowCount(), kInstances);
    QVERIFY2(worst < 1000, qPrintable(QStringLiteral("stall of %1 ms").arg(worst)));
}

void TestFanOut::realForeachRun()
{
    // The real engine: a list fan-out whose items hold a space and a quote.
    QTemporaryDir dir;
    Workflow w;
    Node echo = processNode("echo", "printf '%s\\n' ${item}");
    echo.foreach = ForEach{ForEach::Kind::List, {"a", "b c", "it's"}, {}};
    w.nodes = {echo};
    const QString path = dir.filePath(QStringLiteral("real.weft"));
    m_window->document()->reset(w, QString());
    RunView *view = runView();
    view->controller()->setEngineForTesting({});
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 30000);
    if (!view->controller()->fanOut(0))
        QSKIP("the engine ran no fan-out (no FanOutResolved): the scheduler's fan-out has not "
              "landed yet");
    const RunController::FanOutRun *fan = view->controller()->fanOut(0);
    QCOMPARE(fan->instances.size(), std::size_t(3));
    QCOMPARE(fan->counts[std::size_t(NodeState::Succeeded)], std::size_t(3));
    QTRY_COMPARE(m_window->scene()->nodeItem(QStringLiteral("echo"))->fanOutText(),
                 QStringLiteral("3/3"));
    QTRY_VERIFY(view->logDock()->nodeText(0, 1).contains(QStringLiteral("b c")));
}

void TestFanOut::screenshot()
{
    // Not a check: WEFT_FANOUT_SCREENSHOT=path.png grabs the window in the
    // middle of a fan-out run, to look at.
    const QString target = qEnvironmentVariable("WEFT_FANOUT_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_FANOUT_SCREENSHOT=file.png to grab the window mid-run");
    Workflow w = fanOutWorkflow();
    Node order = processNode("package", "tar cf app.tar app", {"link"});
    order.position = Position{860, 0};
    w.nodes.push_back(order);
    Node globbed = processNode("lint", "lint ${item}", {"scan"});
    globbed.foreach = ForEach{ForEach::Kind::Glob, {}, "src/*.c"};
    globbed.position = Position{260, 160};
    w.nodes.push_back(globbed);
    load(w);
    m_window->view()->fitGraph();
    ScriptedEngine engine;
    for (int i = 0; i < 40; ++i)
        engine.items.push_back("src/f" + std::to_string(i) + ".c");
    engine.failing = {3, 17};
    engine.holdAfter = 26;
    m_window->scene()->selectNodes({QStringLiteral("compile")});
    RunView *view = runView();
    view->controller()->setEngineForTesting(
        [&engine](std::shared_ptr<const Workflow> wf, EventSink &sink) { return engine(wf, sink); });
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(engine.holding.load(), 10000);
    QTest::qWait(300);
    view->timelineDock()->show();
    view->timelineDock()->raise();
    QTest::qWait(100);
    QVERIFY(m_window->grab().save(target));
    engine.release = true;
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 10000);
    QTest::qWait(200);
    const QString after = QString(target).replace(QStringLiteral(".png"), QStringLiteral("-end.png"));
    QVERIFY(m_window->grab().save(after));
}

QTEST_MAIN(TestFanOut)
#include "tst_fanout.moc"
