// SPDX-License-Identifier: Apache-2.0
// Document and its undo commands: every command's undo restores the exact
// bytes of the workflow, redo reproduces the edit, ids are what commands hold.

#include <Document.h>
#include <UndoCommands.h>

#include <weft/WorkflowFile.h>

#include <QSignalSpy>
#include <QTest>

using namespace weft;
using namespace weft::ui;

class tst_Document : public QObject
{
    Q_OBJECT

private:
    static Workflow sample()
    {
        Workflow w;
        w.name = "sample";
        auto add = [&w](const std::string &id, std::vector<std::string> needs, double x) {
            Node n;
            n.id = id;
            n.type = "sleep";
            n.params["seconds"] = 1;
            n.needs = std::move(needs);
            n.position = Position{x, 0};
            w.nodes.push_back(n);
        };
        add("fetch", {}, 0);
        add("build", {"fetch"}, 260);
        add("test", {"build"}, 520);
        add("docs", {"fetch"}, 260);
        return w;
    }

    // Applies `command`, then checks undo gives back `before` byte for byte and redo the edit.
    static void roundTrip(Document &doc, QUndoCommand *command)
    {
        const std::string before = serializeWorkflow(doc.workflow());
        doc.undoStack()->push(command);
        const std::string after = serializeWorkflow(doc.workflow());
        QVERIFY(after != before);
        doc.undoStack()->undo();
        QCOMPARE(serializeWorkflow(doc.workflow()), before);
        doc.undoStack()->redo();
        QCOMPARE(serializeWorkflow(doc.workflow()), after);
    }

private Q_SLOTS:
    void resetClearsUndoAndDirty()
    {
        Document doc;
        doc.reset(sample(), "/tmp/x.weft");
        QVERIFY(!doc.isModified());
        QCOMPARE(doc.displayName(), QStringLiteral("x.weft"));
        QCOMPARE(doc.indexOf("test"), std::ptrdiff_t(2));
        QVERIFY(!doc.node("nope"));
    }

    void dirtyFollowsCleanState()
    {
        Document doc;
        doc.reset(sample(), {});
        QSignalSpy modified(&doc, &Document::modifiedChanged);
        doc.undoStack()->push(SetNeedsCommand::connect(&doc, "docs", "test"));
        QVERIFY(doc.isModified());
        doc.undoStack()->undo();
        QVERIFY(!doc.isModified());
        QCOMPARE(modified.count(), 2);
        doc.setModified(true);
        QVERIFY(doc.isModified());
        doc.setModified(false);
        QVERIFY(!doc.isModified());
    }

    void snapshotIsUnchangedByEdits()
    {
        // What a run holds is what it runs: later edits of every kind go to
        // the document's own copy.
        Document doc;
        doc.reset(sample(), {});
        const std::shared_ptr<const Workflow> snapshot = doc.snapshot();
        const std::string before = serializeWorkflow(*snapshot);
        QCOMPARE(serializeWorkflow(doc.workflow()), before);
        doc.undoStack()->push(SetNeedsCommand::connect(&doc, "docs", "test"));
        doc.setPosition("fetch", Position{-40, 80});
        doc.removeNode("build");
        Node n;
        n.id = "lint";
        n.type = "noop";
        doc.insertNode(-1, n);
        QCOMPARE(serializeWorkflow(*snapshot), before);
        QVERIFY(serializeWorkflow(doc.workflow()) != before);
        QVERIFY(doc.contains("lint") && !doc.contains("build"));
        // Unshared, the document edits in place again.
        const Workflow *own = &doc.workflow();
        doc.setPosition("fetch", Position{0, 0});
        QCOMPARE(&doc.workflow(), own);
    }

    void addNodes()
    {
        Document doc;
        doc.reset(sample(), {});
        Node n;
        n.id = "lint";
        n.type = "noop";
        n.needs = {"fetch"};
        roundTrip(doc, new AddNodesCommand(&doc, {n}, "Add lint"));
        QVERIFY(doc.contains("lint"));
    }

    void removeNodesDropsNeeds()
    {
        Document doc;
        doc.reset(sample(), {});
        auto *command = new RemoveNodesCommand(&doc, {"fetch", "build"});
        QCOMPARE(command->text(), QStringLiteral("Delete 2 nodes"));
        roundTrip(doc, command);
        QCOMPARE(doc.workflow().nodes.size(), std::size_t(2));
        QVERIFY(doc.node("test")->needs.empty());
        QVERIFY(doc.node("docs")->needs.empty());
    }

    void connectAndDisconnect()
    {
        Document doc;
        doc.reset(sample(), {});
        auto *connect = SetNeedsCommand::connect(&doc, "docs", "test");
        QCOMPARE(connect->text(), QStringLiteral("Connect docs → test"));
        roundTrip(doc, connect);
        roundTrip(doc, SetNeedsCommand::disconnect(&doc, {{"fetch", "build"}, {"docs", "test"}}));
        QVERIFY(doc.node("build")->needs.empty());
        QCOMPARE(doc.node("test")->needs, std::vector<std::string>{"build"});
    }

    void movesMergeWithinOneDrag()
    {
        Document doc;
        doc.reset(sample(), {});
        const std::string before = serializeWorkflow(doc.workflow());
        using P = MoveNodesCommand::Positions;
        doc.undoStack()->push(new MoveNodesCommand(&doc, P{{"test", Position{520, 0}}},
                                                   P{{"test", Position{530, 0}}}, 0));
        doc.undoStack()->push(new MoveNodesCommand(&doc, P{{"test", Position{530, 0}}},
                                                   P{{"test", Position{540, 20}}}, 0));
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(doc.undoStack()->text(0), QStringLiteral("Move test"));
        QCOMPARE(doc.node("test")->position, std::optional<Position>(Position{540, 20}));
        // A different node set is a new step.
        doc.undoStack()->push(new MoveNodesCommand(
            &doc, P{{"build", Position{260, 0}}, {"docs", Position{260, 0}}},
            P{{"build", Position{300, 0}}, {"docs", Position{300, 0}}}, 0));
        QCOMPARE(doc.undoStack()->count(), 2);
        QCOMPARE(doc.undoStack()->text(1), QStringLiteral("Move 2 nodes"));
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(serializeWorkflow(doc.workflow()), before);
    }

    void editNode()
    {
        Document doc;
        doc.reset(sample(), {});
        Node after = *doc.node("build");
        after.params["seconds"] = 2.5;
        after.label = "Build it";
        after.timeout = 30;
        after.resources["cpu"] = 2;
        roundTrip(doc, new EditNodeCommand(&doc, *doc.node("build"), after, "Edit"));
        QCOMPARE(doc.node("build")->label, std::string("Build it"));
    }

    void renameUpdatesNeeds()
    {
        Document doc;
        doc.reset(sample(), {});
        QSignalSpy renamed(&doc, &Document::nodeRenamed);
        roundTrip(doc, new RenameNodeCommand(&doc, "fetch", "download"));
        QVERIFY(doc.contains("download"));
        QVERIFY(!doc.contains("fetch"));
        QCOMPARE(doc.node("build")->needs, std::vector<std::string>{"download"});
        QCOMPARE(doc.node("docs")->needs, std::vector<std::string>{"download"});
        QCOMPARE(renamed.count(), 3); // redo, undo, redo
    }
};

QTEST_GUILESS_MAIN(tst_Document)
#include "tst_document.moc"
