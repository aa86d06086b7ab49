/**
 * Timestamps as the API spells them (`Z` or `±HH:MM` offsets, 0 to 9
 * fractional digits) turned into one fixed UTC spelling whose text order is
 * time order: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fractional digits).
 *
 * Digits past the sixth are dropped (rounded towards the past). For a
 * checkpoint used as an inclusive lower bound that errs on the safe side: it
 * can only ask for a row again, never skip one.
 */
import * as Option from "effect/Option"

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/

/** Microseconds since the Unix epoch (exact for the next 285 years). */
export type Micros = number

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** Parses a timestamp into microseconds since the epoch, if it is one. */
export const parseMicros = (text: string): Option.Option<Micros> => {
  const m = PATTERN.exec(text)
  if (m === null) return Option.none()
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m
  const year = Number(y), month = Number(mo), day = Number(d)
  const hour = Number(h), minute = Number(mi), second = Number(s)
  if (
    month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
    hour > 23 || minute > 59 || second > 59
  ) return Option.none()
  const offsetMinutes = z !== undefined
    ? 0
    : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om))
  if (Math.abs(offsetMinutes) > 18 * 60) return Option.none()
  const millis = Date.UTC(year, month - 1, day, hour, minute, second) -
    offsetMinutes * 60_000
  const micros = frac === undefined ? 0 : Number(frac.padEnd(6, "0").slice(0, 6))
  return Option.some(millis * 1000 + micros)
}

const daysIn = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 0)).getUTCDate()

/** The canonical spelling of an instant given in microseconds. */
export const formatMicros = (micros: Micros): string => {
  const wholeSeconds = Math.floor(micros / 1_000_000)
  const date = new Date(wholeSeconds * 1000)
  const fraction = micros - wholeSeconds * 1_000_000
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${
    pad(date.getUTCDate(), 2)
  }T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${
    pad(date.getUTCSeconds(), 2)
  }.${pad(fraction, 6)}Z`
}

/** The canonical spelling of a timestamp, if the text is one. */
export const normalize = (text: string): Option.Option<string> =>
  Option.map(parseMicros(text), formatMicros)

/** Whether the text is a timestamp this module understands. */
export const isInstant = (text: string): boolean =>
  Option.isSome(parseMicros(text))

/** Orders two timestamps as instants; unparseable text sorts first. */
export const compare = (a: string, b: string): -1 | 0 | 1 => {
  const x = Option.getOrElse(parseMicros(a), () => -Infinity)
  const y = Option.getOrElse(parseMicros(b), () => -Infinity)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The canonical spelling of "now" (or of a `Date`). */
export const fromDate = (date: Date): string => formatMicros(date.getTime() * 1000)

/** Milliseconds since the epoch of a timestamp, if it is one. */
export const toMillis = (text: string): Option.Option<number> =>
  Option.map(parseMicros(text), (micros) => Math.floor(micros / 1000))
