import { assert, describe, it } from "@effect/vitest"
import { retryAfterSeconds, slidingWindow } from "../../src/sandbox/RateLimit.js"

describe("slidingWindow", () => {
  it("admits up to the limit in any rolling window", () => {
    const window = slidingWindow(3, 1000)

    const waits = [0, 100, 200, 300].map((now) => {
      const wait = window.wait(now)
      if (wait === 0) window.admit(now)
      return wait
    })

    assert.deepStrictEqual(waits, [0, 0, 0, 700])
  })

  it("frees a slot exactly when the oldest admission leaves", () => {
    const window = slidingWindow(2, 1000)
    window.admit(0)
    window.admit(500)

    assert.strictEqual(window.wait(999), 1)
    assert.strictEqual(window.wait(1000), 0)
    window.admit(1000)
    assert.strictEqual(window.wait(1200), 300)
  })

  it("rounds Retry-After up to whole seconds, at least one", () => {
    assert.strictEqual(retryAfterSeconds(1), 1)
    assert.strictEqual(retryAfterSeconds(1000), 1)
    assert.strictEqual(retryAfterSeconds(1001), 2)
    assert.strictEqual(retryAfterSeconds(23 * 3600 * 1000), 82800)
  })
})
