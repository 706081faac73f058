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
