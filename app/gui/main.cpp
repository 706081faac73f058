// weft: the desktop editor. Opens the file named on the command line, if
// any, and offers to recover unsaved work left by a crash.

#include <MainWindow.h>
#include <Theme.h>

#include <weft/Version.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QStyleFactory>
#include <QTimer>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Weft"));
    QApplication::setApplicationName(QStringLiteral("Weft"));
    QApplication::setApplicationDisplayName(QStringLiteral("Weft"));
    QApplication::setApplicationVersion(QString::fromStdString(weft::versionString()));
    QApplication::setDesktopFileName(QStringLiteral("weft"));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setWindowIcon(weft::ui::Theme::appIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Draw graphs of operations and watch them run."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A .weft workflow to open."),
                                 QStringLiteral("[file]"));
    parser.process(app);

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
