/**
 * How long to wait before trying a request again: the server's Retry-After
 * when it gives one, else jittered exponential backoff.
 */
import * as Option from "effect/Option"

/**
 * Retry-After as milliseconds from `nowMs`: either delta-seconds or an
 * HTTP date (RFC 9110 §10.2.3). A date in the past means "now".
 */
export const parseRetryAfter = (
  header: string | undefined,
  nowMs: number
): Option.Option<number> => {
  if (header === undefined) return Option.none()
  const value = header.trim()
  if (/^\d+(\.\d+)?$/.test(value)) return Option.some(Math.ceil(Number(value) * 1000))
  const date = Date.parse(value)
  return Number.isNaN(date) ? Option.none() : Option.some(Math.max(0, date - nowMs))
}

export interface Backoff {
  readonly baseMs: number
  readonly capMs: number
}

/**
 * The delay before retry number `attempt` (0-based): base·2^attempt capped,
 * then scaled by `random` into its upper half so that clients that failed
 * together do not retry together.
 */
export const backoffDelay = (backoff: Backoff, attempt: number, random: number) => {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + (ceiling / 2) * random)
}
