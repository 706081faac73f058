// SPDX-License-Identifier: Apache-2.0
// weft-cli lint through the real executable: exit status, file:line:col,
// the fix, and --json.
#include "CliRun.h"

#include <QtTest>

using weft::test::CliRun;
using weft::test::runWeftCli;

class TestLintCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanFileExitsZero()
    {
        const CliRun r = runWeftCli({"lint", QStringLiteral(WEFT_FIXTURES_DIR "/predict/lint-clean.weft")},
                                    QStringLiteral(WEFT_FIXTURES_DIR));
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("no findings"), r.out.constData());
    }

    void racesAreNamedWithLineAndFix()
    {
        const QString file = QStringLiteral(WEFT_FIXTURES_DIR "/predict/lint-races.weft");
        const CliRun r = runWeftCli({"lint", file}, QStringLiteral(WEFT_FIXTURES_DIR));
        QCOMPARE(r.exitCode, 1);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(file + ":7:29: warning: 'sum' reads out/data.txt, which 'gen' writes"),
                 r.out.constData());
        QVERIFY(out.contains("fix: add `needs: [gen]` to sum"));
        QVERIFY(out.contains("'other' and 'gen' may run at the same time and both write out/data.txt"));
        QVERIFY(out.contains("'link' reads out/a.o, which 'compile' writes"));
        QVERIFY(out.contains("[fan-out-overwrites]"));
    }

    void jsonOutput()
    {
        const CliRun r = runWeftCli({"lint", "--json", QStringLiteral(WEFT_FIXTURES_DIR "/predict/lint-races.weft")},
                                    QStringLiteral(WEFT_FIXTURES_DIR));
        QCOMPARE(r.exitCode, 1);
        const nlohmann::json findings = nlohmann::json::parse(r.out.toStdString());
        QVERIFY(findings.is_array());
        QCOMPARE(findings.size(), std::size_t(5));
        QCOMPARE(findings[0]["node"], "sum");
        QCOMPARE(findings[0]["other"], "gen");
        QCOMPARE(findings[0]["line"], 7);
        QCOMPARE(findings[0]["rule"], "write-read-race");
    }

    void invalidFileIsUsageError()
    {
        const CliRun r = runWeftCli({"lint", QStringLiteral(WEFT_FIXTURES_DIR "/cli/invalid.weft")},
                                    QStringLiteral(WEFT_FIXTURES_DIR));
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("error"));
    }
};

QTEST_GUILESS_MAIN(TestLintCli)
#include "tst_lint_cli.moc"
