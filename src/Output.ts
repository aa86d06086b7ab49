/**
 * The only place that writes to stdout and stderr directly: data and the
 * final summary go to stdout, messages to stderr.
 */
import * as Effect from "effect/Effect"

export const stdout = (text: string) => Effect.sync(() => void process.stdout.write(text))

export const line = (text: string) => stdout(`${text}\n`)

/** A line on stderr, for code outside Effect (the explorer's async loops). */
export const note = (text: string) => void process.stderr.write(`${text}\n`)

export const stderr = (text: string) => Effect.sync(() => note(text))

/** Numbers as people read them: 12,345. */
export const count = (n: number) => n.toLocaleString("en-US")

/** "1 row", "2 rows". */
export const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? "" : "s"}`

export const duration = (ms: number) => ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`

/** Left-aligned columns, two spaces apart. */
export const columns = (rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = rows.reduce<Array<number>>(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    []
  )
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n")
}
