// SPDX-License-Identifier: Apache-2.0
#include "ReferenceCompleter.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QHeaderView>
#include <QLineEdit>
#include <QStandardItemModel>
#include <QTreeView>

namespace weft::ui {

namespace {

bool isReferenceChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.')
           || c == QLatin1Char('-');
}

// Where the unfinished `${` before `cursor` starts, or -1: the text between
// it and the cursor must be what a reference may hold, and `$${` is a
// literal, not a reference.
int openReference(const QString &text, int cursor)
{
    int i = cursor;
    while (i > 0 && isReferenceChar(text[i - 1]))
        --i;
    if (i < 2 || text[i - 1] != QLatin1Char('{') || text[i - 2] != QLatin1Char('$'))
        return -1;
    if (i >= 3 && text[i - 3] == QLatin1Char('$'))
        return -1;
    return i - 2;
}

} // namespace

ReferenceCompleter::ReferenceCompleter(QLineEdit *line, CandidateSource candidates)
    : QObject(line)
    , m_line(line)
    , m_candidates(std::move(candidates))
    , m_completer(new QCompleter(this))
    , m_model(new QStandardItemModel(this))
{
    setObjectName(QStringLiteral("referenceCompleter"));
    m_completer->setModel(m_model);
    m_completer->setWidget(line);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionColumn(0);
    // Two columns: the reference, and what it is.
    auto *popup = new QTreeView;
    popup->setHeaderHidden(true);
    popup->setRootIsDecorated(false);
    popup->setUniformRowHeights(true);
    popup->setSelectionBehavior(QAbstractItemView::SelectRows);
    popup->setMinimumWidth(360);
    m_completer->setPopup(popup);
    popup->header()->setStretchLastSection(true);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &ReferenceCompleter::insertCompletion);
    connect(line, &QLineEdit::textEdited, this, &ReferenceCompleter::update);
    line->setToolTip(line->toolTip().isEmpty()
                         ? tr("Type ${ to refer to another node's output")
                         : line->toolTip() + tr("\nType ${ to refer to another node's output"));
}

ReferenceCompleter *ReferenceCompleter::of(QLineEdit *line)
{
    return line ? line->findChild<ReferenceCompleter *>(QStringLiteral("referenceCompleter"),
                                                         Qt::FindDirectChildrenOnly)
                : nullptr;
}

void ReferenceCompleter::update()
{
    const QString text = m_line->text();
    const int cursor = m_line->cursorPosition();
    const int start = openReference(text, cursor);
    if (start < 0) {
        m_start = -1;
        m_completer->popup()->hide();
        return;
    }
    if (m_start != start) {
        // A new `${`: ask what may be referred to now.
        m_model->clear();
        for (const ReferenceCandidate &candidate : m_candidates()) {
            auto *reference = new QStandardItem(candidate.text);
            auto *description = new QStandardItem(candidate.description);
            reference->setToolTip(candidate.description);
            description->setToolTip(candidate.description);
            m_model->appendRow({reference, description});
        }
        m_start = start;
    }
    m_completer->setCompletionPrefix(text.mid(start, cursor - start));
    if (m_completer->completionCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    QRect rect = m_line->rect();
    rect.setWidth(std::max(360, m_line->width()));
    m_completer->complete(rect);
    if (auto *tree = qobject_cast<QTreeView *>(m_completer->popup()))
        tree->resizeColumnToContents(0);
}

QStringList ReferenceCompleter::offered() const
{
    QStringList out;
    if (m_start < 0)
        return out;
    QAbstractItemModel *model = m_completer->completionModel();
    for (int row = 0; row < model->rowCount(); ++row)
        out << model->index(row, 0).data().toString();
    return out;
}

void ReferenceCompleter::insertCompletion(const QString &reference)
{
    const QString text = m_line->text();
    const int cursor = m_line->cursorPosition();
    const int start = openReference(text, cursor);
    if (start < 0)
        return;
    // A `}` typed already right after the cursor closes the reference.
    int end = cursor;
    while (end < text.size() && isReferenceChar(text[end]))
        ++end;
    if (end < text.size() && text[end] == QLatin1Char('}'))
        ++end;
    m_line->setText(text.left(start) + reference + text.mid(end));
    m_line->setCursorPosition(int(start + reference.size()));
    m_start = -1;
    m_completer->popup()->hide();
}

ReferenceDelegate::ReferenceDelegate(CandidateSource candidates, int column, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_candidates(std::move(candidates))
    , m_column(column)
{}

QWidget *ReferenceDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                         const QModelIndex &index) const
{
    QWidget *editor = QStyledItemDelegate::createEditor(parent, option, index);
    if (auto *line = qobject_cast<QLineEdit *>(editor); line && (m_column < 0 || index.column() == m_column))
        new ReferenceCompleter(line, m_candidates);
    return editor;
}

} // namespace weft::ui
