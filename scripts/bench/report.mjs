/**
 * The benchmark's figures, named and with units; the targets checked
 * against them; and the one table printed at the end. MB is 10^6 bytes.
 */

const MB = 1e6

const seconds = (ms) => ms / 1000

const count = (n) => Math.round(n).toLocaleString("en-US")

const rowsPerS = (run) => run.rows / seconds(run.wallMs)

const figure = (key, label, value, unit) => [key, label, value, unit]

/** `f(run)` when the run happened (the anchor may be skipped). */
const of = (run, f) => (run === undefined ? undefined : f(run))

/** Wall time, rows/s, MB/s and peak RSS of one run. */
const runFigures = (key, label, run, bytes) => [
  figure(
    `${key}.wallS`,
    `${label} wall time`,
    of(run, (r) => seconds(r.wallMs)),
    "s"
  ),
  figure(`${key}.rowsPerS`, `${label} throughput`, of(run, rowsPerS), "rows/s"),
  figure(
    `${key}.mbPerS`,
    `${label} throughput`,
    of(run, (r) => bytes / MB / seconds(r.wallMs)),
    "MB/s"
  ),
  figure(
    `${key}.peakRssMb`,
    `${label} peak RSS`,
    of(run, (r) => r.peakRssBytes / MB),
    "MB"
  )
]

const throughputFigures = ({ data, sync, floor, anchor }) => [
  ...runFigures("sync", "sync", sync, data.bytes),
  ...runFigures("floor", "floor", floor, data.bytes),
  ...runFigures("anchor", "sqlite-utils anchor", anchor, data.bytes),
  figure(
    "ratio.syncOverFloor",
    "sync/floor throughput",
    rowsPerS(sync) / rowsPerS(floor),
    "×"
  ),
  figure(
    "ratio.syncOverAnchor",
    "sync/anchor throughput",
    of(anchor, (a) => rowsPerS(sync) / rowsPerS(a)),
    "×"
  )
]

/** The limited run against its bound, and against the unlimited sync. */
const rateFigures = ({ sync, rateLimited: limited }) => {
  const unlimitedMs = (sync.wallMs * limited.rows) / sync.rows
  const label = (text) => `rate-limited ${text}`
  return [
    figure(
      "rateLimited.wallS",
      label("sync wall time"),
      seconds(limited.wallMs),
      "s"
    ),
    figure(
      "rateLimited.lowerBoundS",
      label("lower bound"),
      seconds(limited.lowerBoundMs),
      "s"
    ),
    figure(
      "rateLimited.overLowerBound",
      label("/ lower bound"),
      limited.wallMs / limited.lowerBoundMs,
      "×"
    ),
    figure(
      "rateLimited.overUnlimited",
      label("/ unlimited sync, per row"),
      limited.wallMs / unlimitedMs,
      "×"
    ),
    figure("rateLimited.status429", label("429 answers"), limited.status429, "count")
  ]
}

const peakMb = (run) => run.peakRssBytes / MB

const memoryFigures = ({ memory: { n, fourN } }) => [
  figure(
    "memory.peakRssNMb",
    `peak RSS at N = ${count(n.rows)} rows`,
    peakMb(n),
    "MB"
  ),
  figure(
    "memory.peakRss4NMb",
    `peak RSS at 4N = ${count(fourN.rows)} rows`,
    peakMb(fourN),
    "MB"
  ),
  figure(
    "memory.growthPct",
    "peak RSS growth N → 4N",
    (peakMb(fourN) / peakMb(n) - 1) * 100,
    "%"
  )
]

const coldFigures = ({ cold }) => [
  figure(
    "coldStart.sqlMedianMs",
    "cold start `sql \"select 1\"` (median)",
    cold.sql.medianMs,
    "ms"
  ),
  figure(
    "coldStart.helpMedianMs",
    "cold start `--help` (median)",
    cold.help.medianMs,
    "ms"
  )
]

/**
 * Every figure as `[key, label, value, unit]`, in table order. A value is
 * undefined only for a run that was skipped (the anchor).
 */
export const figuresOf = (results) => [
  ...throughputFigures(results),
  ...rateFigures(results),
  ...memoryFigures(results),
  ...coldFigures(results)
]

// ---------------------------------------------------------------------------
// Targets (issue 5, on a 2-core machine)

const TARGETS = [
  ["ratio.syncOverFloor", "sync throughput ≥ 0.8 × floor", ">=", 0.8],
  ["ratio.syncOverAnchor", "sync throughput ≥ 3 × sqlite-utils", ">=", 3],
  [
    "rateLimited.overLowerBound",
    "rate-limited sync ≤ 1.1 × lower bound",
    "<=",
    1.1
  ],
  ["peakRssMaxMb", "peak RSS ≤ 200 MB (every sync run)", "<=", 200],
  ["memory.growthPct", "peak RSS grows < 20% from N to 4N", "<", 20],
  [
    "coldStart.sqlMedianMs",
    "cold start of sql \"select 1\" ≤ 300 ms",
    "<=",
    300
  ]
]

const holds = (op, value, target) =>
  op === ">=" ? value >= target : op === "<=" ? value <= target : value < target

const percent = (x) => `${(x * 100).toFixed(0)}%`

/** How far off a missed target is, relative to the target. */
const shortfall = (op, value, target) =>
  op === ">="
    ? `${percent(1 - value / target)} short`
    : `${percent(value / target - 1)} over`

const check = (values) => ([key, description, op, target]) => {
  const value = values[key]
  const base = { key, description, op, target }
  if (value === undefined) {
    return { ...base, value: null, met: null, note: "skipped" }
  }
  const met = holds(op, value, target)
  const note = met ? "met" : `missed: ${shortfall(op, value, target)}`
  return { ...base, value, met, note }
}

export const targetsOf = (figures) => {
  const values = Object.fromEntries(
    figures.map(([key, , value]) => [key, value])
  )
  values.peakRssMaxMb = Math.max(
    values["sync.peakRssMb"],
    values["memory.peakRssNMb"],
    values["memory.peakRss4NMb"]
  )
  return TARGETS.map(check(values))
}

// ---------------------------------------------------------------------------
// Printing

const formatValue = (value, unit) => {
  if (value === undefined || value === null) return "skipped"
  const abs = Math.abs(value)
  const digits = unit === "count" || abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits
  })
}

/** Columns padded to their widest cell; the value column right-aligned. */
const pad = (rows) => {
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((row) => row[i].length))
  )
  const align = (cell, i) =>
    i === 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])
  return rows.map((row) => row.map(align).join("  ").trimEnd())
}

/** The single table: every figure, then each target met or missed. */
export const renderTable = (report) => {
  const figureRows = Object.values(report.figures).map((f) => [
    f.label,
    formatValue(f.value, f.unit),
    f.unit
  ])
  const targetRows = report.targets.map((t) => [
    t.description,
    formatValue(t.value),
    t.note
  ])
  const lines = pad([
    ["figure", "value", "unit"],
    ...figureRows,
    ["", "", ""],
    ["target", "value", "result"],
    ...targetRows
  ])
  return [report.title, "", ...lines, "", ...report.notes, ""].join("\n")
}
