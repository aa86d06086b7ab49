import { assert, describe, it } from "@effect/vitest"
import { type Format, type Value, writer } from "../../src/explorer/Formats.js"

const columns = ["id", "text", "n", "r"]
const tricky: ReadonlyArray<ReadonlyArray<Value>> = [
  [1n, "plain", 9007199254740993n, 1.5],
  [2n, "comma, \"quote\"\nnew line", null, 2.0],
  [3n, "emoji 😀 and 日本語\ttab", -12n, null],
  [4n, "x".repeat(300), 0n, 1e-7]
]

const render = (format: Format, rows = tricky, headers = true) => {
  const w = writer(format, columns, { headers, maxWidth: 60 })
  return { text: rows.map(w.row).join("") + w.end(rows.length), shortened: w.shortened() }
}

describe("Formats", () => {
  it("writes RFC 4180 CSV: CRLF, quoted fields, doubled quotes, empty NULL", () => {
    const { text } = render("csv")

    assert.strictEqual(
      text.split("\r\n").slice(0, 4).join("\r\n"),
      "id,text,n,r\r\n1,plain,9007199254740993,1.5\r\n2,\"comma, \"\"quote\"\"\nnew line\",,2.0\r\n" +
        "3,emoji 😀 and 日本語\ttab,-12,"
    )
    assert.include(text, `4,${"x".repeat(300)},0,1e-7\r\n`)
  })

  it("keeps SQLite's types in JSON, big integers unrounded", () => {
    const parsed = render("json").text

    assert.include(parsed, "\"n\":9007199254740993")
    assert.include(parsed, "\"r\":2.0")
    const rows = JSON.parse(parsed) as Array<Record<string, unknown>>
    assert.strictEqual(rows.length, 4)
    assert.strictEqual(rows[1]!.text, "comma, \"quote\"\nnew line")
    assert.isNull(rows[1]!.n)
    assert.strictEqual(rows[2]!.text, "emoji 😀 and 日本語\ttab")
    assert.strictEqual(render("json", []).text, "[]\n")
  })

  it("writes one JSON object per line in NDJSON", () => {
    const lines = render("ndjson").text.trimEnd().split("\n")

    assert.strictEqual(lines.length, 4)
    assert.deepStrictEqual(JSON.parse(lines[3]!), { id: 4, text: "x".repeat(300), n: 0, r: 1e-7 })
  })

  it("escapes tabs, newlines and backslashes in TSV so each row is one line", () => {
    const lines = render("tsv").text.trimEnd().split("\n")

    assert.strictEqual(lines.length, 5)
    assert.strictEqual(lines[2], "2\tcomma, \"quote\"\\nnew line\t\t2.0")
    assert.strictEqual(lines[3], "3\temoji 😀 and 日本語\\ttab\t-12\t")
  })

  it("escapes pipes and newlines in markdown and never shortens", () => {
    const { text, shortened } = render("markdown", [[1n, "a|b\nc", null, 1.5], [2n, "y".repeat(200), 1n, 0.5]])

    assert.include(text, "a\\|b<br>c")
    assert.include(text, "y".repeat(200))
    assert.isFalse(shortened)
    assert.match(text.split("\n")[1]!, /^\| -+ \| -+ \| -+ \| -+ \|$/)
  })

  it("shortens only in tables, with a visible marker", () => {
    const { text, shortened } = render("table")

    assert.isTrue(shortened)
    assert.include(text, `${"x".repeat(59)}…`)
    assert.notInclude(text, "x".repeat(61))
    assert.include(text, "comma, \"quote\"↵new line")
    assert.include(text, "NULL")
    for (const format of ["csv", "tsv", "json", "ndjson", "markdown"] as const) {
      assert.isFalse(render(format).shortened, format)
      assert.include(render(format).text, "x".repeat(300), format)
    }
  })

  it("gives repeated column names distinct JSON keys", () => {
    const w = writer("ndjson", ["id", "id", "id"])

    assert.strictEqual(w.row([1n, 2n, 3n]), "{\"id\":1,\"id_2\":2,\"id_3\":3}\n")
  })

  it("leaves out headers when asked", () => {
    assert.strictEqual(render("csv", [[1n, "a", null, null]], false).text, "1,a,,\r\n")
  })
})
