// SPDX-License-Identifier: Apache-2.0
// The one JSON writer (engine/src/format/JsonWriter.h): the escaper every JSON
// text goes through (.weft files, JSON lines events, traces), the UTF-8 check
// it shares with the .weft parser, and the layouts of the streaming writers.
// The escaper's output is a promise twice over: files are diffed in git and
// event lines are read by tools, so the expected texts are spelled out byte
// for byte.

#include "../../engine/src/format/JsonDocument.h"
#include "../../engine/src/format/JsonWriter.h"
#include "../../engine/src/format/Utf8.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace weft;

namespace {

const std::string kReplacement = "\xEF\xBF\xBD"; // U+FFFD

std::string escaped(std::string_view text)
{
    std::string out;
    json::appendString(out, text);
    return out;
}

// QCOMPARE shows a QByteArray's bytes when they differ, a std::string's not.
QByteArray bytes(const std::string &text)
{
    return QByteArray::fromStdString(text);
}

std::string replacements(int count)
{
    std::string out;
    for (int i = 0; i < count; ++i)
        out += kReplacement;
    return out;
}

} // namespace

Q_DECLARE_METATYPE(std::string)

class TestJsonWriter : public QObject {
    Q_OBJECT

private slots:
    void escapes_data();
    void escapes();
    void everyControlCharacterIsEscaped();
    void utf8SequenceLength_data();
    void utf8SequenceLength();
    void writerOutputIsWhatTheParserAccepts();
    void numbers();
    void compactObjectIsOneJsonLine();
    void laidOutObjectMatchesNlohmannDump();
    void emptyContainers();
};

void TestJsonWriter::escapes_data()
{
    QTest::addColumn<std::string>("input");
    QTest::addColumn<std::string>("expected");

    QTest::newRow("empty") << std::string() << std::string(R"("")");
    QTest::newRow("plain") << std::string("make all -j4") << std::string(R"("make all -j4")");
    QTest::newRow("quote and backslash")
        << std::string(R"(say "hi" C:\dir\)") << std::string(R"("say \"hi\" C:\\dir\\")");
    QTest::newRow("short escapes") << std::string("\b\f\n\r\t") << std::string(R"("\b\f\n\r\t")");
    QTest::newRow("other controls as \\u00xx, lowercase")
        << std::string("\x01\x1b[0m\x1f") << std::string(R"("\u0001\u001b[0m\u001f")");
    QTest::newRow("NUL inside") << std::string("a\0b", 3) << std::string(R"("a\u0000b")");
    QTest::newRow("DEL and slash kept") << std::string("\x7f/") << std::string("\"\x7f/\"");

    QTest::newRow("2-byte kept") << std::string("caf\xC3\xA9") << std::string("\"caf\xC3\xA9\"");
    QTest::newRow("3-byte kept") << std::string("\xE2\x82\xAC") << std::string("\"\xE2\x82\xAC\"");
    QTest::newRow("4-byte kept") << std::string("\xF0\x9F\x98\x80!")
                                 << std::string("\"\xF0\x9F\x98\x80!\"");
    QTest::newRow("U+10FFFF kept")
        << std::string("\xF4\x8F\xBF\xBF") << std::string("\"\xF4\x8F\xBF\xBF\"");
    QTest::newRow("U+D7FF, below the surrogates, kept")
        << std::string("\xED\x9F\xBF") << std::string("\"\xED\x9F\xBF\"");
    QTest::newRow("U+FFFD itself kept") << kReplacement << "\"" + kReplacement + "\"";

    // Each byte that does not start a valid sequence becomes one U+FFFD.
    QTest::newRow("lone 0xFF") << std::string("a\xFF"
                                              "b")
                               << "\"a" + kReplacement + "b\"";
    QTest::newRow("lone continuation") << std::string("\x80\xBF") << "\"" + replacements(2) + "\"";
    QTest::newRow("latin-1 text") << std::string("caf\xE9 na\xEFve")
                                  << "\"caf" + kReplacement + " na" + kReplacement + "ve\"";
    QTest::newRow("chunk ends mid 2-byte") << std::string("ok\xC3") << "\"ok" + kReplacement + "\"";
    QTest::newRow("chunk ends mid 3-byte")
        << std::string("ok\xE2\x82") << "\"ok" + replacements(2) + "\"";
    QTest::newRow("chunk ends mid 4-byte")
        << std::string("\xF0\x9F\x98") << "\"" + replacements(3) + "\"";
    QTest::newRow("chunk starts mid character")
        << std::string("\x82\xAC rest") << "\"" + replacements(2) + " rest\"";
    QTest::newRow("cut short by an escape")
        << std::string("\xE2\x82\n") << "\"" + replacements(2) + "\\n\"";
    QTest::newRow("overlong 2-byte") << std::string("\xC0\xAF") << "\"" + replacements(2) + "\"";
    QTest::newRow("overlong C1") << std::string("\xC1\xBF") << "\"" + replacements(2) + "\"";
    QTest::newRow("overlong 3-byte")
        << std::string("\xE0\x9F\xBF") << "\"" + replacements(3) + "\"";
    QTest::newRow("overlong 4-byte")
        << std::string("\xF0\x8F\xBF\xBF") << "\"" + replacements(4) + "\"";
    QTest::newRow("high surrogate") << std::string("\xED\xA0\x80") << "\"" + replacements(3) + "\"";
    QTest::newRow("low surrogate") << std::string("\xED\xBF\xBF") << "\"" + replacements(3) + "\"";
    QTest::newRow("above U+10FFFF")
        << std::string("\xF4\x90\x80\x80") << "\"" + replacements(4) + "\"";
    QTest::newRow("F5 lead") << std::string("\xF5\x80\x80\x80") << "\"" + replacements(4) + "\"";
}

void TestJsonWriter::escapes()
{
    QFETCH(std::string, input);
    QFETCH(std::string, expected);
    QCOMPARE(bytes(escaped(input)), bytes(expected));
    // Appends, never replaces what is already there.
    std::string out = "[";
    json::appendString(out, input);
    QCOMPARE(bytes(out), bytes("[" + expected));
}

void TestJsonWriter::everyControlCharacterIsEscaped()
{
    for (int c = 0; c < 0x20; ++c) {
        const std::string text = escaped(std::string(1, char(c)));
        for (char byte : text)
            QVERIFY2(static_cast<unsigned char>(byte) >= 0x20, qPrintable(QString::number(c)));
        QCOMPARE(nlohmann::json::parse(text).get<std::string>(), std::string(1, char(c)));
    }
}

void TestJsonWriter::utf8SequenceLength_data()
{
    QTest::addColumn<std::string>("bytes");
    QTest::addColumn<int>("length");
    QTest::newRow("C2 80") << std::string("\xC2\x80") << 2;
    QTest::newRow("DF BF") << std::string("\xDF\xBF") << 2;
    QTest::newRow("E0 A0 80") << std::string("\xE0\xA0\x80") << 3;
    QTest::newRow("EF BF BF") << std::string("\xEF\xBF\xBF") << 3;
    QTest::newRow("F0 90 80 80") << std::string("\xF0\x90\x80\x80") << 4;
    QTest::newRow("F4 8F BF BF") << std::string("\xF4\x8F\xBF\xBF") << 4;
    QTest::newRow("only what the sequence needs") << std::string("\xC3\xA9\xC3\xA9") << 2;
    QTest::newRow("C0 80 overlong") << std::string("\xC0\x80") << 0;
    QTest::newRow("E0 80 80 overlong") << std::string("\xE0\x80\x80") << 0;
    QTest::newRow("F0 80 80 80 overlong") << std::string("\xF0\x80\x80\x80") << 0;
    QTest::newRow("ED A0 80 surrogate") << std::string("\xED\xA0\x80") << 0;
    QTest::newRow("F4 90 80 80 too high") << std::string("\xF4\x90\x80\x80") << 0;
    QTest::newRow("F8 lead") << std::string("\xF8\x88\x80\x80\x80") << 0;
    QTest::newRow("continuation first") << std::string("\x80") << 0;
    QTest::newRow("truncated by the end") << std::string("\xF0\x9F\x98") << 0;
    QTest::newRow("ASCII where a continuation belongs") << std::string("\xE2\x82x") << 0;
}

void TestJsonWriter::utf8SequenceLength()
{
    QFETCH(std::string, bytes);
    QFETCH(int, length);
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    QCOMPARE(json::utf8SequenceLength(p, p + bytes.size()), std::size_t(length));
}

// Random bytes, heavy on the ones that make UTF-8 interesting: whatever the
// writer makes of them, Weft's own parser and nlohmann's read it back as valid
// JSON, and the decoded string is the input with only invalid bytes replaced.
void TestJsonWriter::writerOutputIsWhatTheParserAccepts()
{
    static const unsigned char interesting[] = { 0x00, 0x0A, 0x1F, '"', '\\', 'a', 0x7F, 0x80, 0xBF,
        0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xA0, 0x90 };
    std::mt19937 random(21);
    for (int round = 0; round < 20000; ++round) {
        std::string input;
        const int length = int(random() % 12);
        for (int i = 0; i < length; ++i)
            input += char(interesting[random() % sizeof interesting]);
        const std::string text = escaped(input);

        json::Document doc;
        QVERIFY2(doc.parse(text), text.c_str());
        QCOMPARE(doc.at(0).type, json::Type::String);
        const std::string decoded(doc.string(0));
        QCOMPARE(bytes(nlohmann::json::parse(text).get<std::string>()), bytes(decoded));

        // Walk the input: valid sequences come back as they were, anything
        // else as exactly one U+FFFD per byte.
        std::string expected;
        const auto *p = reinterpret_cast<const unsigned char *>(input.data());
        const auto *end = p + input.size();
        while (p < end) {
            if (*p < 0x80) {
                expected += char(*p++);
                continue;
            }
            const std::size_t n = json::utf8SequenceLength(p, end);
            if (n == 0) {
                expected += kReplacement;
                ++p;
            } else {
                expected.append(reinterpret_cast<const char *>(p), n);
                p += n;
            }
        }
        QCOMPARE(bytes(decoded), bytes(expected));
    }
}

void TestJsonWriter::numbers()
{
    auto number = [](double value) {
        std::string out;
        json::appendNumber(out, value);
        return bytes(out);
    };
    QCOMPARE(number(60), QByteArray("60"));
    QCOMPARE(number(0.25), QByteArray("0.25"));
    QCOMPARE(number(0.1), QByteArray("0.1"));
    QCOMPARE(number(1e300), QByteArray("1e+300"));
    QCOMPARE(number(-2.5), QByteArray("-2.5"));
    QCOMPARE(number(std::nan("")), QByteArray("null"));
    QCOMPARE(number(std::numeric_limits<double>::infinity()), QByteArray("null"));

    std::string out;
    json::appendInteger(out, std::numeric_limits<std::int64_t>::min());
    out += ' ';
    json::appendInteger(out, std::numeric_limits<std::int64_t>::max());
    QCOMPARE(bytes(out), QByteArray("-9223372036854775808 9223372036854775807"));
}

// The shape of every JSON lines event.
void TestJsonWriter::compactObjectIsOneJsonLine()
{
    std::string line;
    json::ObjectWriter w(line);
    w.string("event", "run_finished").number("t", 1.5).integer("attempt", 2).boolean("ok", true);
    w.null("exit_code").stringOrNull("error", "").stringOrNull("signal", "SIGKILL");
    w.raw("params", R"({"a":1})");
    json::ObjectWriter counts = w.object("counts");
    counts.integer("succeeded", 3).integer("failed", 0);
    counts.close();
    json::ArrayWriter path = w.array("critical_path");
    path.string("a").string("b\"");
    path.close();
    w.close();
    // moc cannot read raw string literals inside a macro's arguments.
    const QByteArray expected(
        R"({"event":"run_finished","t":1.5,"attempt":2,"ok":true,"exit_code":null,)"
        R"("error":null,"signal":"SIGKILL","params":{"a":1},)"
        R"("counts":{"succeeded":3,"failed":0},"critical_path":["a","b\""]})");
    QCOMPARE(bytes(line), expected);
}

// Chrome traces keep the layout nlohmann's dump(1) gave them.
void TestJsonWriter::laidOutObjectMatchesNlohmannDump()
{
    for (int indent : { 1, 2, 4 }) {
        std::string out;
        json::ObjectWriter top(out, indent);
        top.string("displayTimeUnit", "ms");
        json::ArrayWriter events = top.array("traceEvents");
        for (int i = 0; i < 2; ++i) {
            json::ObjectWriter event = events.object();
            json::ObjectWriter args = event.object("args");
            args.integer("attempt", i + 1).string("node", "n\xC3\xA9\t");
            args.close();
            event.integer("dur", 500000).string("ph", "X").integer("ts", -i);
            event.close();
        }
        events.close();
        top.close();

        nlohmann::json expected
            = { { "displayTimeUnit", "ms" }, { "traceEvents", nlohmann::json::array() } };
        for (int i = 0; i < 2; ++i) {
            expected["traceEvents"].push_back(
                { { "args", { { "attempt", i + 1 }, { "node", "n\xC3\xA9\t" } } },
                    { "dur", 500000 }, { "ph", "X" }, { "ts", -i } });
        }
        QCOMPARE(bytes(out), bytes(expected.dump(indent)));
    }
}

void TestJsonWriter::emptyContainers()
{
    for (int indent : { -1, 1 }) {
        std::string out;
        json::ObjectWriter top(out, indent);
        top.object("args").close();
        top.array("needs").close();
        top.close();
        const nlohmann::json expected
            = { { "args", nlohmann::json::object() }, { "needs", nlohmann::json::array() } };
        QCOMPARE(bytes(out), bytes(expected.dump(indent)));
    }
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
