import { assert, describe, it } from "@effect/vitest"
import { rawDataRows } from "../../src/services/JsonPage.js"

describe("JsonPage", () => {
  it("cuts each row out exactly as sent, escapes and nesting included", () => {
    const rows = [
      `{"id":"a","s":"comma, \\"quote\\" ] } [ {","n":1.50}`,
      `{ "id" : "b", "nested": {"data": [1, {"x": "]"}]}, "u": "\\u00e9 é 😀" }`,
      `{"id":"c","data":[]}`
    ]
    const body = `{"total": 3, "page": 1, "page_size": 2000, "data": [\n  ${rows.join(",\n  ")}\n]}`

    assert.deepStrictEqual(rawDataRows(body), rows)
  })

  it("finds data wherever it sits among the envelope keys", () => {
    assert.deepStrictEqual(rawDataRows(`{"data":[{"id":"x"}],"total":1,"page":1,"page_size":1}`), [`{"id":"x"}`])
    assert.deepStrictEqual(rawDataRows(`{"total":0,"data":[],"page":1,"page_size":1}`), [])
  })

  it("gives up on a body that is cut short", () => {
    assert.isUndefined(rawDataRows(`{"total":2,"data":[{"id":"x"},{"id":"y"`))
    assert.isUndefined(rawDataRows(`{"total":2}`))
  })
})
