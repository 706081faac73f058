// SPDX-License-Identifier: Apache-2.0
#pragma once

// Typing `${` in a line edit pops a list of what the node may refer to
// (NodeReferences.h: upstream outputs, ${self.X}, ${item}...), filtered as
// the person types on; choosing one replaces the `${...` typed so far. The
// candidates are asked for when the popup opens, never per keystroke, so
// they always match the document as it is.
//
// ReferenceDelegate gives the line edits of list and table editors (argv,
// env, outputs) the same completion.

#include "NodeReferences.h"

#include <QObject>
#include <QStyledItemDelegate>

#include <functional>
#include <vector>

class QCompleter;
class QLineEdit;
class QStandardItemModel;

namespace weft::ui {

using CandidateSource = std::function<std::vector<ReferenceCandidate>()>;

class ReferenceCompleter : public QObject
{
    Q_OBJECT

public:
    // Owned by `line`.
    ReferenceCompleter(QLineEdit *line, CandidateSource candidates);

    QCompleter *completer() const { return m_completer; }
    // The candidates offered now (after the last `${`), as shown.
    QStringList offered() const;
    // Replaces the `${...` before the cursor with `reference`.
    void insertCompletion(const QString &reference);

    // The ReferenceCompleter of a line edit, if it has one.
    static ReferenceCompleter *of(QLineEdit *line);

private:
    void update();

    QLineEdit *m_line;
    CandidateSource m_candidates;
    QCompleter *m_completer;
    QStandardItemModel *m_model;
    int m_start = -1; // where the `${` being completed starts; -1: none
};

class ReferenceDelegate : public QStyledItemDelegate
{
public:
    // Completes in `column` only (-1: every column).
    ReferenceDelegate(CandidateSource candidates, int column, QObject *parent);
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;

private:
    CandidateSource m_candidates;
    int m_column;
};

} // namespace weft::ui
