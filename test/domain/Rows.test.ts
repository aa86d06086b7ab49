import { assert, describe, it } from "@effect/vitest"
import { columnsOf, parseRow } from "../../src/domain/Rows.js"

describe("Rows", () => {
  it("extracts the indexed columns and keeps the text as received", () => {
    const line = `{"id":"e1","updated_at":"2026-03-01T14:00:00.5+02:00","status":"FINISHED","is_replied":true,` +
      `"person":{"id":"p1","company":{"id":"c1","domain":"x.example"}},"extra":{"kept":"\\u00e9"}}`

    const row = parseRow("enrollments", line)

    assert.isFalse(typeof row === "string")
    if (typeof row === "string") return
    const cells = Object.fromEntries(columnsOf("enrollments").map((c, i) => [c, row.cells[i]]))
    assert.strictEqual(row.updatedAt, "2026-03-01T12:00:00.500000Z")
    assert.strictEqual(row.line, line)
    assert.deepStrictEqual(
      [cells.status, cells.is_replied, cells.person_id, cells.company_domain, cells.play_id],
      ["FINISHED", 1, "p1", "x.example", null]
    )
  })

  it("names what is wrong with a row it cannot take", () => {
    const cases: ReadonlyArray<[string, string]> = [
      ["{\"id\":\"a\",\"updated_at\":", "not valid JSON"],
      ["[1,2]", "expected a JSON object"],
      ["{\"updated_at\":\"2026-01-01T00:00:00Z\"}", "no string id"],
      ["{\"id\":7,\"updated_at\":\"2026-01-01T00:00:00Z\"}", "no string id"],
      ["{\"id\":\"a\"}", "no string updated_at"],
      ["{\"id\":\"a\",\"updated_at\":\"yesterday\"}", "unreadable updated_at"]
    ]
    for (const [line, expected] of cases) {
      assert.include(parseRow("enrollment-steps", line) as string, expected, line)
    }
  })
})
