/**
 * Query results as text, one module for every command. Each format is a
 * writer fed a header and then rows, so a million-row export streams.
 *
 * Values come from SQLite with integers as `bigint` (so none beyond 2^53 is
 * rounded), reals as `number`, text as `string`, NULL as `null` and blobs
 * as `Buffer` (written as hex). Only `table` shortens values, and it says so.
 */
export const formats = ["table", "csv", "tsv", "json", "ndjson", "markdown"] as const
export type Format = typeof formats[number]

export type Value = bigint | number | string | null | Uint8Array

export interface Writer {
  /** Text for one row (possibly empty while a format buffers). */
  readonly row: (values: ReadonlyArray<Value>) => string
  /** Text that closes the output, given the number of rows written. */
  readonly end: (rows: number) => string
  /** Whether any value was shortened (only `table` ever does). */
  readonly shortened: () => boolean
}

export interface WriterOptions {
  readonly headers: boolean
  /** Longest value a table cell shows before it is shortened. */
  readonly maxWidth: number
}

export const defaultWriterOptions: WriterOptions = { headers: true, maxWidth: 60 }

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** A real as text that reads back as the same number. */
const real = (n: number) => {
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : n < 0 ? "-Infinity" : "NaN"
  return Number.isInteger(n) ? n.toFixed(1) : String(n)
}

/** The plain text of a value (NULL as empty). */
export const text = (value: Value): string =>
  value === null
    ? ""
    : typeof value === "string"
    ? value
    : typeof value === "bigint"
    ? value.toString()
    : typeof value === "number"
    ? real(value)
    : hex(value)

const jsonValue = (value: Value): string =>
  value === null
    ? "null"
    : typeof value === "bigint"
    ? value.toString()
    : typeof value === "number"
    ? Number.isFinite(value) ? (Number.isInteger(value) ? value.toFixed(1) : String(value)) : "null"
    : JSON.stringify(typeof value === "string" ? value : hex(value))

// === csv (RFC 4180: CRLF, quotes doubled) and tsv

const csvCell = (value: Value) => {
  const t = text(value)
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, "\"\"")}"` : t
}

const tsvCell = (value: Value) =>
  value === null ? "" : text(value).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")

const delimited = (columns: ReadonlyArray<string>, options: WriterOptions, csv: boolean): Writer => {
  const cell = csv ? csvCell : tsvCell
  const sep = csv ? "," : "\t"
  const eol = csv ? "\r\n" : "\n"
  let first = options.headers
  return {
    row: (values) => {
      const head = first ? columns.map(cell).join(sep) + eol : ""
      first = false
      return head + values.map(cell).join(sep) + eol
    },
    end: () => (first ? columns.map(cell).join(sep) + eol : ""),
    shortened: () => false
  }
}

// === json and ndjson

const objectText = (keys: ReadonlyArray<string>, values: ReadonlyArray<Value>) =>
  `{${keys.map((k, i) => `${k}:${jsonValue(values[i]!)}`).join(",")}}`

/**
 * Object keys for the columns, quoted once. A repeated name (`SELECT a.id,
 * b.id`) gets `_2`, `_3`…: JSON readers keep only one of equal keys.
 */
const jsonKeys = (columns: ReadonlyArray<string>) => {
  const seen = new Map<string, number>()
  return columns.map((c) => {
    const n = (seen.get(c) ?? 0) + 1
    seen.set(c, n)
    return JSON.stringify(n === 1 ? c : `${c}_${n}`)
  })
}

const json = (columns: ReadonlyArray<string>): Writer => {
  const keys = jsonKeys(columns)
  let count = 0
  return {
    row: (values) => `${count++ === 0 ? "[\n" : ",\n"}${objectText(keys, values)}`,
    end: (rows) => (rows === 0 ? "[]\n" : "\n]\n"),
    shortened: () => false
  }
}

const ndjson = (columns: ReadonlyArray<string>): Writer => {
  const keys = jsonKeys(columns)
  return { row: (values) => `${objectText(keys, values)}\n`, end: () => "", shortened: () => false }
}

// === table and markdown

const MARK = "…"

/** Display width of a string: wide CJK and emoji count twice. */
export const width = (s: string) => {
  let w = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
        (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd))
      ? 2
      : 1
  }
  return w
}

/** A value as one table line: control characters visible, long text cut. */
const tableCell = (value: Value, max: number) => {
  const raw = value === null ? "NULL" : text(value).replace(/\r?\n|\r/g, "↵").replace(/\t/g, "→")
    .replace(/[\u2028\u2029]/g, "↵")
  if (width(raw) <= max) return { cell: raw, cut: false }
  let out = ""
  let w = 0
  for (const ch of raw) {
    const cw = width(ch)
    if (w + cw > max - 1) break
    out += ch
    w += cw
  }
  return { cell: out + MARK, cut: true }
}

const pad = (s: string, to: number, right: boolean) => {
  const fill = " ".repeat(Math.max(0, to - width(s)))
  return right ? fill + s : s + fill
}

/**
 * A boxed table. It buffers the first rows to size the columns, then
 * streams the rest at those widths (values beyond them are shortened).
 */
const table = (columns: ReadonlyArray<string>, options: WriterOptions, markdown: boolean): Writer => {
  const SAMPLE = 5000
  const buffered: Array<ReadonlyArray<Value>> = []
  let widths: Array<number> | undefined
  let numeric: Array<boolean> = columns.map(() => true)
  let cut = false
  const maxWidth = markdown ? Number.MAX_SAFE_INTEGER : options.maxWidth

  const cellText = (value: Value, i: number) => {
    if (markdown) {
      const t = value === null ? "NULL" : text(value)
      return t.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n|\r|[\u2028\u2029]/g, "<br>")
    }
    const { cell, cut: c } = tableCell(value, widths?.[i] ?? maxWidth)
    cut ||= c
    return cell
  }
  const line = (cells: ReadonlyArray<string>, right: ReadonlyArray<boolean>) =>
    markdown
      ? `| ${cells.map((c, i) => pad(c, widths![i]!, false)).join(" | ")} |\n`
      : `│ ${cells.map((c, i) => pad(c, widths![i]!, right[i]!)).join(" │ ")} │\n`
  const rule = (l: string, m: string, r: string) => `${l}${widths!.map((w) => "─".repeat(w + 2)).join(m)}${r}\n`

  const size = () => {
    numeric = columns.map((_, i) =>
      buffered.some((r) => r[i] !== null) &&
      buffered.every((r) => r[i] === null || typeof r[i] === "number" || typeof r[i] === "bigint")
    )
    widths = columns.map((c, i) =>
      Math.max(
        markdown ? 3 : 1,
        width(c),
        ...buffered.map((r) => Math.min(maxWidth, width(markdown ? cellText(r[i]!, i) : tableCell(r[i]!, maxWidth).cell)))
      )
    )
    const head = options.headers
      ? markdown
        ? line(columns, []) + `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |\n`
        : rule("┌", "┬", "┐") + line(columns, columns.map(() => false)) + rule("├", "┼", "┤")
      : markdown
      ? ""
      : rule("┌", "┬", "┐")
    const body = buffered.map((r) => line(r.map(cellText), numeric)).join("")
    buffered.length = 0
    return head + body
  }

  return {
    row: (values) => {
      if (widths !== undefined) return line(values.map(cellText), numeric)
      buffered.push(values)
      return buffered.length >= SAMPLE ? size() : ""
    },
    end: () => (widths === undefined ? size() : "") + (markdown ? "" : rule("└", "┴", "┘")),
    shortened: () => cut
  }
}

export const writer = (
  format: Format,
  columns: ReadonlyArray<string>,
  options: WriterOptions = defaultWriterOptions
): Writer => {
  switch (format) {
    case "csv":
      return delimited(columns, options, true)
    case "tsv":
      return delimited(columns, options, false)
    case "json":
      return json(columns)
    case "ndjson":
      return ndjson(columns)
    case "markdown":
      return table(columns, options, true)
    case "table":
      return table(columns, options, false)
  }
}

/** The default: a table for people, CSV for pipes. */
export const defaultFormat = (isTTY: boolean): Format => (isTTY ? "table" : "csv")
