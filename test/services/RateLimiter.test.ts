import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../../src/services/RateLimiter.js"

describe("RateLimiter", () => {
  it.effect("lets at most `limit` calls start in any rolling window", () =>
    Effect.gen(function*() {
      const limit = yield* RateLimiter.make(3, 1000)
      const started: Array<number> = []
      const call = (i: number) => limit(Effect.sync(() => started.push(i)))

      const fiber = yield* Effect.fork(Effect.forEach([1, 2, 3, 4, 5, 6, 7], call, { concurrency: "unbounded" }))
      yield* TestClock.adjust(0)
      const atStart = started.length
      yield* TestClock.adjust(999)
      const justBefore = started.length
      yield* TestClock.adjust(1)
      const atOneSecond = started.length
      yield* TestClock.adjust(1000)
      yield* Fiber.join(fiber)

      assert.strictEqual(atStart, 3)
      assert.strictEqual(justBefore, 3)
      assert.strictEqual(atOneSecond, 6)
      assert.strictEqual(started.length, 7)
    }))

  it.effect("does not limit when the limit is off", () =>
    Effect.gen(function*() {
      const limit = yield* RateLimiter.make(0, 1000)
      let calls = 0

      yield* Effect.forEach(Array.from({ length: 50 }), () => limit(Effect.sync(() => calls++)))

      assert.strictEqual(calls, 50)
    }))
})
