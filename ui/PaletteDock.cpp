// SPDX-License-Identifier: Apache-2.0
#include "PaletteDock.h"

#include "Theme.h"
#include "canvas/GraphView.h"

#include <weft/Operation.h>

#include <QDrag>
#include <QLineEdit>
#include <QMimeData>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

namespace weft::ui {

namespace {

constexpr int TypeRole = Qt::UserRole + 1;

// A tree that starts a drag carrying the operation type name.
class PaletteTree : public QTreeWidget
{
public:
    using QTreeWidget::QTreeWidget;

protected:
    QStringList mimeTypes() const override { return {QString::fromLatin1(GraphView::kOperationMime)}; }
    QMimeData *mimeData(const QList<QTreeWidgetItem *> &items) const override
    {
        if (items.isEmpty() || items.front()->data(0, TypeRole).isNull())
            return nullptr;
        auto *mime = new QMimeData;
        mime->setData(QString::fromLatin1(GraphView::kOperationMime),
                      items.front()->data(0, TypeRole).toString().toUtf8());
        return mime;
    }
    Qt::DropActions supportedDropActions() const override { return Qt::CopyAction; }
};

QString toolTipFor(const OperationType &type)
{
    QString params;
    for (const ParamDecl &p : type.params) {
        params += QStringLiteral("<li><b>%1</b> (%2%3) — %4</li>")
                      .arg(QString::fromStdString(p.name),
                           QString::fromStdString(std::string(toString(p.kind))),
                           p.required ? QObject::tr(", required") : QString(),
                           QString::fromStdString(p.doc).toHtmlEscaped());
    }
    return QStringLiteral("<p><b>%1</b> — %2</p><p>%3</p><p><i>%4</i></p>%5")
        .arg(QString::fromStdString(type.name), QString::fromStdString(type.summary).toHtmlEscaped(),
             QString::fromStdString(type.doc).toHtmlEscaped(),
             QString::fromStdString(describe(type.semantics)).toHtmlEscaped(),
             params.isEmpty() ? QString() : QStringLiteral("<ul>%1</ul>").arg(params));
}

} // namespace

PaletteDock::PaletteDock(QWidget *parent)
    : QDockWidget(tr("Palette"), parent)
    , m_search(new QLineEdit)
    , m_tree(new PaletteTree)
{
    setObjectName(QStringLiteral("paletteDock"));
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    m_search->setObjectName(QStringLiteral("paletteSearch"));
    m_search->setPlaceholderText(tr("Search operations…"));
    m_search->setClearButtonEnabled(true);
    m_tree->setObjectName(QStringLiteral("paletteTree"));
    m_tree->setHeaderHidden(true);
    m_tree->setRootIsDecorated(false);
    m_tree->setIndentation(8);
    m_tree->setDragEnabled(true);
    m_tree->setDragDropMode(QAbstractItemView::DragOnly);
    m_tree->setIconSize(QSize(22, 22));
    m_tree->setUniformRowHeights(false);
    m_tree->setTextElideMode(Qt::ElideRight);
    layout->addWidget(m_search);
    layout->addWidget(m_tree);
    setWidget(content);

    std::map<std::string, QTreeWidgetItem *> groups;
    for (const OperationType &type : OperationRegistry::builtin().types()) {
        QTreeWidgetItem *&group = groups[type.group];
        if (!group) {
            group = new QTreeWidgetItem(m_tree, {QString::fromStdString(type.group)});
            group->setFlags(Qt::ItemIsEnabled);
            QFont font = group->font(0);
            font.setBold(true);
            group->setFont(0, font);
            group->setForeground(0, palette().color(QPalette::PlaceholderText));
        }
        auto *item = new QTreeWidgetItem(group);
        // Two lines, as node editors' palettes do: the name, then what it does.
        item->setText(0, QString::fromStdString(type.name) + QLatin1Char('\n')
                             + QString::fromStdString(type.summary));
        item->setIcon(0, Theme::operationIcon(type.icon));
        item->setData(0, TypeRole, QString::fromStdString(type.name));
        item->setToolTip(0, toolTipFor(type));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
    m_tree->expandAll();

    connect(m_search, &QLineEdit::textChanged, this, &PaletteDock::filter);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const QVariant type = item->data(0, TypeRole);
        if (!type.isNull())
            Q_EMIT addRequested(type.toString());
    });
    // Return in the search field adds the first match: keyboard-only adding.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
            QTreeWidgetItem *group = m_tree->topLevelItem(g);
            for (int i = 0; i < group->childCount(); ++i) {
                if (!group->child(i)->isHidden()) {
                    Q_EMIT addRequested(group->child(i)->data(0, TypeRole).toString());
                    return;
                }
            }
        }
    });
}

QTreeWidgetItem *PaletteDock::itemForType(const QString &type) const
{
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem *group = m_tree->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i) {
            if (group->child(i)->data(0, TypeRole).toString() == type)
                return group->child(i);
        }
    }
    return nullptr;
}

void PaletteDock::filter(const QString &text)
{
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem *group = m_tree->topLevelItem(g);
        int visible = 0;
        for (int i = 0; i < group->childCount(); ++i) {
            QTreeWidgetItem *item = group->child(i);
            const bool match = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive)
                || item->toolTip(0).contains(text, Qt::CaseInsensitive)
                || group->text(0).contains(text, Qt::CaseInsensitive);
            item->setHidden(!match);
            visible += match ? 1 : 0;
        }
        group->setHidden(visible == 0);
    }
}

} // namespace weft::ui
