/**
 * Sliding-window limits by the sandbox clock: at most `limit` admissions in
 * any rolling `windowMs`. A refused caller learns when the oldest admission
 * leaves the window, which is what `Retry-After` reports.
 */

export interface Window {
  /** Milliseconds until a slot frees, or 0 if one is free now. */
  readonly wait: (now: number) => number
  /** Records an admission at `now`. */
  readonly admit: (now: number) => void
}

export const slidingWindow = (limit: number, windowMs: number): Window => {
  // Admission times, oldest first; `head` skips the ones that left.
  const times: Array<number> = []
  let head = 0

  const evict = (now: number) => {
    while (head < times.length && times[head]! <= now - windowMs) head++
    if (head > 1024 && head * 2 > times.length) {
      times.splice(0, head)
      head = 0
    }
  }

  return {
    wait: (now) => {
      if (limit < 1) return windowMs
      evict(now)
      if (times.length - head < limit) return 0
      return times[times.length - limit]! + windowMs - now
    },
    admit: (now) => {
      times.push(now)
    }
  }
}

/** Whole seconds for `Retry-After`, never 0 so a client always backs off. */
export const retryAfterSeconds = (waitMs: number): number =>
  Math.max(1, Math.ceil(waitMs / 1000))
