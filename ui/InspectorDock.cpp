// SPDX-License-Identifier: Apache-2.0
#include "InspectorDock.h"

#include "Document.h"
#include "NodeReferences.h"
#include "ReferenceCompleter.h"
#include "Theme.h"
#include "UndoCommands.h"
#include "run/InstanceModel.h"

#include <weft/Isolation.h>
#include <weft/Operation.h>
#include <weft/SlurmRequest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>

namespace weft::ui {

namespace {

using json = nlohmann::json;

// An editable list of strings with add/remove buttons; emits `changed` after
// every committed change (item edit, add, remove).
// The list or table of an editor for many entries, with its + and − buttons
// below it; both entry editors share this one arrangement.
void addEntryList(QVBoxLayout *layout, QWidget *view, const std::function<void()> &onAdd,
                  const std::function<void()> &onRemove)
{
    auto *buttons = new QHBoxLayout;
    auto *add = new QToolButton;
    add->setText(QStringLiteral("+"));
    add->setToolTip(QObject::tr("Add an entry"));
    auto *remove = new QToolButton;
    remove->setText(QStringLiteral("−"));
    remove->setToolTip(QObject::tr("Remove the selected entry"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    layout->addWidget(view);
    layout->addLayout(buttons);
    QObject::connect(add, &QToolButton::clicked, view, onAdd);
    QObject::connect(remove, &QToolButton::clicked, view, onRemove);
}

class StringListEditor : public QWidget
{
public:
    StringListEditor(const json &value, std::function<void(const json &)> commit,
                     CandidateSource candidates = {})
        : m_list(new QListWidget)
        , m_commit(std::move(commit))
    {
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        m_list->setObjectName(QStringLiteral("listEditor"));
        if (candidates)
            m_list->setItemDelegate(new ReferenceDelegate(std::move(candidates), -1, m_list));
        m_list->setMaximumHeight(110);
        if (value.is_array()) {
            for (const json &entry : value)
                addRow(entry.is_string() ? QString::fromStdString(entry.get<std::string>())
                                         : QString::fromStdString(entry.dump()));
        }
        addEntryList(layout, m_list,
            [this] {
                QListWidgetItem *item = addRow(QString());
                m_list->setCurrentItem(item);
                m_list->editItem(item);
            },
            [this] {
                delete m_list->currentItem();
                emitChanged();
            });
        QObject::connect(m_list, &QListWidget::itemChanged, m_list, [this] { emitChanged(); });
    }

private:
    QListWidgetItem *addRow(const QString &text)
    {
        auto *item = new QListWidgetItem(text, m_list);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        return item;
    }
    void emitChanged()
    {
        json array = json::array();
        for (int i = 0; i < m_list->count(); ++i) {
            const QString text = m_list->item(i)->text();
            if (!text.isEmpty())
                array.push_back(text.toStdString());
        }
        m_commit(array);
    }
    QListWidget *m_list;
    std::function<void(const json &)> m_commit;
};

// A key/value table; integer values when `integers` (resources), strings otherwise.
class KeyValueEditor : public QWidget
{
public:
    KeyValueEditor(const json &value, bool integers, std::function<void(const json &)> commit,
                   CandidateSource candidates = {})
        : m_table(new QTableWidget(0, 2))
        , m_integers(integers)
        , m_commit(std::move(commit))
    {
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        m_table->setObjectName(QStringLiteral("keyValueEditor"));
        if (candidates)
            m_table->setItemDelegate(new ReferenceDelegate(std::move(candidates), 1, m_table));
        m_table->setHorizontalHeaderLabels(
            {QObject::tr("Name"), integers ? QObject::tr("Amount") : QObject::tr("Value")});
        m_table->horizontalHeader()->setStretchLastSection(true);
        m_table->verticalHeader()->hide();
        m_table->setMaximumHeight(110);
        if (value.is_object()) {
            for (auto it = value.begin(); it != value.end(); ++it) {
                addRow(QString::fromStdString(it.key()),
                       it->is_string() ? QString::fromStdString(it->get<std::string>())
                                       : QString::fromStdString(it->dump()));
            }
        }
        addEntryList(layout, m_table,
            [this] {
                addRow(QString(), QString());
                m_table->editItem(m_table->item(m_table->rowCount() - 1, 0));
            },
            [this] {
                m_table->removeRow(m_table->currentRow());
                emitChanged();
            });
        QObject::connect(m_table, &QTableWidget::itemChanged, m_table, [this] { emitChanged(); });
    }

private:
    void addRow(const QString &key, const QString &value)
    {
        const QSignalBlocker blocker(m_table);
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(key));
        m_table->setItem(row, 1, new QTableWidgetItem(value));
    }
    void emitChanged()
    {
        json object = json::object();
        for (int row = 0; row < m_table->rowCount(); ++row) {
            const QTableWidgetItem *key = m_table->item(row, 0);
            const QTableWidgetItem *value = m_table->item(row, 1);
            if (!key || key->text().isEmpty())
                continue; // a half-filled row is kept in the table, not in the model
            const QString text = value ? value->text() : QString();
            if (m_integers) {
                bool ok = false;
                const qlonglong amount = text.toLongLong(&ok);
                if (!ok)
                    continue;
                object[key->text().toStdString()] = amount;
            } else if (m_lists && text.startsWith(QLatin1Char('['))) {
                // A list of paths is written as a JSON array of strings.
                json list = json::parse(text.toStdString(), nullptr, false);
                if (list.is_array() && std::all_of(list.begin(), list.end(),
                                                   [](const json &v) { return v.is_string(); }))
                    object[key->text().toStdString()] = list;
                else
                    object[key->text().toStdString()] = text.toStdString();
            } else {
                object[key->text().toStdString()] = text.toStdString();
            }
        }
        m_commit(object);
    }
public:
    // Values starting with `[` that parse as a JSON array of strings are lists.
    void setListValues(bool on) { m_lists = on; }

private:
    QTableWidget *m_table;
    bool m_integers;
    bool m_lists = false;
    std::function<void(const json &)> m_commit;
};

json toJson(const NamedValues &values)
{
    json object = json::object();
    for (const auto &[name, value] : values) {
        if (value.list)
            object[name] = value.items;
        else
            object[name] = value.items.empty() ? std::string() : value.items.front();
    }
    return object;
}

NamedValues fromJson(const json &object)
{
    NamedValues values;
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it->is_array())
            values[it.key()] = StringOrList(it->get<std::vector<std::string>>());
        else if (it->is_string())
            values[it.key()] = StringOrList(it->get<std::string>());
    }
    return values;
}

QString paramLabel(const ParamDecl &decl)
{
    return decl.required ? QString::fromStdString(decl.name) + QStringLiteral(" *")
                         : QString::fromStdString(decl.name);
}

} // namespace

InspectorDock::InspectorDock(Document *document, QWidget *parent)
    : QDockWidget(tr("Inspector"), parent)
    , m_document(document)
    , m_stack(new QStackedWidget)
    , m_message(new QLabel)
    , m_scroll(new QScrollArea)
{
    setObjectName(QStringLiteral("inspectorDock"));
    m_message->setObjectName(QStringLiteral("inspectorMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(16);
    m_message->setEnabled(false); // muted text
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_stack->addWidget(m_message);
    m_stack->addWidget(m_scroll);
    createInstancePanel();
    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("inspectorSplit"));
    split->setChildrenCollapsible(false);
    split->addWidget(m_stack);
    split->addWidget(m_instancePanel);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    setWidget(split);
    showMessage(tr("Select a node to edit its parameters."));

    auto refresh = [this](const QString &id) {
        if (!m_committing && id == m_nodeId)
            rebuild();
    };
    connect(document, &Document::nodeChanged, this, refresh);
    connect(document, &Document::needsChanged, this, refresh);
    connect(document, &Document::nodeRenamed, this, [this](const QString &oldId,
                                                           const QString &newId) {
        if (oldId == m_nodeId) {
            m_nodeId = newId;
            if (!m_committing)
                rebuild();
        }
    });
    connect(document, &Document::nodeRemoved, this, [this](const QString &id) {
        if (id == m_nodeId)
            setSelection({});
    });
    connect(document, &Document::resetDone, this, [this] { setSelection({}); });
}

CandidateSource InspectorDock::candidateSource() const
{
    // Asked when `${` is typed: the document as it is then, for the node shown then.
    return [this] { return referenceCandidates(m_document->workflow(), toStd(m_nodeId)); };
}

void InspectorDock::createInstancePanel()
{
    m_instancePanel = new QWidget;
    m_instancePanel->setObjectName(QStringLiteral("instancePanel"));
    auto *layout = new QVBoxLayout(m_instancePanel);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    m_instanceHeader = new QLabel;
    m_instanceHeader->setWordWrap(true);
    layout->addWidget(m_instanceHeader);
    m_instanceView = new QTableView;
    m_instanceView->setObjectName(QStringLiteral("instanceView"));
    m_instanceView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_instanceView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_instanceView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_instanceView->verticalHeader()->hide();
    // Fixed row heights: the view never measures 10,000 rows.
    m_instanceView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_instanceView->verticalHeader()->setDefaultSectionSize(
        m_instanceView->fontMetrics().height() + 6);
    m_instanceView->setWordWrap(false);
    m_instanceView->setToolTip(tr("Double-click an instance to show its log"));
    layout->addWidget(m_instanceView);
    connect(m_instanceView, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT instanceActivated(index.row());
    });
    m_instancePanel->hide();
}

void InspectorDock::setInstanceModel(InstanceModel *model)
{
    m_instances = model;
    m_instanceView->setModel(model);
    // The item takes what the dock's width leaves; the rest are short.
    QHeaderView *header = m_instanceView->horizontalHeader();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(InstanceModel::ItemColumn, QHeaderView::Stretch);
    header->resizeSection(InstanceModel::IndexColumn, 34);
    header->resizeSection(InstanceModel::StateColumn, 86);
    header->resizeSection(InstanceModel::DurationColumn, 58);
    header->resizeSection(InstanceModel::ExitColumn, 44);
    connect(model, &QAbstractItemModel::modelReset, this, &InspectorDock::updateInstancePanel);
    updateInstancePanel();
}

void InspectorDock::updateInstancePanel()
{
    const bool ofThisNode = m_instances && !m_nodeId.isEmpty() && m_instances->nodeId() == m_nodeId;
    const int rows = ofThisNode ? m_instances->rowCount() : 0;
    // A new run of the node starts with no instances until its items are
    // resolved: the panel stays while the run goes on, rather than going
    // and coming back, which laid the whole inspector out twice per run (a
    // 10,000-instance run's longest passes of the event loop). A run resets
    // the instances before it locks editing, in the same pass: whether an
    // emptied panel goes is decided on the next pass.
    const bool emptied = ofThisNode && rows == 0 && m_instancePanel->isVisible();
    if (emptied && !m_editingLocked) {
        if (!m_instancePanelRecheck) {
            m_instancePanelRecheck = true;
            QTimer::singleShot(0, this, [this] {
                m_instancePanelRecheck = false;
                const bool stillEmpty = m_instances && m_instances->rowCount() == 0;
                if (!m_editingLocked && stillEmpty && m_instancePanel->isVisible())
                    m_instancePanel->hide();
                else
                    updateInstancePanel();
            });
        }
        return;
    }
    const bool shown = ofThisNode && (rows > 0 || (m_editingLocked && m_instancePanel->isVisible()));
    if (shown) {
        const QString text = rows > 0 ? tr("<b>Instances</b> of %1 in the last run: %2")
                                            .arg(m_nodeId.toHtmlEscaped())
                                            .arg(rows)
                                      : tr("<b>Instances</b> of %1: this run has not resolved "
                                           "its items yet")
                                            .arg(m_nodeId.toHtmlEscaped());
        if (m_instanceHeader->text() != text)
            m_instanceHeader->setText(text);
    }
    if (shown != m_instancePanel->isVisible())
        m_instancePanel->setVisible(shown);
}

void InspectorDock::setEditingLocked(bool locked)
{
    // The form only: the instance list stays usable while a run goes on.
    m_stack->setEnabled(!locked);
    m_editingLocked = locked;
    if (!locked)
        updateInstancePanel(); // a run that made no instances ends without the panel
}

void InspectorDock::showMessage(const QString &text)
{
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
}

void InspectorDock::setSelection(const QStringList &ids)
{
    if (ids.size() == 1) {
        if (ids.front() != m_nodeId || m_stack->currentWidget() != m_scroll) {
            m_nodeId = ids.front();
            rebuild();
        }
        updateInstancePanel();
        return;
    }
    m_nodeId.clear();
    showMessage(ids.isEmpty() ? tr("Select a node to edit its parameters.")
                              : tr("%1 nodes selected.\nSelect one node to edit it.")
                                    .arg(ids.size()));
    updateInstancePanel();
}

void InspectorDock::focusIdField()
{
    raise();
    if (m_idEdit) {
        m_idEdit->setFocus(Qt::OtherFocusReason);
        m_idEdit->selectAll();
    }
}

// "isolation" and "memory" (README, "Isolation"): one switch moves the
// operation into a helper process; the limit applies only there.
void InspectorDock::addIsolationRows(QFormLayout *layout, const Node &node)
{
    auto *isolated = new QCheckBox(tr("Run in a process of its own"));
    isolated->setObjectName(QStringLiteral("isolationCheck"));
    isolated->setChecked(node.isolation == Isolation::Process);
    isolated->setToolTip(tr("A crash, an abort or runaway memory then fails only this node, "
                            "not the app (\"isolation\": \"process\")"));
    auto *memory = new QLineEdit(toQString(node.memory));
    memory->setObjectName(QStringLiteral("memoryEdit"));
    memory->setPlaceholderText(tr("no limit (e.g. 512M)"));
    memory->setEnabled(node.isolation == Isolation::Process);
    memory->setToolTip(tr("Memory limit of the node's process: bytes, or 64M, 2G, ..."));
    connect(isolated, &QCheckBox::clicked, this, [this, memory](bool on) {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.isolation = on ? Isolation::Process : Isolation::Thread;
        if (!on)
            after.memory.clear(); // a limit applies only to a process
        memory->setEnabled(on);
        if (!on)
            memory->clear();
        commit(after, on ? tr("Isolate %1").arg(m_nodeId) : tr("Run %1 on a thread").arg(m_nodeId));
    });
    connect(memory, &QLineEdit::editingFinished, this, [this, memory] {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.memory = toStd(memory->text().trimmed());
        commit(after, tr("Edit memory limit of %1").arg(m_nodeId));
    });
    layout->addRow(tr("Isolation"), isolated);
    layout->addRow(tr("Memory limit"), memory);
}

// "launcher" (README, "Running on Slurm"): where a process node starts, on
// this machine or as a Slurm job; empty follows the workflow's setting.
void InspectorDock::addLauncherRow(QFormLayout *layout, const Node &node)
{
    auto *launcher = new QComboBox;
    launcher->setObjectName(QStringLiteral("launcherCombo"));
    const std::string &fallback = m_document->workflow().settings.launcher;
    launcher->addItem(tr("As the workflow (%1)")
                          .arg(fallback.empty() ? QStringLiteral("local") : toQString(fallback)),
                      QString());
    launcher->addItem(tr("local: this machine"), QStringLiteral("local"));
    launcher->addItem(tr("slurm: a Slurm job"), QStringLiteral("slurm"));
    launcher->setCurrentIndex(std::max(0, launcher->findData(toQString(node.launcher))));
    launcher->setToolTip(tr("Where this process starts: here (posix_spawn) or as a job of the "
                            "Slurm cluster (\"launcher\"; weft-cli's --launcher overrides the "
                            "workflow's setting, not this)"));
    connect(launcher, &QComboBox::activated, this, [this, launcher](int index) {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.launcher = toStd(launcher->itemData(index).toString());
        commit(after, tr("Set launcher of %1").arg(m_nodeId));
        // The Slurm rows come and go with the launcher: rebuild once this
        // combo box is done emitting.
        QTimer::singleShot(0, this, [this] { rebuild(); });
    });
    layout->addRow(tr("Launcher"), launcher);
    if (runsOnSlurm(m_document->workflow(), node, {}))
        addSlurmRows(layout, node);
}

// A Slurm job's request (README "Running on Slurm"): the node's `slurm`
// object's `cpus`, `mem` and `time`, each removed when cleared; other keys
// (`extra`) are kept as written.
void InspectorDock::addSlurmRows(QFormLayout *layout, const Node &node)
{
    const json &own = node.slurm.is_object() ? node.slurm : json::object();
    auto text = [&own](const char *key) {
        const auto it = own.find(key);
        if (it == own.end())
            return QString();
        return it->is_string() ? toQString(it->get<std::string>()) : toQString(it->dump());
    };
    auto commitKey = [this](const char *key, json value, const QString &what) {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        if (!after.slurm.is_object())
            after.slurm = json::object();
        if (value.is_null())
            after.slurm.erase(key);
        else
            after.slurm[key] = std::move(value);
        if (after.slurm.empty())
            after.slurm = json(); // no request left: no "slurm" key
        commit(after, tr("Edit Slurm %1 of %2").arg(what, m_nodeId));
    };

    auto *cpus = new QSpinBox;
    cpus->setObjectName(QStringLiteral("slurmCpusSpin"));
    cpus->setRange(0, 100000);
    cpus->setSpecialValueText(tr("Slurm's default"));
    const auto cpusIt = own.find("cpus");
    cpus->setValue(cpusIt != own.end() && cpusIt->is_number_integer() ? cpusIt->get<int>() : 0);
    cpus->setKeyboardTracking(false);
    cpus->setToolTip(tr("CPUs of the job's task (\"cpus\": sbatch --cpus-per-task)"));
    connect(cpus, &QSpinBox::editingFinished, this, [commitKey, cpus] {
        commitKey("cpus", cpus->value() > 0 ? json(cpus->value()) : json(), tr("CPUs"));
    });

    auto *mem = new QLineEdit(text("mem"));
    mem->setObjectName(QStringLiteral("slurmMemEdit"));
    mem->setPlaceholderText(tr("Slurm's default (e.g. 8G)"));
    mem->setToolTip(tr("Memory of the job (\"mem\": sbatch --mem; 8G, 512M; a bare number is "
                       "megabytes)"));
    connect(mem, &QLineEdit::editingFinished, this, [commitKey, mem] {
        const QString value = mem->text().trimmed();
        commitKey("mem", value.isEmpty() ? json() : json(toStd(value)), tr("memory"));
    });

    auto *time = new QLineEdit(text("time"));
    time->setObjectName(QStringLiteral("slurmTimeEdit"));
    time->setPlaceholderText(tr("the partition's default (e.g. 1:30:00)"));
    time->setToolTip(tr("Time limit of the job (\"time\": sbatch --time; 1:30:00, 2-00:00:00; "
                        "a bare number is minutes)"));
    connect(time, &QLineEdit::editingFinished, this, [commitKey, time] {
        const QString value = time->text().trimmed();
        commitKey("time", value.isEmpty() ? json() : json(toStd(value)), tr("time limit"));
    });

    layout->addRow(tr("Slurm CPUs"), cpus);
    layout->addRow(tr("Slurm memory"), mem);
    layout->addRow(tr("Slurm time limit"), time);
}

void InspectorDock::commit(const Node &after, const QString &text)
{
    const Node *before = m_document->node(toStd(m_nodeId));
    if (!before || *before == after)
        return;
    m_committing = true;
    m_document->undoStack()->push(new EditNodeCommand(m_document, *before, after, text));
    m_committing = false;
}

void InspectorDock::commitParam(const std::string &name, const json &value)
{
    const Node *node = m_document->node(toStd(m_nodeId));
    if (!node)
        return;
    Node after = *node;
    if (value.is_null())
        after.params.erase(name);
    else
        after.params[name] = value;
    commit(after, tr("Edit %1 of %2").arg(QString::fromStdString(name), m_nodeId));
}

void InspectorDock::validateId(const QString &text)
{
    QString error;
    if (text.isEmpty())
        error = tr("An id is required.");
    else if (!isValidNodeId(toStd(text)))
        error = tr("Use letters, digits, _ . - and start with a letter or _.");
    else if (text != m_nodeId && m_document->contains(toStd(text)))
        error = tr("Another node already has the id “%1”.").arg(text);
    if (m_idError) {
        m_idError->setText(error);
        m_idError->setVisible(!error.isEmpty());
    }
    if (m_idEdit) {
        m_idEdit->setStyleSheet(error.isEmpty() ? QString()
                                                : QStringLiteral("QLineEdit { border: 1px solid %1; }")
                                                      .arg(Theme::nodeColors().error.name()));
        m_idEdit->setProperty("invalid", !error.isEmpty());
    }
}

void InspectorDock::commitId()
{
    if (!m_idEdit)
        return;
    const QString text = m_idEdit->text();
    if (text == m_nodeId || m_idEdit->property("invalid").toBool())
        return;
    m_committing = true;
    m_document->undoStack()->push(new RenameNodeCommand(m_document, toStd(m_nodeId), toStd(text)));
    m_nodeId = text;
    m_committing = false;
    rebuild();
}

QWidget *InspectorDock::editorFor(const ParamDecl &decl, const json &value)
{
    const std::string name = decl.name;
    const json shown = value.is_null() ? decl.defaultValue : value;
    QWidget *editor = nullptr;
    switch (decl.kind) {
    case ParamKind::String:
    case ParamKind::Command:
    case ParamKind::Path: {
        auto *line = new QLineEdit;
        line->setText(shown.is_string() ? QString::fromStdString(shown.get<std::string>())
                                        : QString());
        if (value.is_null() && !decl.defaultValue.is_null())
            line->setPlaceholderText(line->text()), line->clear();
        if (decl.kind == ParamKind::Command)
            line->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        new ReferenceCompleter(line, candidateSource());
        connect(line, &QLineEdit::editingFinished, this, [this, line, name, required = decl.required] {
            const QString text = line->text();
            commitParam(name, text.isEmpty() && !required ? json() : json(text.toStdString()));
        });
        editor = line;
        if (decl.kind == ParamKind::Path) {
            auto *row = new QWidget;
            auto *layout = new QHBoxLayout(row);
            layout->setContentsMargins(0, 0, 0, 0);
            auto *browse = new QToolButton;
            browse->setText(QStringLiteral("…"));
            browse->setToolTip(tr("Browse for a file"));
            connect(browse, &QToolButton::clicked, this, [this, line] {
                const QString base = m_document->filePath().isEmpty()
                    ? QString() : QFileInfo(m_document->filePath()).absolutePath();
                const QString chosen = QFileDialog::getOpenFileName(this, tr("Choose a file"), base);
                if (chosen.isEmpty())
                    return;
                line->setText(base.isEmpty() ? chosen : QDir(base).relativeFilePath(chosen));
                Q_EMIT line->editingFinished();
            });
            layout->addWidget(line);
            layout->addWidget(browse);
            line->setObjectName(QStringLiteral("param_") + QString::fromStdString(name));
            return row;
        }
        break;
    }
    case ParamKind::Number: {
        auto *spin = new QDoubleSpinBox;
        spin->setDecimals(3);
        spin->setRange(std::max(decl.minimum, -1e9), 1e9);
        spin->setValue(shown.is_number() ? shown.get<double>() : 0.0);
        spin->setKeyboardTracking(false);
        connect(spin, &QDoubleSpinBox::editingFinished, this, [this, spin, name] {
            commitParam(name, json(spin->value()));
        });
        editor = spin;
        break;
    }
    case ParamKind::Integer: {
        auto *spin = new QSpinBox;
        spin->setRange(int(std::max(decl.minimum, double(std::numeric_limits<int>::min()))),
                       std::numeric_limits<int>::max());
        spin->setValue(shown.is_number_integer() ? shown.get<int>() : 0);
        spin->setKeyboardTracking(false);
        connect(spin, &QSpinBox::editingFinished, this, [this, spin, name] {
            commitParam(name, json(spin->value()));
        });
        editor = spin;
        break;
    }
    case ParamKind::Boolean: {
        auto *check = new QCheckBox;
        check->setChecked(shown.is_boolean() && shown.get<bool>());
        connect(check, &QCheckBox::toggled, this, [this, name](bool on) { commitParam(name, json(on)); });
        editor = check;
        break;
    }
    case ParamKind::StringList:
    case ParamKind::PathList:
        editor = new StringListEditor(
            shown,
            [this, name, required = decl.required](const json &v) {
                commitParam(name, v.empty() && !required ? json() : v);
            },
            candidateSource());
        break;
    case ParamKind::StringMap:
        editor = new KeyValueEditor(
            shown, false,
            [this, name, required = decl.required](const json &v) {
                commitParam(name, v.empty() && !required ? json() : v);
            },
            candidateSource());
        break;
    }
    editor->setObjectName(QStringLiteral("param_") + QString::fromStdString(name));
    return editor;
}

void InspectorDock::addFanOutRows(QFormLayout *layout, const Node &node)
{
    layout->addRow(new QLabel(tr("<b>Fan-out</b>")));
    auto *kind = new QComboBox;
    kind->setObjectName(QStringLiteral("foreachKind"));
    kind->addItem(tr("None: runs once"));
    kind->addItem(tr("List of items"));
    kind->addItem(tr("Files matching a glob"));
    kind->addItem(tr("Another node's list output"));
    kind->setToolTip(tr("foreach: run this node once per item, as instances ID[0], ID[1], …; "
                        "its strings may use ${item}, ${item.name}, ${item.stem} and ${index}"));
    const int current = !node.foreach ? 0
                        : node.foreach->kind == ForEach::Kind::List ? 1
                        : node.foreach->kind == ForEach::Kind::Glob ? 2
                                                                    : 3;
    kind->setCurrentIndex(current);
    connect(kind, &QComboBox::activated, this, [this](int chosen) {
        const Node *now = m_document->node(toStd(m_nodeId));
        if (!now)
            return;
        Node after = *now;
        if (chosen == 0) {
            after.foreach.reset();
        } else {
            const ForEach::Kind wanted = chosen == 1 ? ForEach::Kind::List
                                         : chosen == 2 ? ForEach::Kind::Glob
                                                       : ForEach::Kind::Reference;
            if (after.foreach && after.foreach->kind == wanted)
                return;
            ForEach fe;
            fe.kind = wanted;
            after.foreach = fe;
        }
        commit(after, tr("Edit foreach of %1").arg(m_nodeId));
        // The row below the choice changes with it: lay the form out again,
        // after this signal has returned to the combo box it deletes.
        QTimer::singleShot(0, this, &InspectorDock::rebuild);
    });
    layout->addRow(tr("Foreach"), kind);
    if (!node.foreach)
        return;
    auto commitForeach = [this](const ForEach &fe) {
        const Node *now = m_document->node(toStd(m_nodeId));
        if (!now)
            return;
        Node after = *now;
        after.foreach = fe;
        commit(after, tr("Edit foreach of %1").arg(m_nodeId));
    };
    switch (node.foreach->kind) {
    case ForEach::Kind::List: {
        auto *items = new StringListEditor(json(node.foreach->items), [commitForeach](const json &v) {
            ForEach fe;
            fe.kind = ForEach::Kind::List;
            fe.items = v.get<std::vector<std::string>>();
            commitForeach(fe);
        });
        items->setObjectName(QStringLiteral("foreachItems"));
        items->setToolTip(tr("The items, one instance each, in this order"));
        layout->addRow(tr("Items"), items);
        break;
    }
    case ForEach::Kind::Glob:
    case ForEach::Kind::Reference: {
        const bool glob = node.foreach->kind == ForEach::Kind::Glob;
        auto *line = new QLineEdit(toQString(node.foreach->text));
        line->setObjectName(glob ? QStringLiteral("foreachGlob") : QStringLiteral("foreachReference"));
        line->setPlaceholderText(glob ? QStringLiteral("src/*.c") : QStringLiteral("${scan.files}"));
        line->setToolTip(glob ? tr("Paths matching this pattern, relative to the workflow's "
                                   "directory, sorted; found when the node is about to run")
                              : tr("A list output of a node this one runs after; the instances "
                                   "are known when that node finishes"));
        if (!glob)
            new ReferenceCompleter(line, candidateSource());
        const ForEach::Kind k = node.foreach->kind;
        connect(line, &QLineEdit::editingFinished, this, [line, k, commitForeach] {
            ForEach fe;
            fe.kind = k;
            fe.text = toStd(line->text().trimmed());
            commitForeach(fe);
        });
        layout->addRow(glob ? tr("Glob") : tr("Reference"), line);
        break;
    }
    }
}

void InspectorDock::addDataRows(QFormLayout *layout, const Node &node)
{
    layout->addRow(new QLabel(tr("<b>Data</b>")));
    auto editorFor = [this](const NamedValues &values, bool outputs) {
        auto *editor = new KeyValueEditor(
            toJson(values), false,
            [this, outputs](const json &value) {
                const Node *now = m_document->node(toStd(m_nodeId));
                if (!now)
                    return;
                Node after = *now;
                (outputs ? after.outputs : after.inputs) = fromJson(value);
                commit(after, outputs ? tr("Edit outputs of %1").arg(m_nodeId)
                                      : tr("Edit inputs of %1").arg(m_nodeId));
            },
            candidateSource());
        editor->setListValues(true);
        editor->setObjectName(outputs ? QStringLiteral("outputsEdit") : QStringLiteral("inputsEdit"));
        editor->setToolTip(
            outputs ? tr("Name → the path it produces (or a JSON list of paths), relative to the "
                         "workflow's directory. Other nodes refer to it as ${%1.NAME}.")
                          .arg(m_nodeId)
                    : tr("Name → the paths or globs this node reads (a JSON list for several): "
                         "what the incremental check and watch mode look at."));
        return editor;
    };
    layout->addRow(tr("Outputs"), editorFor(node.outputs, true));
    layout->addRow(tr("Inputs"), editorFor(node.inputs, false));
}

void InspectorDock::rebuild()
{
    const Node *node = m_document->node(toStd(m_nodeId));
    if (!node) {
        showMessage(tr("Select a node to edit its parameters."));
        return;
    }
    const OperationType *type = OperationRegistry::builtin().find(node->type);
    auto *form = new QWidget;
    form->setObjectName(QStringLiteral("inspectorForm"));
    auto *layout = new QFormLayout(form);
    layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    auto *header = new QLabel;
    header->setWordWrap(true);
    header->setText(type ? QStringLiteral("<b>%1</b> — %2<br><small>%3</small>")
                               .arg(toQString(type->name), toQString(type->summary).toHtmlEscaped(),
                                    toQString(describe(type->semantics)).toHtmlEscaped())
                         : tr("<b>%1</b> — unknown operation type").arg(toQString(node->type)));
    header->setToolTip(type ? toQString(type->doc) : QString());
    layout->addRow(header);

    m_idEdit = new QLineEdit(m_nodeId);
    m_idEdit->setObjectName(QStringLiteral("idEdit"));
    m_idEdit->setToolTip(tr("Unique id: letters, digits, _ . - ; other nodes' needs refer to it"));
    m_idError = new QLabel;
    m_idError->setObjectName(QStringLiteral("idError"));
    QPalette errorPalette = m_idError->palette();
    errorPalette.setColor(QPalette::WindowText, Theme::nodeColors().error);
    m_idError->setPalette(errorPalette);
    m_idError->setWordWrap(true);
    m_idError->hide();
    connect(m_idEdit, &QLineEdit::textEdited, this, &InspectorDock::validateId);
    connect(m_idEdit, &QLineEdit::editingFinished, this, &InspectorDock::commitId);
    layout->addRow(tr("Id"), m_idEdit);
    layout->addRow(QString(), m_idError);

    auto *label = new QLineEdit(toQString(node->label));
    label->setObjectName(QStringLiteral("labelEdit"));
    label->setPlaceholderText(tr("(shows the id)"));
    connect(label, &QLineEdit::editingFinished, this, [this, label] {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.label = toStd(label->text());
        commit(after, tr("Rename label of %1").arg(m_nodeId));
    });
    layout->addRow(tr("Label"), label);

    if (type && !type->params.empty()) {
        auto *section = new QLabel(tr("<b>Parameters</b>"));
        layout->addRow(section);
        for (const ParamDecl &decl : type->params) {
            const auto it = node->params.find(decl.name);
            QWidget *editor = editorFor(decl, it == node->params.end() ? json() : *it);
            editor->setToolTip(toQString(decl.doc));
            auto *name = new QLabel(paramLabel(decl));
            name->setToolTip(toQString(decl.doc) + QStringLiteral("\n(")
                             + toQString(std::string(toString(decl.kind))) + QLatin1Char(')'));
            layout->addRow(name, editor);
        }
    }

    addFanOutRows(layout, *node);
    addDataRows(layout, *node);

    layout->addRow(new QLabel(tr("<b>Run</b>")));
    auto *timeout = new QDoubleSpinBox;
    timeout->setObjectName(QStringLiteral("timeoutEdit"));
    timeout->setRange(0, 1e7);
    timeout->setDecimals(1);
    timeout->setSuffix(tr(" s"));
    timeout->setSpecialValueText(tr("none"));
    timeout->setValue(node->timeout.value_or(0));
    timeout->setKeyboardTracking(false);
    timeout->setToolTip(tr("Seconds before the node is stopped and fails; none = no limit"));
    connect(timeout, &QDoubleSpinBox::editingFinished, this, [this, timeout] {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.timeout = timeout->value() > 0 ? std::optional<double>(timeout->value()) : std::nullopt;
        commit(after, tr("Edit timeout of %1").arg(m_nodeId));
    });
    layout->addRow(tr("Timeout"), timeout);

    auto *retries = new QSpinBox;
    retries->setObjectName(QStringLiteral("retriesEdit"));
    retries->setRange(0, 1000);
    retries->setValue(node->retries);
    retries->setKeyboardTracking(false);
    retries->setToolTip(tr("How many times a failed attempt is retried, with backoff"));
    connect(retries, &QSpinBox::editingFinished, this, [this, retries] {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.retries = retries->value();
        commit(after, tr("Edit retries of %1").arg(m_nodeId));
    });
    layout->addRow(tr("Retries"), retries);

    if (type && isolatable(*type))
        addIsolationRows(layout, *node);
    if (node->type == "process")
        addLauncherRow(layout, *node);

    json resources = json::object();
    for (const auto &[pool, amount] : node->resources)
        resources[pool] = amount;
    auto *resourceEditor = new KeyValueEditor(resources, true, [this](const json &value) {
        const Node *current = m_document->node(toStd(m_nodeId));
        if (!current)
            return;
        Node after = *current;
        after.resources.clear();
        for (auto it = value.begin(); it != value.end(); ++it)
            after.resources[it.key()] = it->get<std::int64_t>();
        commit(after, tr("Edit resources of %1").arg(m_nodeId));
    });
    resourceEditor->setObjectName(QStringLiteral("resourcesEdit"));
    resourceEditor->setToolTip(tr("Units of named pools (settings.pools) this node holds while it runs"));
    layout->addRow(tr("Resources"), resourceEditor);

    if (const auto reads = dataReferences(*node); !reads.empty()) {
        QStringList lines;
        for (const auto &[id, refs] : reads)
            lines << QStringLiteral("%1 (%2)").arg(toQString(id), refs.join(QStringLiteral(", ")));
        auto *readsLabel = new QLabel(lines.join(QLatin1Char('\n')));
        readsLabel->setObjectName(QStringLiteral("readsFromLabel"));
        readsLabel->setWordWrap(true);
        readsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
        readsLabel->setToolTip(tr("Nodes whose outputs this node's strings refer to: it runs "
                                  "after each of them (a data edge on the canvas)"));
        layout->addRow(tr("Reads from"), readsLabel);
    }

    if (!node->needs.empty()) {
        QStringList needs;
        for (const std::string &need : node->needs)
            needs.append(toQString(need));
        auto *needsLabel = new QLabel(needs.join(QStringLiteral(", ")));
        needsLabel->setWordWrap(true);
        needsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
        layout->addRow(tr("Runs after"), needsLabel);
    }

    // The old form may still hold focus: silence it so its focus-out
    // editingFinished cannot commit a stale value over an undo.
    QWidget *old = m_scroll->takeWidget();
    if (old) {
        for (QObject *child : old->findChildren<QObject *>())
            child->blockSignals(true);
        old->hide();
        old->deleteLater();
    }
    m_scroll->setWidget(form);
    m_stack->setCurrentWidget(m_scroll);
}

} // namespace weft::ui
