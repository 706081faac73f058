// SPDX-License-Identifier: Apache-2.0
// The inspector's isolation switch (issue 19): shown for operations that run
// on a worker, not for a process node; switching it and the memory limit are
// undoable edits, and the file then says "isolation": "process".

#include "Document.h"
#include "InspectorDock.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"

#include <weft/SlurmRequest.h>
#include <weft/WorkflowFile.h>

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace weft;
using namespace weft::ui;

class TestIsolationUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
        m_window->resize(1200, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        Workflow w;
        Node digest;
        digest.id = "digest";
        digest.type = "hash";
        digest.params = {{"files", {"a.txt"}}};
        Node run;
        run.id = "run";
        run.type = "process";
        run.params = {{"command", "true"}};
        w.nodes = {digest, run};
        m_window->document()->reset(w, QString());
    }

    void cleanup() { m_window.reset(); }

    void switchAndLimitAreUndoable()
    {
        Document *doc = m_window->document();
        QUndoStack *undo = doc->undoStack();
        InspectorDock *inspector = m_window->inspectorDock();

        m_window->scene()->selectNodes({QStringLiteral("run")});
        QVERIFY(!inspector->findChild<QCheckBox *>(QStringLiteral("isolationCheck")));

        m_window->scene()->selectNodes({QStringLiteral("digest")});
        QTRY_VERIFY(inspector->findChild<QCheckBox *>(QStringLiteral("isolationCheck")));
        auto *check = inspector->findChild<QCheckBox *>(QStringLiteral("isolationCheck"));
        auto *memory = inspector->findChild<QLineEdit *>(QStringLiteral("memoryEdit"));
        QVERIFY(memory);
        QVERIFY(!check->isChecked());
        QVERIFY(!memory->isEnabled());

        check->click();
        QCOMPARE(int(doc->node("digest")->isolation), int(Isolation::Process));
        QVERIFY(memory->isEnabled());
        memory->setText(QStringLiteral("64M"));
        Q_EMIT memory->editingFinished();
        QCOMPARE(doc->node("digest")->memory, std::string("64M"));

        const std::string text = serializeWorkflow(doc->workflow());
        QVERIFY(text.find("\"isolation\": \"process\"") != std::string::npos);
        QVERIFY(text.find("\"memory\": \"64M\"") != std::string::npos);
        QVERIFY(parseWorkflow(text).ok()); // and it loads back, valid

        undo->undo();
        QCOMPARE(doc->node("digest")->memory, std::string());
        undo->undo();
        QCOMPARE(int(doc->node("digest")->isolation), int(Isolation::Thread));
        undo->redo();
        QCOMPARE(int(doc->node("digest")->isolation), int(Isolation::Process));
    }

    // Issue 17: the launcher of a process node, chosen in the inspector.
    void launcherIsChosenInTheInspector()
    {
        Document *doc = m_window->document();
        InspectorDock *inspector = m_window->inspectorDock();
        m_window->scene()->selectNodes({QStringLiteral("digest")});
        QTRY_VERIFY(inspector->findChild<QCheckBox *>(QStringLiteral("isolationCheck")));
        QVERIFY(!inspector->findChild<QComboBox *>(QStringLiteral("launcherCombo")));

        m_window->scene()->selectNodes({QStringLiteral("run")});
        QTRY_VERIFY(inspector->findChild<QComboBox *>(QStringLiteral("launcherCombo")));
        auto *combo = inspector->findChild<QComboBox *>(QStringLiteral("launcherCombo"));
        QCOMPARE(combo->currentIndex(), 0); // as the workflow
        const int slurm = combo->findData(QStringLiteral("slurm"));
        QVERIFY(slurm > 0);
        combo->setCurrentIndex(slurm);
        Q_EMIT combo->activated(slurm);
        QCOMPARE(doc->node("run")->launcher, std::string("slurm"));
        const std::string text = serializeWorkflow(doc->workflow());
        QVERIFY(text.find("\"launcher\": \"slurm\"") != std::string::npos);
        QVERIFY(parseWorkflow(text).ok());
        doc->undoStack()->undo();
        QCOMPARE(doc->node("run")->launcher, std::string());
    }

    // Issue 17: a node on Slurm shows its request (cpus, mem, time) in the
    // inspector; edits are undoable, clearing one removes its key, and the
    // rows appear once the launcher is slurm.
    void slurmRequestIsEditedInTheInspector()
    {
        Document *doc = m_window->document();
        QUndoStack *undo = doc->undoStack();
        InspectorDock *inspector = m_window->inspectorDock();
        m_window->scene()->selectNodes({QStringLiteral("run")});
        QTRY_VERIFY(inspector->findChild<QComboBox *>(QStringLiteral("launcherCombo")));
        QVERIFY(!inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin"))); // local

        auto *combo = inspector->findChild<QComboBox *>(QStringLiteral("launcherCombo"));
        const int slurm = combo->findData(QStringLiteral("slurm"));
        combo->setCurrentIndex(slurm);
        Q_EMIT combo->activated(slurm);
        QTRY_VERIFY(inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin")));
        auto *cpus = inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin"));
        auto *mem = inspector->findChild<QLineEdit *>(QStringLiteral("slurmMemEdit"));
        auto *time = inspector->findChild<QLineEdit *>(QStringLiteral("slurmTimeEdit"));
        QVERIFY(mem && time);
        QCOMPARE(cpus->value(), 0);
        QVERIFY(mem->text().isEmpty() && time->text().isEmpty());

        cpus->setValue(4);
        Q_EMIT cpus->editingFinished();
        QCOMPARE(doc->node("run")->slurm["cpus"].get<int>(), 4);
        mem->setText(QStringLiteral(" 8G "));
        Q_EMIT mem->editingFinished();
        time->setText(QStringLiteral("1:30:00"));
        Q_EMIT time->editingFinished();
        const nlohmann::json &request = doc->node("run")->slurm;
        QCOMPARE(request["mem"].get<std::string>(), std::string("8G"));
        QCOMPARE(request["time"].get<std::string>(), std::string("1:30:00"));

        const std::string text = serializeWorkflow(doc->workflow());
        QVERIFY2(text.find("\"mem\": \"8G\"") != std::string::npos, text.c_str());
        const LoadResult parsed = parseWorkflow(text);
        QVERIFY(parsed.ok()); // and it loads back, valid
        const SlurmRequest asked = slurmRequestFor(*parsed.workflow, parsed.workflow->nodes[1]);
        QCOMPARE(asked.cpus, 4);
        QCOMPARE(asked.mem, std::string("8G"));
        QCOMPARE(asked.time, std::string("1:30:00"));

        // Undo, step by step; the last one takes the launcher back to the
        // workflow's and the rows away.
        undo->undo();
        QVERIFY(!doc->node("run")->slurm.contains("time"));
        QTRY_VERIFY(inspector->findChild<QLineEdit *>(QStringLiteral("slurmTimeEdit")));
        QVERIFY(inspector->findChild<QLineEdit *>(QStringLiteral("slurmTimeEdit"))->text().isEmpty());
        QCOMPARE(inspector->findChild<QLineEdit *>(QStringLiteral("slurmMemEdit"))->text(),
                 QStringLiteral("8G"));
        undo->undo();
        undo->undo();
        QVERIFY(doc->node("run")->slurm.is_null());
        undo->redo();
        QCOMPARE(doc->node("run")->slurm["cpus"].get<int>(), 4);

        // Clearing a field removes its key; the last one removes "slurm".
        QTRY_VERIFY(inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin")));
        cpus = inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin"));
        QCOMPARE(cpus->value(), 4);
        cpus->setValue(0);
        Q_EMIT cpus->editingFinished();
        QVERIFY(doc->node("run")->slurm.is_null());

        undo->undo(); // cpus 4 again
        undo->undo(); // no cpus
        undo->undo(); // the launcher
        QCOMPARE(doc->node("run")->launcher, std::string());
        QTRY_VERIFY(!inspector->findChild<QSpinBox *>(QStringLiteral("slurmCpusSpin")));
    }

private:
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestIsolationUi)
#include "tst_isolationui.moc"
