// SPDX-License-Identifier: Apache-2.0
// When a `command` runs directly and when it needs /bin/sh: the decision
// table (GNU make's rule), and how argv is shown to people.
#include "../../engine/src/process/CommandLine.h"

#include <QtTest>

using namespace weft;

class tst_CommandLine : public QObject
{
    Q_OBJECT

private slots:
    void split_data();
    void split();
    void firstWord_data();
    void firstWord();
    void display_data();
    void display();
};

void tst_CommandLine::split_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<bool>("shell");
    QTest::addColumn<QStringList>("argv"); // when direct

    // Direct: split on blanks.
    QTest::newRow("single word") << "true" << false << QStringList{"true"};
    QTest::newRow("words") << "tar cf a.tar ../data" << false
                           << QStringList{"tar", "cf", "a.tar", "../data"};
    QTest::newRow("extra blanks and tabs") << "  gzip\t-9   file  " << false
                                           << QStringList{"gzip", "-9", "file"};
    QTest::newRow("option with =") << "cmake -DFOO=1 ." << false
                                   << QStringList{"cmake", "-DFOO=1", "."};
    QTest::newRow("path with dots and dashes") << "./tools/gen-data.py --n 3 -o out/a_b.txt"
                                               << false
                                               << QStringList{"./tools/gen-data.py", "--n", "3",
                                                              "-o", "out/a_b.txt"};
    QTest::newRow("percent, plus, comma, colon, at") << "printf %s+%d,a:b@c" << false
                                                     << QStringList{"printf", "%s+%d,a:b@c"};
    QTest::newRow("echo is a program") << "echo hello" << false << QStringList{"echo", "hello"};
    QTest::newRow("keyword later is an argument") << "grep if file" << false
                                                  << QStringList{"grep", "if", "file"};
    QTest::newRow("utf-8") << "touch résumé" << false << QStringList{"touch", "résumé"};
    QTest::newRow("empty") << "" << false << QStringList{};
    QTest::newRow("blank") << " \t " << false << QStringList{};

    // Shell syntax.
    const QStringList none;
    QTest::newRow("double quotes") << "echo \"a b\"" << true << none;
    QTest::newRow("single quotes") << "echo 'a b'" << true << none;
    QTest::newRow("backslash") << "echo a\\ b" << true << none;
    QTest::newRow("glob star") << "ls *.txt" << true << none;
    QTest::newRow("glob question") << "ls a?.txt" << true << none;
    QTest::newRow("glob bracket") << "ls [ab].txt" << true << none;
    QTest::newRow("pipe") << "ls | wc -l" << true << none;
    QTest::newRow("redirect out") << "echo a > f" << true << none;
    QTest::newRow("redirect in") << "wc -l < f" << true << none;
    QTest::newRow("redirect stderr") << "make 2>&1" << true << none;
    QTest::newRow("list ;") << "a; b" << true << none;
    QTest::newRow("list &&") << "a && b" << true << none;
    QTest::newRow("background") << "sleep 1 &" << true << none;
    QTest::newRow("variable") << "echo $HOME" << true << none;
    QTest::newRow("variable braces") << "echo ${HOME}" << true << none;
    QTest::newRow("command substitution") << "echo $(date)" << true << none;
    QTest::newRow("backticks") << "echo `date`" << true << none;
    QTest::newRow("tilde") << "ls ~/src" << true << none;
    QTest::newRow("comment") << "make # build" << true << none;
    QTest::newRow("newline") << "a\nb" << true << none;
    QTest::newRow("carriage return") << "a\r" << true << none;
    QTest::newRow("subshell") << "(cd x)" << true << none;
    QTest::newRow("braces") << "{ a; }" << true << none;
    QTest::newRow("history bang") << "! false" << true << none;
    QTest::newRow("assignment") << "FOO=1 make" << true << none;
    QTest::newRow("assignment alone") << "FOO=1" << true << none;
    QTest::newRow("cd") << "cd work" << true << none;
    QTest::newRow("export") << "export A" << true << none;
    QTest::newRow("exec") << "exec make" << true << none;
    QTest::newRow("exit") << "exit 3" << true << none;
    QTest::newRow("set") << "set -e" << true << none;
    QTest::newRow("source") << "source env.sh" << true << none;
    QTest::newRow("dot") << ". env.sh" << true << none;
    QTest::newRow("colon") << ": nothing" << true << none;
    QTest::newRow("if") << "if true" << true << none;
    QTest::newRow("for") << "for x" << true << none;
    QTest::newRow("while") << "while true" << true << none;
    QTest::newRow("until") << "until true" << true << none;
    QTest::newRow("test") << "test -f x" << true << none;
    QTest::newRow("ulimit") << "ulimit -n" << true << none;
    QTest::newRow("umask") << "umask 022" << true << none;
    QTest::newRow("unset") << "unset A" << true << none;
    QTest::newRow("wait") << "wait" << true << none;
    QTest::newRow("leading blank before builtin") << "   cd /" << true << none;
}

void tst_CommandLine::split()
{
    QFETCH(QString, command);
    QFETCH(bool, shell);
    QFETCH(QStringList, argv);

    const std::string text = command.toStdString();
    QCOMPARE(needsShell(text), shell);
    auto split = splitSimpleCommand(text);
    QCOMPARE(!split.has_value(), shell);
    if (split) {
        QStringList actual;
        for (const std::string &word : *split)
            actual << QString::fromStdString(word);
        QCOMPARE(actual, argv);
    }
}

void tst_CommandLine::firstWord_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("word");
    QTest::newRow("simple") << "make -j4" << "make";
    QTest::newRow("leading blanks") << " \t foo bar" << "foo";
    QTest::newRow("shell syntax") << "./x.sh > out" << "./x.sh";
    QTest::newRow("empty") << "" << "";
}

void tst_CommandLine::firstWord()
{
    QFETCH(QString, command);
    QFETCH(QString, word);
    QCOMPARE(QString::fromStdString(weft::firstWord(command.toStdString())), word);
}

void tst_CommandLine::display_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<QString>("line");
    QTest::newRow("plain") << QStringList{"tar", "xf", "../a.tar"} << "tar xf ../a.tar";
    QTest::newRow("blank") << QStringList{"echo", "a b"} << "echo 'a b'";
    QTest::newRow("quote") << QStringList{"echo", "it's"} << "echo 'it'\\''s'";
    QTest::newRow("empty argument") << QStringList{"printf", ""} << "printf ''";
    QTest::newRow("glob and variable") << QStringList{"ls", "*", "$X"} << "ls '*' '$X'";
    QTest::newRow("assignment-like") << QStringList{"env", "A=1"} << "env 'A=1'";
}

void tst_CommandLine::display()
{
    QFETCH(QStringList, argv);
    QFETCH(QString, line);
    std::vector<std::string> args;
    for (const QString &arg : argv)
        args.push_back(arg.toStdString());
    QCOMPARE(QString::fromStdString(displayCommandLine(args)), line);
}

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
