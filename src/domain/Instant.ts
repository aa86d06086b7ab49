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

/** Microseconds since the Unix epoch (exact for the next 285 years). */
export type Micros = number

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** The parts of a timestamp's text; the fraction stays as its digits. */
interface Fields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly fraction: string
  readonly offsetMinutes: number
}

const daysIn = (year: number, month: number) =>
  month === 2
    ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : month === 4 || month === 6 || month === 9 || month === 11
    ? 30
    : 31

/** Up to six fractional digits as microseconds; later digits are dropped. */
const fractionMicros = (fraction: string) =>
  fraction === "" ? 0 : Number(fraction.padEnd(6, "0").slice(0, 6))

/** The number spelled by `width` ASCII digits at `at`, or -1. */
const digits = (text: string, at: number, width: number): number => {
  let n = 0
  for (let i = at; i < at + width; i++) {
    const d = text.charCodeAt(i) - 48
    if (!(d >= 0 && d <= 9)) return -1
    n = n * 10 + d
  }
  return n
}

/**
 * Reads `YYYY-MM-DD[Tt ]HH:MM:SS[.f{1,9}](Z|z|±HH[:]MM)`, checking every
 * field's range. By hand rather than by regular expression: every row's
 * timestamps pass through here on the sync's hot path.
 */
const scan = (text: string): Fields | undefined => {
  const sep = text[10]
  if (
    text[4] !== "-" || text[7] !== "-" || (sep !== "T" && sep !== "t" && sep !== " ") ||
    text[13] !== ":" || text[16] !== ":"
  ) return undefined
  const year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2)
  const hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2)
  if (
    year < 0 || month < 1 || month > 12 || day < 1 || (day > 28 && day > daysIn(year, month)) ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
  ) return undefined
  let at = 19
  let fraction = ""
  if (text[at] === ".") {
    let end = at + 1
    while (end - at <= 9 && digits(text, end, 1) >= 0) end++
    if (end === at + 1) return undefined
    fraction = text.slice(at + 1, end)
    at = end
  }
  const zone = text[at]
  let offsetMinutes = 0
  if (zone === "Z" || zone === "z") {
    at += 1
  } else if (zone === "+" || zone === "-") {
    const colon = text[at + 3] === ":" ? 1 : 0
    const oh = digits(text, at + 1, 2), om = digits(text, at + 3 + colon, 2)
    if (oh < 0 || om < 0 || om > 59) return undefined
    offsetMinutes = (zone === "-" ? -1 : 1) * (oh * 60 + om)
    if (Math.abs(offsetMinutes) > 18 * 60) return undefined
    at += 5 + colon
  } else {
    return undefined
  }
  if (at !== text.length) return undefined
  return { year, month, day, hour, minute, second, fraction, offsetMinutes }
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's method). */
const daysFromCivil = (year: number, month: number, day: number) => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/**
 * An instant as whole seconds since the epoch and microseconds past them:
 * kept apart, because microseconds alone pass 2^53 after the year 2255.
 */
interface Exact {
  readonly seconds: number
  readonly micros: number
}

/** The canonical spelling's range: years 0000 to 9999, UTC. */
const MIN_SECONDS = daysFromCivil(0, 1, 1) * 86_400
const MAX_SECONDS = daysFromCivil(10_000, 1, 1) * 86_400 - 1

/** The instant of a timestamp's parts, unless it falls outside 0000–9999 UTC. */
const exactOf = (f: Fields): Exact | undefined => {
  const seconds = daysFromCivil(f.year, f.month, f.day) * 86_400 +
    f.hour * 3600 + f.minute * 60 + f.second - f.offsetMinutes * 60
  return seconds < MIN_SECONDS || seconds > MAX_SECONDS
    ? undefined
    : { seconds, micros: fractionMicros(f.fraction) }
}

const exact = (text: string): Exact | undefined => {
  const fields = scan(text)
  return fields === undefined ? undefined : exactOf(fields)
}

/** Parses a timestamp into microseconds since the epoch, if it is one. */
export const parseMicros = (text: string): Option.Option<Micros> =>
  Option.map(Option.fromNullable(exact(text)), (e) => e.seconds * 1_000_000 + e.micros)

const format = ({ micros, seconds }: Exact): string => {
  const date = new Date(seconds * 1000)
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${
    pad(date.getUTCDate(), 2)
  }T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${
    pad(date.getUTCSeconds(), 2)
  }.${pad(micros, 6)}Z`
}

/** The canonical spelling of an instant given in microseconds. */
export const formatMicros = (micros: Micros): string => {
  const seconds = Math.floor(micros / 1_000_000)
  return format({ seconds, micros: micros - seconds * 1_000_000 })
}

/**
 * The canonical spelling of a timestamp, if the text is one. A UTC spelling
 * is rewritten as text (the common case, and the sync's hot path); any other
 * offset goes through the instant.
 */
export const normalize = (text: string): Option.Option<string> => {
  const fields = scan(text)
  if (fields === undefined) return Option.none()
  if (fields.offsetMinutes !== 0) return Option.map(Option.fromNullable(exactOf(fields)), format)
  if (text.length === 27 && text[10] === "T" && text[26] === "Z") return Option.some(text)
  const micros = pad(fractionMicros(fields.fraction), 6)
  return Option.some(`${text.slice(0, 10)}T${text.slice(11, 19)}.${micros}Z`)
}

/** Whether the text is a timestamp this module understands. */
export const isInstant = (text: string): boolean => exact(text) !== undefined

/** Orders two timestamps as instants; unparseable text sorts first. */
export const compare = (a: string, b: string): -1 | 0 | 1 => {
  const x = exact(a), y = exact(b)
  if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1
  const diff = x.seconds - y.seconds || x.micros - y.micros
  return diff < 0 ? -1 : diff > 0 ? 1 : 0
}

/** The canonical spelling of "now" (or of a `Date`). */
export const fromDate = (date: Date): string => formatMicros(date.getTime() * 1000)

/** Milliseconds since the epoch of a timestamp, if it is one. */
export const toMillis = (text: string): Option.Option<number> =>
  Option.map(Option.fromNullable(exact(text)), (e) => e.seconds * 1000 + Math.floor(e.micros / 1000))
