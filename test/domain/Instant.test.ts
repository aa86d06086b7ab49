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

  it("agrees with Date on many instants spelled every way, and rejects every cut-off spelling", () => {
    let seed = 7
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const two = (n: number) => String(n).padStart(2, "0")
    for (let i = 0; i < 2000; i++) {
      const ms = Date.UTC(1900, 0, 1) + next(200 * 366) * 86_400_000 + next(86_400) * 1000 + next(1000)
      const offset = [0, 0, 60, -330, 345, 14 * 60, -12 * 60][next(7)]!
      const local = new Date(ms + offset * 60_000).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
      const zone = offset === 0 && next(2) === 0
        ? ["Z", "z", "+00:00"][next(3)]!
        : `${offset < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offset) / 60))}${next(2) ? ":" : ""}${
          two(Math.abs(offset) % 60)
        }`
      const fraction = [`.${local.slice(20, 23)}`, `.${local.slice(20, 23)}000`, `.${local.slice(20, 23)}000999`][next(3)]
      const text = `${local.slice(0, 10)}${["T", "t", " "][next(3)]}${local.slice(11, 19)}${fraction}${zone}`
      const expected = `${new Date(ms).toISOString().slice(0, 23)}000Z`

      assert.strictEqual(Option.getOrNull(Instant.normalize(text)), expected, text)
      assert.strictEqual(Option.getOrNull(Instant.toMillis(text)), ms, text)
      for (let cut = 0; cut < text.length; cut++) {
        assert.isTrue(Option.isNone(Instant.normalize(text.slice(0, cut))), text.slice(0, cut))
      }
    }
  })

  it("knows leap days and rejects malformed fields", () => {
    assert.isTrue(Option.isSome(Instant.normalize("2024-02-29T00:00:00Z")))
    assert.isTrue(Option.isSome(Instant.normalize("2000-02-29T00:00:00Z")))
    assert.strictEqual(Option.getOrNull(Instant.normalize("0050-06-01T00:00:00+01:00")), "0050-05-31T23:00:00.000000Z")
    for (
      const text of [
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z",
        "2026-01-01T00:00:00+19:00",
        "2026-01-01T00:00:00+05:99",
        "2026-01-01T00:00:00+00:60",
        "0000-01-01T00:30:00+01:00", // before year 0000 in UTC
        "9999-12-31T23:59:59-01:00", // after year 9999 in UTC
        "2026-01-01T00:00:00+1:00",
        "2026-01-01T00:00:00Z ",
        "2026-01-01X00:00:00Z",
        "２026-01-01T00:00:00Z"
      ]
    ) {
      assert.isTrue(Option.isNone(Instant.normalize(text)), text)
    }
  })

  it("keeps every microsecond far from 1970, where microseconds pass 2^53", () => {
    assert.strictEqual(
      Option.getOrNull(Instant.normalize("2300-06-01T00:00:00.999999+01:00")),
      "2300-05-31T23:00:00.999999Z"
    )
    assert.strictEqual(
      Option.getOrNull(Instant.normalize("8752-08-05T23:00:38.999999999+0900")),
      "8752-08-05T14:00:38.999999Z"
    )
    assert.strictEqual(Instant.compare("3000-01-01T00:00:00.000001Z", "3000-01-01T00:00:00.000000Z"), 1)
    assert.strictEqual(Instant.compare("3000-01-01T01:00:00.000001+01:00", "3000-01-01T00:00:00.000001Z"), 0)
  })
})
