// SPDX-License-Identifier: Apache-2.0
// Predictable parallelism in the editor (issue 18): the race linter's
// warnings in Design Problems as you edit, the concurrency lens on the
// selected node, and the failure what-if — through the real window, scene
// and document.

#include "Document.h"
#include "MainWindow.h"
#include "ProblemsDock.h"
#include "canvas/ConcurrencyLens.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

using namespace weft;
using namespace weft::ui;

class TestLens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void raceWarningsFollowTheEdits();
    void lensOutlinesWhatMayRunBeside();
    void lensNamesWhyNot();
    void lensGoesAwayWithTheSelection();
    void whatIfAFailure();
    void lensOnTenThousandNodes();
    void screenshot();

private:
    NodeItem::Lens lens(const QString &id) const
    {
        NodeItem *item = m_window->scene()->nodeItem(id);
        return item ? item->lens() : NodeItem::Lens::None;
    }
    QString reason(const QString &id) const { return m_window->scene()->lensReasonFor(id); }
    void select(const QString &id) { m_window->scene()->selectNodes({id}); }
    bool waitForLint();
    QStringList warnings() const;

    std::unique_ptr<MainWindow> m_window;
};

void TestLens::init()
{
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(QStringLiteral(WEFT_FIXTURES_DIR "/lens/design.weft")));
}

void TestLens::cleanup()
{
    m_window.reset();
}

bool TestLens::waitForLint()
{
    ProblemsDock *problems = m_window->findChild<ProblemsDock *>();
    problems->validateNow();
    return QTest::qWaitFor([problems] { return problems->lintCurrent(); }, 5000);
}

QStringList TestLens::warnings() const
{
    QStringList out;
    QTreeWidget *list = m_window->findChild<ProblemsDock *>()->list();
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        out << list->topLevelItem(i)->text(1) + QStringLiteral(": ") + list->topLevelItem(i)->text(0);
    return out;
}

void TestLens::raceWarningsFollowTheEdits()
{
    QVERIFY(waitForLint());
    const QString all = warnings().join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QStringLiteral("gen")) && all.contains(QStringLiteral("other"))
                 && all.contains(QStringLiteral("out/data.txt")),
             qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("needs")), qPrintable(all)); // the fix
    ProblemsDock *problems = m_window->findChild<ProblemsDock *>();
    QVERIFY(problems->warningCount() >= 1);
    QCOMPARE(problems->errorCount(), 0);

    // Ordering the two writers removes the race; undo brings it back.
    QVERIFY(m_window->scene()->connectNodes(QStringLiteral("gen"), QStringLiteral("other")));
    QVERIFY(waitForLint());
    QVERIFY2(!warnings().join(QLatin1Char('\n')).contains(QStringLiteral("out/data.txt")),
             qPrintable(warnings().join(QLatin1Char('\n'))));
    m_window->document()->undoStack()->undo();
    QVERIFY(waitForLint());
    QVERIFY(warnings().join(QLatin1Char('\n')).contains(QStringLiteral("out/data.txt")));
}

void TestLens::lensOutlinesWhatMayRunBeside()
{
    select(QStringLiteral("build"));
    QCOMPARE(m_window->scene()->lens()->focus(), QStringLiteral("build"));
    QCOMPARE(lens(QStringLiteral("build")), NodeItem::Lens::Focus);
    for (const char *beside : {"docs", "lint", "train", "gen", "other"})
        QVERIFY2(lens(QLatin1String(beside)) == NodeItem::Lens::Beside, beside);
    for (const char *apart : {"fetch", "test", "deploy"})
        QVERIFY2(lens(QLatin1String(apart)) == NodeItem::Lens::Apart, apart);
    QVERIFY2(reason(QStringLiteral("docs")).contains(QStringLiteral("neither needs the other")),
             qPrintable(reason(QStringLiteral("docs"))));
}

void TestLens::lensNamesWhyNot()
{
    select(QStringLiteral("build"));
    QCOMPARE(reason(QStringLiteral("deploy")),
             QStringLiteral("Never beside build: ordered by needs: build → test → deploy"));
    QCOMPARE(reason(QStringLiteral("fetch")),
             QStringLiteral("Never beside build: ordered by needs: fetch → build"));
    // Unordered, but the pool of size 1 holds one of them at a time.
    select(QStringLiteral("deploy"));
    QCOMPARE(lens(QStringLiteral("train")), NodeItem::Lens::Apart);
    QVERIFY2(reason(QStringLiteral("train")).contains(QStringLiteral("pool “gpu” (size 1)")),
             qPrintable(reason(QStringLiteral("train"))));
    QCOMPARE(lens(QStringLiteral("lint")), NodeItem::Lens::Beside);
    // The tooltip carries it.
    NodeItem *train = m_window->scene()->nodeItem(QStringLiteral("train"));
    QVERIFY(train->toolTipAt(train->boundingRect().center()).contains(QStringLiteral("gpu")));

    // An edit that orders them changes the answer at once.
    QVERIFY(m_window->scene()->connectNodes(QStringLiteral("lint"), QStringLiteral("deploy")));
    QCOMPARE(lens(QStringLiteral("lint")), NodeItem::Lens::Apart);
}

void TestLens::lensGoesAwayWithTheSelection()
{
    select(QStringLiteral("build"));
    QCOMPARE(lens(QStringLiteral("docs")), NodeItem::Lens::Beside);
    m_window->scene()->selectNodes({QStringLiteral("build"), QStringLiteral("docs")});
    QVERIFY(m_window->scene()->lens()->focus().isEmpty());
    for (const QString &id : {QStringLiteral("build"), QStringLiteral("docs"), QStringLiteral("fetch")})
        QCOMPARE(lens(id), NodeItem::Lens::None);
    m_window->scene()->clearSelection();
    QCOMPARE(lens(QStringLiteral("fetch")), NodeItem::Lens::None);
}

void TestLens::whatIfAFailure()
{
    ConcurrencyLens *lensOf = m_window->scene()->lens();
    const ConcurrencyLens::FailurePreview p = lensOf->previewFailure(QStringLiteral("build"));
    QCOMPARE(p.dependants, (QStringList{QStringLiteral("test"), QStringLiteral("deploy")}));
    QCOMPARE(p.independent, (QStringList{QStringLiteral("docs"), QStringLiteral("lint"),
                                         QStringLiteral("train"), QStringLiteral("gen"),
                                         QStringLiteral("other")}));
    QCOMPARE(lens(QStringLiteral("build")), NodeItem::Lens::Focus);
    QCOMPARE(lens(QStringLiteral("test")), NodeItem::Lens::Apart);
    QCOMPARE(lens(QStringLiteral("docs")), NodeItem::Lens::Beside);
    QCOMPARE(lens(QStringLiteral("fetch")), NodeItem::Lens::None);
    QVERIFY2(reason(QStringLiteral("deploy")).contains(QStringLiteral("skipped under both")),
             qPrintable(reason(QStringLiteral("deploy"))));
    QVERIFY2(reason(QStringLiteral("lint")).contains(QStringLiteral("keep-going still runs it")),
             qPrintable(reason(QStringLiteral("lint"))));
    // A leaf's failure skips nothing.
    QVERIFY(lensOf->ifFails(QStringLiteral("deploy")).dependants.isEmpty());
}

void TestLens::lensOnTenThousandNodes()
{
    // A lattice of 100 x 100: each node needs the one before it and the one
    // 100 back. Not a timed assertion: the figure is printed for the
    // closing note (goal: within one frame, 16 ms).
    Workflow w;
    w.nodes.reserve(10000);
    for (int i = 0; i < 10000; ++i) {
        Node n;
        n.id = "n" + std::to_string(i);
        n.type = "noop";
        if (i % 100 > 0)
            n.needs.push_back("n" + std::to_string(i - 1));
        if (i >= 100)
            n.needs.push_back("n" + std::to_string(i - 100));
        n.position = Position{double(i % 100) * 200, double(i / 100) * 80};
        w.nodes.push_back(std::move(n));
    }
    m_window->document()->reset(w, QString());
    GraphScene *scene = m_window->scene();
    QCOMPARE(scene->nodeCount(), 10000);
    QElapsedTimer timer;
    double best = 1e9;
    for (int round = 0; round < 5; ++round) {
        timer.start();
        scene->selectNodes({QStringLiteral("n%1").arg(5050 + round)});
        best = std::min(best, double(timer.nsecsElapsed()) / 1e6);
        QCOMPARE(scene->lens()->focus(), QStringLiteral("n%1").arg(5050 + round));
    }
    // n5050 (row 50, column 50) overlaps what neither reaches nor is reached by it.
    QCOMPARE(lens(QStringLiteral("n5149")), NodeItem::Lens::Beside);
    QCOMPARE(lens(QStringLiteral("n0")), NodeItem::Lens::Apart);
    qInfo("lens on a 10,000-node lattice: %.2f ms (best of 5 selections)", best);
}

void TestLens::screenshot()
{
    // Not a check: WEFT_LENS_SCREENSHOT=path.png grabs the lens on "build"
    // and the what-if of "build" (path-whatif.png).
    const QString target = qEnvironmentVariable("WEFT_LENS_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_LENS_SCREENSHOT=file.png to grab the window");
    QVERIFY(waitForLint());
    select(QStringLiteral("build"));
    QTest::qWait(100);
    QVERIFY(m_window->grab().save(target));
    m_window->scene()->lens()->previewFailure(QStringLiteral("build"));
    QTest::qWait(100);
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-whatif.png"))));
}

QTEST_MAIN(TestLens)
#include "tst_lens.moc"
