/**
 * Seeded randomness for the sandbox. Every consumer draws from its own named
 * stream, so generating one resource (or creating one job) never shifts what
 * another one sees: the same seed gives the same bytes in any call order.
 */

/** A uniform draw in [0, 1). */
export type Random = () => number

/** mulberry32: tiny, fast and good enough for fake data. */
export const mulberry32 = (seed: number): Random => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a, to turn a stream name into a 32-bit seed. */
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  }
  return h >>> 0
}

/** The stream called `name` of a seed. */
export const stream = (seed: number, name: string): Random =>
  mulberry32(hash(`${seed}/${name}`))

/** An integer in [0, n). */
export const int = (random: Random, n: number): number =>
  Math.floor(random() * n)

export const chance = (random: Random, p: number): boolean => random() < p

export const pick = <A>(random: Random, items: ReadonlyArray<A>): A =>
  items[int(random, items.length)]!

/** A value, or null with probability `p`. */
export const orNull = <A>(
  random: Random,
  p: number,
  make: () => A
): A | null => (random() < p ? null : make())

/** Picks by weight: `[[value, weight], ...]`. */
export const weighted = <A>(
  random: Random,
  choices: ReadonlyArray<readonly [A, number]>
): A => {
  const total = choices.reduce((sum, [, w]) => sum + w, 0)
  let r = random() * total
  for (const [value, w] of choices) {
    r -= w
    if (r < 0) return value
  }
  return choices[choices.length - 1]![0]
}

/**
 * Text built from character codes in one go. Concatenating a few dozen
 * pieces makes a rope of as many heap objects, and with several ids and
 * timestamps kept per row that alone doubled the garbage collector's work.
 */
export const fromCodes = (codes: Uint16Array, length: number): string =>
  String.fromCharCode.apply(null, codes.subarray(0, length) as never)

const HEX_CODES = Array.from("0123456789abcdef", (c) => c.charCodeAt(0))
const DASH = 45
const uuidCodes = new Uint16Array(36)

/** Writes `count` hex digits of `value` at `at`. */
const hex = (value: number, at: number, count: number) => {
  for (let k = count - 1; k >= 0; k--) {
    uuidCodes[at + k] = HEX_CODES[value & 15]!
    value >>>= 4
  }
}

/** A version-4-shaped UUID drawn from the stream. */
export const uuid = (random: Random): string => {
  const a = (random() * 0x100000000) >>> 0
  const b = (random() * 0x100000000) >>> 0
  const c = (random() * 0x100000000) >>> 0
  const d = (random() * 0x100000000) >>> 0
  hex(a, 0, 8)
  uuidCodes[8] = DASH
  hex(b >>> 16, 9, 4)
  uuidCodes[13] = DASH
  // Version 4, then the RFC 4122 variant bits.
  hex(0x4000 | (b & 0x0fff), 14, 4)
  uuidCodes[18] = DASH
  hex(0x8000 | ((c >>> 16) & 0x3fff), 19, 4)
  uuidCodes[23] = DASH
  hex(c & 0xffff, 24, 4)
  hex(d, 28, 8)
  return fromCodes(uuidCodes, 36)
}

/** `count` distinct indices below `n` (all of them when count >= n). */
export const sample = (
  random: Random,
  n: number,
  count: number
): Array<number> => {
  if (count >= n) return Array.from({ length: n }, (_, i) => i)
  const chosen = new Set<number>()
  while (chosen.size < count) chosen.add(int(random, n))
  return [...chosen]
}

/** Fisher–Yates in place. */
export const shuffle = <A>(random: Random, items: Array<A>): Array<A> => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(random, i + 1)
    const tmp = items[i]!
    items[i] = items[j]!
    items[j] = tmp
  }
  return items
}
