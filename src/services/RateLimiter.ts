/**
 * A rolling-window limiter: at most `limit` starts in any `intervalMs`
 * window. Rolling (not token-bucket) because that is how the API counts, so
 * a client that obeys it is never the one that trips a 429.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export interface Limiter {
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

/** A limiter; `limit` of 0 or Infinity means no limit. */
export const make = (limit: number, intervalMs: number): Effect.Effect<Limiter> =>
  Effect.gen(function*() {
    if (!Number.isFinite(limit) || limit <= 0) {
      return <A, E, R>(effect: Effect.Effect<A, E, R>) => effect
    }
    const starts: Array<number> = []
    const lock = yield* Effect.makeSemaphore(1)

    const acquire = Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        while (starts.length > 0 && starts[0]! <= now - intervalMs) starts.shift()
        if (starts.length < limit) {
          starts.push(now)
          return
        }
        yield* Effect.sleep(starts[0]! + intervalMs - now)
      }
    })

    return <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.zipRight(lock.withPermits(1)(acquire), effect)
  })
