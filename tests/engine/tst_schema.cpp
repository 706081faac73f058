// SPDX-License-Identifier: Apache-2.0
// The JSON Schema in resources/schema must agree with the loader. Every
// fixture and example is validated by /usr/bin/python3's jsonschema
// (Draft 2020-12) and by the loader; their verdicts must match, except for
// invalid fixtures whose .expected file starts with "# schema-accepts:" —
// problems JSON Schema cannot express (unique ids, known needs, cycles,
// defined pools) or that Python's JSON reader lets through. For those the
// schema must accept and the loader reject, so the marker cannot go stale.

#include "weft/WorkflowFile.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QtTest>

using namespace weft;

namespace {

// Prints "PATH<TAB>valid" or "PATH<TAB>invalid<TAB>reason" per file argument.
const char *const kValidatorScript = R"PY(
import json, sys
import jsonschema
with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        error = jsonschema.exceptions.best_match(validator.iter_errors(document))
        verdict = "valid" if error is None else "invalid\t" + error.message
    except (ValueError, UnicodeDecodeError) as e:
        verdict = "invalid\tnot JSON: " + str(e)
    print(path + "\t" + verdict.replace("\n", " "))
)PY";

const QString kPython = QStringLiteral("/usr/bin/python3");
const QString kSchema = QStringLiteral(WEFT_SOURCE_DIR "/resources/schema/weft-1.schema.json");

QStringList filesIn(const QString &directory)
{
    QStringList paths;
    const QDir dir(directory);
    for (const QString &name : dir.entryList({"*.weft"}, QDir::Files, QDir::Name))
        paths << dir.filePath(name);
    return paths;
}

bool schemaShouldAccept(const QString &fixture)
{
    QFile expected(fixture.chopped(5) + ".expected");
    if (!expected.open(QIODevice::ReadOnly))
        return false;
    return expected.readLine().startsWith("# schema-accepts:");
}

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void verdictsAgree_data();
    void verdictsAgree();

private:
    QHash<QString, QString> m_verdicts; // path -> "valid" or "invalid\treason"
};

void TestSchema::initTestCase()
{
    QProcess probe;
    probe.start(kPython, {"-c", "import jsonschema"});
    if (!probe.waitForFinished(30000) || probe.exitStatus() != QProcess::NormalExit
        || probe.exitCode() != 0)
        QSKIP("/usr/bin/python3 with the jsonschema module is not available");

    QStringList files = filesIn(WEFT_FIXTURES_DIR "/valid");
    files += filesIn(WEFT_FIXTURES_DIR "/invalid");
    files += filesIn(WEFT_EXAMPLES_DIR);
    QProcess python;
    python.start(kPython, QStringList{"-c", kValidatorScript, kSchema} + files);
    QVERIFY2(python.waitForFinished(120000), "the schema validator did not finish in time");
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             python.readAllStandardError().constData());
    const QStringList lines = QString::fromUtf8(python.readAllStandardOutput()).split('\n',
                                                                                  Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const qsizetype tab = line.indexOf('\t');
        QVERIFY(tab > 0);
        m_verdicts.insert(line.left(tab), line.mid(tab + 1));
    }
    QCOMPARE(m_verdicts.size(), files.size());
}

void TestSchema::verdictsAgree_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("loaderAccepts");
    QTest::addColumn<bool>("schemaAccepts");
    for (const QString &path : filesIn(WEFT_FIXTURES_DIR "/valid"))
        QTest::newRow(qPrintable("valid/" + QFileInfo(path).fileName())) << path << true << true;
    for (const QString &path : filesIn(WEFT_EXAMPLES_DIR))
        QTest::newRow(qPrintable("examples/" + QFileInfo(path).fileName())) << path << true << true;
    for (const QString &path : filesIn(WEFT_FIXTURES_DIR "/invalid")) {
        QTest::newRow(qPrintable("invalid/" + QFileInfo(path).fileName()))
            << path << false << schemaShouldAccept(path);
    }
}

void TestSchema::verdictsAgree()
{
    QFETCH(QString, path);
    QFETCH(bool, loaderAccepts);
    QFETCH(bool, schemaAccepts);

    const LoadResult loaded = loadWorkflowFile(path.toStdString());
    QVERIFY2(loaded.ok() == loaderAccepts,
             loaded.diagnostics.empty() ? "the loader accepted it"
                                        : loaded.diagnostics.front().message.c_str());

    QVERIFY(m_verdicts.contains(path));
    const QString verdict = m_verdicts.value(path);
    QVERIFY2((verdict == "valid") == schemaAccepts,
             qPrintable("schema verdict: " + verdict));
}

QTEST_GUILESS_MAIN(TestSchema)

#include "tst_schema.moc"
