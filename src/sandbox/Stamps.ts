/**
 * Timestamps for generated rows, spelled the many ways a real export mixes:
 * `Z` or `+00:00` or another offset for the same instant, with 0, 3 or 6
 * fractional digits. A stamp keeps its instant next to its text so the
 * generator can order started ≤ ended ≤ updated without parsing.
 */
import type { Micros } from "../domain/Instant.js"
import {
  chance,
  fromCodes,
  int,
  pick,
  type Random,
  weighted
} from "./Random.js"

export type { Micros }

export interface Stamp {
  readonly micros: Micros
  readonly text: string
}

type Digits = 0 | 3 | 6

interface Spelling {
  readonly digits: Digits
  /** Minutes east of UTC; null spells `Z`. */
  readonly offset: number | null
}

const OFFSETS = [0, 120, -330, 330, 60, -300, 540, -480, 345, -210]

const STEP: Record<Digits, number> = { 0: 1_000_000, 3: 1000, 6: 1 }

const codes = new Uint16Array(40)

/** Writes `width` decimal digits of `value` at `at`; returns the end. */
const decimal = (value: number, at: number, width: number) => {
  for (let k = width - 1; k >= 0; k--) {
    codes[at + k] = 48 + (value % 10)
    value = Math.floor(value / 10)
  }
  return at + width
}

const char = (text: string, at: number) => {
  codes[at] = text.charCodeAt(0)
  return at + 1
}

/** The text of an instant in a spelling; the instant must fit the digits. */
export const spell = (micros: Micros, spelling: Spelling): string => {
  const local = micros + (spelling.offset ?? 0) * 60_000_000
  const seconds = Math.floor(local / 1_000_000)
  const fraction = local - seconds * 1_000_000
  const d = new Date(seconds * 1000)
  let at = decimal(d.getUTCFullYear(), 0, 4)
  at = decimal(d.getUTCMonth() + 1, char("-", at), 2)
  at = decimal(d.getUTCDate(), char("-", at), 2)
  at = decimal(d.getUTCHours(), char("T", at), 2)
  at = decimal(d.getUTCMinutes(), char(":", at), 2)
  at = decimal(d.getUTCSeconds(), char(":", at), 2)
  if (spelling.digits === 3) {
    at = decimal(Math.floor(fraction / 1000), char(".", at), 3)
  } else if (spelling.digits === 6) {
    at = decimal(fraction, char(".", at), 6)
  }
  const offset = spelling.offset
  if (offset === null) {
    at = char("Z", at)
  } else {
    const a = Math.abs(offset)
    at = decimal(Math.floor(a / 60), char(offset < 0 ? "-" : "+", at), 2)
    at = decimal(a % 60, char(":", at), 2)
  }
  return fromCodes(codes, at)
}

/** Mostly the API's own `Z` with microseconds, with a long tail of others. */
const drawSpelling = (random: Random): Spelling => {
  const digits = weighted<Digits>(random, [[6, 6], [3, 3], [0, 2]])
  const offset = weighted<"z" | "utc" | "other">(random, [
    ["z", 7],
    ["utc", 1.5],
    ["other", 1.5]
  ])
  if (offset === "z") return { digits, offset: null }
  return { digits, offset: offset === "utc" ? 0 : pick(random, OFFSETS) }
}

/** A stamp for an instant already chosen, spelled without losing digits. */
export const stampOf = (random: Random, micros: Micros): Stamp => {
  let spelling = drawSpelling(random)
  while (micros % STEP[spelling.digits] !== 0) {
    spelling = { ...spelling, digits: spelling.digits === 0 ? 3 : 6 }
  }
  return { micros, text: spell(micros, spelling) }
}

/**
 * A stamp in [lo, hi], spelled at random. Cutting digits rounds the instant
 * down; when that would fall below `lo` it keeps all six digits instead.
 */
export const stampBetween = (
  random: Random,
  lo: Micros,
  hi: Micros
): Stamp => {
  if (hi <= lo) return { micros: lo, text: spell(lo, drawExact(random)) }
  const span = hi - lo
  const drawn = Math.min(
    hi,
    lo + int(random, Math.floor(span / 1_000_000) + 1) * 1_000_000 +
      int(random, 1_000_000)
  )
  const spelling = drawSpelling(random)
  const cut = drawn - (drawn % STEP[spelling.digits])
  return cut >= lo
    ? { micros: cut, text: spell(cut, spelling) }
    : { micros: drawn, text: spell(drawn, { ...spelling, digits: 6 }) }
}

const drawExact = (random: Random): Spelling => ({
  ...drawSpelling(random),
  digits: 6
})

/** Whole-second instants many rows share (a bulk import, a nightly job). */
export const drawShared = (
  random: Random,
  lo: Micros,
  hi: Micros,
  count: number
): ReadonlyArray<Micros> =>
  Array.from({ length: count }, () => {
    const seconds = Math.floor(lo / 1_000_000) + 1 +
      int(random, Math.floor((hi - lo) / 1_000_000) - 1)
    return seconds * 1_000_000
  })

/** Sometimes one of the shared instants (if late enough), else a fresh one. */
export const stampMaybeShared = (
  random: Random,
  shared: ReadonlyArray<Micros>,
  lo: Micros,
  hi: Micros
): Stamp => {
  if (chance(random, 0.05)) {
    const micros = pick(random, shared)
    if (micros >= lo && micros <= hi) return stampOf(random, micros)
  }
  return stampBetween(random, lo, hi)
}
