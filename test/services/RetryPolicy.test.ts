import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import { backoffDelay, parseRetryAfter } from "../../src/services/RetryPolicy.js"

describe("RetryPolicy", () => {
  const now = Date.parse("2026-12-04T10:00:00Z")

  it("reads Retry-After given in seconds", () => {
    assert.deepStrictEqual(parseRetryAfter("2", now), Option.some(2000))
    assert.deepStrictEqual(parseRetryAfter(" 0.5 ", now), Option.some(500))
  })

  it("reads Retry-After given as an HTTP date", () => {
    assert.deepStrictEqual(parseRetryAfter("Fri, 04 Dec 2026 10:00:30 GMT", now), Option.some(30_000))
    assert.deepStrictEqual(parseRetryAfter("Fri, 04 Dec 2026 09:00:00 GMT", now), Option.some(0))
  })

  it("ignores a missing or unreadable Retry-After", () => {
    assert.isTrue(Option.isNone(parseRetryAfter(undefined, now)))
    assert.isTrue(Option.isNone(parseRetryAfter("soon", now)))
  })

  it("doubles the backoff up to its cap, jittered into the upper half", () => {
    const backoff = { baseMs: 500, capMs: 4000 }

    assert.strictEqual(backoffDelay(backoff, 0, 1), 500)
    assert.strictEqual(backoffDelay(backoff, 0, 0), 250)
    assert.strictEqual(backoffDelay(backoff, 2, 1), 2000)
    assert.strictEqual(backoffDelay(backoff, 10, 1), 4000)
    assert.strictEqual(backoffDelay(backoff, 10, 0), 2000)
  })
})
