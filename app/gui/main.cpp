// SPDX-License-Identifier: Apache-2.0
// weft: the desktop editor. Opens the file named on the command line, if
// any, and offers to recover unsaved work left by a crash.

#include <MainWindow.h>
#include <Theme.h>

#include <weft/Version.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QStyleFactory>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Weft"));
    QApplication::setApplicationName(QStringLiteral("Weft"));
    QApplication::setApplicationDisplayName(QStringLiteral("Weft"));
    QApplication::setApplicationVersion(QString::fromStdString(weft::versionString()));
    // Matches packaging/dev.weft.Weft.desktop, so Wayland shells find the icon.
    QApplication::setDesktopFileName(QStringLiteral("dev.weft.Weft"));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setWindowIcon(weft::ui::Theme::appIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Draw graphs of operations and watch them run."));
    parser.addHelpOption();
    // --version also names the license, and the libraries Weft runs on, for bug reports.
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
                                           QStringLiteral("Show version information."));
    parser.addOption(versionOption);
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A .weft workflow to open."),
                                 QStringLiteral("[file]"));
    parser.process(app);
    if (parser.isSet(versionOption)) {
        std::printf("weft %s\n%s\nQt %s\noneTBB %s\n%s\n", weft::versionString().c_str(),
                    weft::licenseString().c_str(), qVersion(), weft::tbbVersionString().c_str(),
                    weft::openSslVersionString().c_str());
        return 0;
    }

    weft::ui::MainWindow window;
    window.show();
    const QStringList files = parser.positionalArguments();
    QTimer::singleShot(0, &window, [&window, files] {
        // Recovery first: the crashed session's work is the more precious.
        if (!window.offerRecovery() && !files.isEmpty())
            window.openFile(files.front());
    });
    return app.exec();
}
