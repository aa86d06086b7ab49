import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Instant from "../../src/domain/Instant.js"

describe("Instant", () => {
  it("spells every offset and precision of one instant the same way", () => {
    const spellings = [
      "2026-03-01T12:00:00Z",
      "2026-03-01T12:00:00.000Z",
      "2026-03-01T12:00:00.000000Z",
      "2026-03-01T12:00:00+00:00",
      "2026-03-01T14:00:00.000+02:00",
      "2026-03-01T06:30:00.000000-05:30"
    ]

    const normalized = spellings.map((s) => Option.getOrNull(Instant.normalize(s)))

    assert.deepStrictEqual(new Set(normalized), new Set(["2026-03-01T12:00:00.000000Z"]))
  })

  it("keeps microseconds and drops digits past the sixth", () => {
    assert.strictEqual(
      Option.getOrNull(Instant.normalize("2026-03-01T12:00:00.123456789Z")),
      "2026-03-01T12:00:00.123456Z"
    )
    assert.strictEqual(
      Option.getOrNull(Instant.normalize("2026-03-01T12:00:00.5+01:00")),
      "2026-03-01T11:00:00.500000Z"
    )
  })

  it("orders the canonical text as time, across offsets", () => {
    const later = "2026-03-01T12:00:00.001+00:00"
    const earlier = "2026-03-01T13:00:00.000+01:00"

    assert.strictEqual(Instant.compare(later, earlier), 1)
    assert.isTrue(
      Option.getOrThrow(Instant.normalize(later)) > Option.getOrThrow(Instant.normalize(earlier))
    )
    assert.strictEqual(Instant.compare("2026-03-01T12:00:00Z", "2026-03-01T13:00:00+01:00"), 0)
  })

  it("rejects text that is not a timestamp", () => {
    for (const text of ["", "yesterday", "2026-02-30T00:00:00Z", "2026-03-01T25:00:00Z", "2026-03-01T12:00:00"]) {
      assert.isTrue(Option.isNone(Instant.normalize(text)), text)
    }
  })

  it("crosses day and year boundaries when converting offsets", () => {
    assert.strictEqual(
      Option.getOrNull(Instant.normalize("2027-01-01T01:30:00+02:00")),
      "2026-12-31T23:30:00.000000Z"
    )
  })
})
