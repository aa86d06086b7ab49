/**
 * The `hugeRows` fault: a few stored rows carry a `sequence.name` of over
 * 1 MiB, full of the characters that break careless readers: U+2028 and
 * U+2029 (raw in JSON, yet line breaks to some splitters), escapes and
 * multi-byte UTF-8. The rows change in the dataset itself, so every job,
 * `records()` and later touches agree on them.
 */
import { Buffer } from "node:buffer"
import type { Resource } from "../domain/Resource.js"
import type { Dataset, Entry } from "./Data.js"
import type { Row } from "./Rows.js"

const PIECE = "\u2028Line and paragraph\u2029separators, \"quotes\", " +
  "back\\slashes, tabs\t, «guillemets», Ωμέγα, 日本語, emoji 🚀🧪. "

/** The smallest repetition of PIECE that is over 1 MiB as UTF-8. */
export const HUGE_TEXT = PIECE.repeat(
  Math.floor(1024 * 1024 / Buffer.byteLength(PIECE)) + 1
)

/** A copy of the row with the huge name; shared objects stay untouched. */
const inflate = (entry: Entry): Entry => {
  const row = {
    ...entry.row,
    sequence: { ...entry.row.sequence, name: HUGE_TEXT }
  } as Row
  return { ...entry, row, line: Buffer.from(JSON.stringify(row)) }
}

/**
 * The dataset with huge rows picked, in stored order, by `picker` the
 * first time each resource is asked for (generation stays lazy).
 */
export const withHugeRows = (
  data: Dataset,
  picker: (resource: Resource) => (() => boolean) | undefined
): Dataset => {
  const done = new Set<Resource>()
  const entries = (resource: Resource) => {
    const all = data.entries(resource)
    if (done.has(resource)) return all
    done.add(resource)
    const huge = picker(resource)
    if (huge === undefined) return all
    // The dataset hands out its own array; rows are replaced, never
    // mutated, as everywhere else.
    const table = all as Array<Entry>
    for (let i = 0; i < table.length; i++) {
      if (huge()) table[i] = inflate(table[i]!)
    }
    return all
  }
  return {
    entries,
    touch: (resource, count, added, nowMs) => {
      entries(resource)
      return data.touch(resource, count, added, nowMs)
    }
  }
}
