// SPDX-License-Identifier: Apache-2.0
#pragma once

// The most recently opened or saved files (QSettings, at most 10), newest first.

#include <QObject>
#include <QStringList>

class QMenu;

namespace weft::ui {

class RecentFiles : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMax = 10;

    explicit RecentFiles(QObject *parent = nullptr);

    QStringList files() const;
    void add(const QString &path);
    void remove(const QString &path);
    void clear();
    // Fills `menu` with one action per file; triggering one emits openRequested.
    void populate(QMenu *menu);

Q_SIGNALS:
    void openRequested(const QString &path);
    void changed();

private:
    void store(const QStringList &files);
};

} // namespace weft::ui
