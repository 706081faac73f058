// SPDX-License-Identifier: Apache-2.0
// The progress line protocol and the stdout filter that applies it, with
// lines split at every possible chunk boundary; and the bounded output tail.
#include "../../engine/src/process/OutputTail.h"
#include "../../engine/src/process/ProgressProtocol.h"

#include <QtTest>

using namespace weft;

namespace {

struct Collected final : ProgressFilter::Sink
{
    std::string text;
    std::vector<std::pair<double, std::string>> reports;
    void output(std::string_view chunk) override { text.append(chunk); }
    void progress(double fraction, std::string_view message) override
    {
        reports.emplace_back(fraction, std::string(message));
    }
};

// Records values too, and everything in one sequence, so the order of
// output, progress and values is checked as one.
struct Everything final : ProgressFilter::Sink
{
    std::string text;
    std::vector<std::string> events; // progress reports and values, in order
    std::vector<std::pair<std::string, std::string>> values;
    void output(std::string_view chunk) override { text.append(chunk); }
    void progress(double fraction, std::string_view) override
    {
        events.push_back("progress " + std::to_string(int(fraction * 100 + 0.5)));
    }
    void outputValue(std::string_view name, std::string_view value) override
    {
        values.emplace_back(name, value);
        events.push_back("value " + std::string(name));
    }
};

} // namespace

class tst_ProgressProtocol : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void filterAtEverySplit_data();
    void filterAtEverySplit();
    void ordinaryOutputPassesAtOnce();
    void longCandidateLineIsReleased();
    void parseOutput_data();
    void parseOutput();
    void outputLinesAtEverySplit_data();
    void outputLinesAtEverySplit();
    void outputValueKeepsItsBytes();
    void tailIsBounded();
    void tailLines_data();
    void tailLines();
};

void tst_ProgressProtocol::parse_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<QString>("message");

    QTest::newRow("integer") << "::progress 42" << true << 0.42 << "";
    QTest::newRow("zero") << "::progress 0 starting" << true << 0.0 << "starting";
    QTest::newRow("hundred") << "::progress 100 done" << true << 1.0 << "done";
    QTest::newRow("fraction") << "::progress 12.5 an eighth" << true << 0.125 << "an eighth";
    QTest::newRow("percent sign") << "::progress 50% half" << true << 0.5 << "half";
    QTest::newRow("steps") << "::progress 3/4 three of four" << true << 0.75 << "three of four";
    QTest::newRow("steps zero") << "::progress 0/10" << true << 0.0 << "";
    QTest::newRow("tab and blanks") << "::progress\t 20 \t spaced  out \r" << true << 0.2
                                    << "spaced  out";
    QTest::newRow("over 100") << "::progress 101" << false << 0.0 << "";
    QTest::newRow("negative") << "::progress -1" << false << 0.0 << "";
    QTest::newRow("plus sign") << "::progress +1" << false << 0.0 << "";
    QTest::newRow("steps over total") << "::progress 5/4" << false << 0.0 << "";
    QTest::newRow("steps zero total") << "::progress 0/0" << false << 0.0 << "";
    QTest::newRow("word") << "::progress soon" << false << 0.0 << "";
    QTest::newRow("exponent") << "::progress 1e1" << false << 0.0 << "";
    QTest::newRow("no amount") << "::progress " << false << 0.0 << "";
    QTest::newRow("no blank") << "::progress50" << false << 0.0 << "";
    QTest::newRow("indented") << " ::progress 50" << false << 0.0 << "";
    QTest::newRow("other prefix") << "::progresses 50" << false << 0.0 << "";
}

void tst_ProgressProtocol::parse()
{
    QFETCH(QString, line);
    QFETCH(bool, valid);
    QFETCH(double, fraction);
    QFETCH(QString, message);

    const std::string text = line.toStdString();
    auto report = parseProgressLine(text);
    QCOMPARE(report.has_value(), valid);
    if (report) {
        QCOMPARE(report->fraction, fraction);
        QCOMPARE(QString::fromStdString(std::string(report->message)), message);
    }
}

void tst_ProgressProtocol::filterAtEverySplit_data()
{
    QTest::addColumn<QString>("stream");
    QTest::addColumn<QString>("output");
    QTest::addColumn<int>("reports");

    QTest::newRow("mixed") << "a\n::progress 10 x\nb\n::progress 3/4\n:: not\n::progress bad\nend"
                           << "a\nb\n:: not\n::progress bad\nend" << 2;
    QTest::newRow("only progress") << "::progress 1\n::progress 2\n" << "" << 2;
    QTest::newRow("unterminated last line") << "x\n::progress 7 last" << "x\n" << 1;
    QTest::newRow("colon inside a line") << "a ::progress 5\n" << "a ::progress 5\n" << 0;
    QTest::newRow("crlf") << "::progress 5 w\r\nok\r\n" << "ok\r\n" << 1;
    QTest::newRow("empty lines") << "\n\n::progress 5\n\n" << "\n\n\n" << 1;
}

void tst_ProgressProtocol::filterAtEverySplit()
{
    QFETCH(QString, stream);
    QFETCH(QString, output);
    QFETCH(int, reports);

    const std::string text = stream.toStdString();
    // Two and three chunks, split everywhere: the result never changes.
    for (std::size_t i = 0; i <= text.size(); ++i) {
        for (std::size_t j = i; j <= text.size(); ++j) {
            ProgressFilter filter;
            Collected sink;
            filter.feed(std::string_view(text).substr(0, i), sink);
            filter.feed(std::string_view(text).substr(i, j - i), sink);
            filter.feed(std::string_view(text).substr(j), sink);
            filter.finish(sink);
            QCOMPARE(QString::fromStdString(sink.text), output);
            QCOMPARE(int(sink.reports.size()), reports);
        }
    }
}

void tst_ProgressProtocol::ordinaryOutputPassesAtOnce()
{
    ProgressFilter filter;
    Collected sink;
    filter.feed("compiling", sink);
    QCOMPARE(sink.text, std::string("compiling"));
    filter.feed("...\n::pro", sink);
    QCOMPARE(sink.text, std::string("compiling...\n")); // "::pro" may still be progress
    filter.feed("blem\n", sink);
    QCOMPARE(sink.text, std::string("compiling...\n::problem\n"));
    filter.feed(":", sink);
    filter.feed("x", sink); // ":x" can no longer be a progress line
    QCOMPARE(sink.text, std::string("compiling...\n::problem\n:x"));
    QVERIFY(sink.reports.empty());
}

void tst_ProgressProtocol::longCandidateLineIsReleased()
{
    ProgressFilter filter;
    Collected sink;
    const std::string longLine = "::progress 5 " + std::string(ProgressFilter::kMaxLine, 'm');
    filter.feed(longLine, sink);
    QCOMPARE(sink.text, longLine);
    filter.feed(" more\n::progress 9\n", sink);
    QCOMPARE(sink.text, longLine + " more\n");
    QCOMPARE(sink.reports.size(), std::size_t(1));
}

void tst_ProgressProtocol::parseOutput_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");

    QTest::newRow("simple") << "::output obj out/a.o" << true << "obj" << "out/a.o";
    QTest::newRow("spaces in value") << "::output msg hello  big world" << true << "msg"
                                     << "hello  big world";
    QTest::newRow("separating blanks go") << "::output\t n \t 1" << true << "n" << "1";
    QTest::newRow("trailing blanks stay") << "::output n a b  " << true << "n" << "a b  ";
    QTest::newRow("crlf") << "::output n 1\r" << true << "n" << "1";
    QTest::newRow("empty value") << "::output flag" << true << "flag" << "";
    QTest::newRow("empty value, blank") << "::output flag " << true << "flag" << "";
    QTest::newRow("name chars") << "::output _a.b-c9 v" << true << "_a.b-c9" << "v";
    QTest::newRow("no name") << "::output " << false << "" << "";
    QTest::newRow("only blanks") << "::output  \t " << false << "" << "";
    QTest::newRow("bad name") << "::output 1st v" << false << "" << "";
    QTest::newRow("bad name char") << "::output a/b v" << false << "" << "";
    QTest::newRow("no blank") << "::outputx v" << false << "" << "";
    QTest::newRow("bare") << "::output" << false << "" << "";
    QTest::newRow("indented") << " ::output n v" << false << "" << "";
}

void tst_ProgressProtocol::parseOutput()
{
    QFETCH(QString, line);
    QFETCH(bool, valid);
    QFETCH(QString, name);
    QFETCH(QString, value);

    const std::string text = line.toStdString();
    const auto report = parseOutputLine(text);
    QCOMPARE(report.has_value(), valid);
    if (report) {
        QCOMPARE(QString::fromUtf8(report->name.data(), qsizetype(report->name.size())), name);
        QCOMPARE(QString::fromUtf8(report->value.data(), qsizetype(report->value.size())), value);
    }
}

void tst_ProgressProtocol::outputLinesAtEverySplit_data()
{
    QTest::addColumn<QString>("stream");
    QTest::addColumn<QString>("output");
    QTest::addColumn<QStringList>("events");
    QTest::addColumn<QStringList>("values"); // name=value

    QTest::newRow("mixed")
        << "a\n::output obj out/a.o\n::progress 50\n::output n 1\nb\n::output n 1\n"
        << "a\nb\n" << QStringList{"value obj", "progress 50", "value n", "value n"}
        << QStringList{"obj=out/a.o", "n=1", "n=1"};
    QTest::newRow("malformed pass through")
        << "::output\n::output 9 x\n::output \n::outputs a b\n::output ok yes\n"
        << "::output\n::output 9 x\n::output \n::outputs a b\n" << QStringList{"value ok"}
        << QStringList{"ok=yes"};
    QTest::newRow("no trailing newline") << "x\n::output last the end" << "x\n"
                                         << QStringList{"value last"}
                                         << QStringList{"last=the end"};
    QTest::newRow("crlf") << "::output p a b\r\nok\r\n" << "ok\r\n" << QStringList{"value p"}
                          << QStringList{"p=a b"};
}

void tst_ProgressProtocol::outputLinesAtEverySplit()
{
    QFETCH(QString, stream);
    QFETCH(QString, output);
    QFETCH(QStringList, events);
    QFETCH(QStringList, values);

    const std::string text = stream.toStdString();
    for (std::size_t i = 0; i <= text.size(); ++i) {
        for (std::size_t j = i; j <= text.size(); ++j) {
            ProgressFilter filter;
            Everything sink;
            filter.feed(std::string_view(text).substr(0, i), sink);
            filter.feed(std::string_view(text).substr(i, j - i), sink);
            filter.feed(std::string_view(text).substr(j), sink);
            filter.finish(sink);
            QCOMPARE(QString::fromStdString(sink.text), output);
            QStringList seen;
            for (const std::string &e : sink.events)
                seen << QString::fromStdString(e);
            QCOMPARE(seen, events);
            QStringList got;
            for (const auto &[name, value] : sink.values)
                got << QString::fromStdString(name + "=" + value);
            QCOMPARE(got, values);
        }
    }
}

void tst_ProgressProtocol::outputValueKeepsItsBytes()
{
    // A value is not trimmed or decoded: quotes, ';', '$' and UTF-8 arrive as written.
    ProgressFilter filter;
    Everything sink;
    const std::string value = "it's \"a;b\" $HOME ${x} \xc3\xa9t\xc3\xa9\t";
    filter.feed("::output v " + value + "\n", sink);
    filter.finish(sink);
    QVERIFY(sink.text.empty());
    QCOMPARE(sink.values.size(), std::size_t(1));
    QCOMPARE(sink.values.front().second, value);

    // The progress-only sink lets values go, and they are still not output.
    Collected quiet;
    ProgressFilter other;
    other.feed("::output v 1\nrest\n", quiet);
    QCOMPARE(quiet.text, std::string("rest\n"));
}

void tst_ProgressProtocol::tailIsBounded()
{
    OutputTail tail(1024);
    std::string line(99, 'y');
    line += '\n';
    for (int i = 0; i < 100000; ++i)
        tail.append(line);
    tail.append("last\n");
    QCOMPARE(tail.totalBytes(), std::uint64_t(100000 * 100 + 5));
    QCOMPARE(tail.text().size(), std::size_t(1024));
    QVERIFY(tail.text().ends_with("y\nlast\n"));
    // A cut first line is not reported as a line.
    const std::string lines = tail.lastLines(1000);
    QVERIFY(lines.starts_with(std::string(99, 'y')));
    QVERIFY(lines.ends_with("\nlast"));

    OutputTail big(1024);
    big.append(std::string(5000, 'z'));
    QCOMPARE(big.text(), std::string(1024, 'z'));
}

void tst_ProgressProtocol::tailLines_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("lines");
    QTest::newRow("fewer than asked") << "a\nb\n" << 5 << "a\nb";
    QTest::newRow("last two") << "a\nb\nc\n" << 2 << "b\nc";
    QTest::newRow("no final newline") << "a\nb\nc" << 1 << "c";
    QTest::newRow("empty") << "" << 3 << "";
    QTest::newRow("single line") << "only" << 3 << "only";
}

void tst_ProgressProtocol::tailLines()
{
    QFETCH(QString, text);
    QFETCH(int, count);
    QFETCH(QString, lines);
    OutputTail tail;
    tail.append(text.toStdString());
    QCOMPARE(QString::fromStdString(tail.lastLines(std::size_t(count))), lines);
}

QTEST_GUILESS_MAIN(tst_ProgressProtocol)
#include "tst_progressprotocol.moc"
