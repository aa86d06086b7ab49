/**
 * The benchmark's figures, named and with units; the targets checked
 * against them; and the one table printed at the end. MB is 10^6 bytes.
 */

const MB = 1e6

const seconds = (ms) => ms / 1000

const throughput = (run, bytes) => ({
  rowsPerS: run.rows / seconds(run.wallMs),
  mbPerS: bytes / MB / seconds(run.wallMs)
})

/** Wall time, rows/s, MB/s and peak RSS of one run, under `key`. */
const runFigures = (key, label, run, bytes) => {
  const rate = run === undefined ? undefined : throughput(run, bytes)
  return [
    [`${key}.wallS`, `${label} wall time`, run && seconds(run.wallMs), "s"],
    [`${key}.rowsPerS`, `${label} throughput`, rate?.rowsPerS, "rows/s"],
    [`${key}.mbPerS`, `${label} throughput`, rate?.mbPerS, "MB/s"],
    [`${key}.peakRssMb`, `${label} peak RSS`, run && run.peakRssBytes / MB, "MB"]
  ]
}

const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b)

/**
 * Every figure as `[key, label, value, unit]`, in table order. A value is
 * undefined only for a run that was skipped (the anchor).
 */
export const figuresOf = (results) => {
  const { data, sync, floor, anchor, rateLimited, memory, cold } = results
  const syncRate = throughput(sync, data.bytes).rowsPerS
  const anchorRate = anchor && throughput(anchor, data.bytes).rowsPerS
  const growth = memory.fourN.peakRssBytes / memory.n.peakRssBytes - 1
  return [
    ...runFigures("sync", "sync", sync, data.bytes),
    ...runFigures("floor", "floor", floor, data.bytes),
    ...runFigures("anchor", "sqlite-utils anchor", anchor, data.bytes),
    [
      "ratio.syncOverFloor",
      "sync/floor throughput",
      ratio(syncRate, throughput(floor, data.bytes).rowsPerS),
      "×"
    ],
    ["ratio.syncOverAnchor", "sync/anchor throughput", ratio(syncRate, anchorRate), "×"],
    ["rateLimited.wallS", "rate-limited sync wall time", seconds(rateLimited.wallMs), "s"],
    ["rateLimited.lowerBoundS", "rate-limited lower bound", seconds(rateLimited.lowerBoundMs), "s"],
    [
      "rateLimited.overLowerBound",
      "rate-limited / lower bound",
      rateLimited.wallMs / rateLimited.lowerBoundMs,
      "×"
    ],
    ["rateLimited.status429", "rate-limited 429 answers", rateLimited.status429, "count"],
    ["memory.peakRssNMb", `peak RSS at N = ${count(memory.n.rows)} rows`, memory.n.peakRssBytes / MB, "MB"],
    [
      "memory.peakRss4NMb",
      `peak RSS at 4N = ${count(memory.fourN.rows)} rows`,
      memory.fourN.peakRssBytes / MB,
      "MB"
    ],
    ["memory.growthPct", "peak RSS growth N → 4N", growth * 100, "%"],
    ["coldStart.sqlMedianMs", "cold start `sql \"select 1\"` (median)", cold.sql.medianMs, "ms"],
    ["coldStart.helpMedianMs", "cold start `--help` (median)", cold.help.medianMs, "ms"]
  ]
}

// ---------------------------------------------------------------------------
// Targets (issue 5, on a 2-core machine)

const TARGETS = [
  ["ratio.syncOverFloor", "sync throughput ≥ 0.8 × floor", ">=", 0.8],
  ["ratio.syncOverAnchor", "sync throughput ≥ 3 × sqlite-utils", ">=", 3],
  ["rateLimited.overLowerBound", "rate-limited sync ≤ 1.1 × lower bound", "<=", 1.1],
  ["peakRssMaxMb", "peak RSS ≤ 200 MB (every sync run)", "<=", 200],
  ["memory.growthPct", "peak RSS grows < 20% from N to 4N", "<", 20],
  ["coldStart.sqlMedianMs", "cold start of sql \"select 1\" ≤ 300 ms", "<=", 300]
]

const holds = (op, value, target) =>
  op === ">=" ? value >= target : op === "<=" ? value <= target : value < target

/** How far off a missed target is, relative to the target. */
const shortfall = (op, value, target) =>
  op === ">="
    ? `${percent(1 - value / target)} short`
    : `${percent(value / target - 1)} over`

export const targetsOf = (figures) => {
  const values = Object.fromEntries(figures.map(([key, , value]) => [key, value]))
  values.peakRssMaxMb = Math.max(
    values["sync.peakRssMb"],
    values["memory.peakRssNMb"],
    values["memory.peakRss4NMb"]
  )
  return TARGETS.map(([key, description, op, target]) => {
    const value = values[key]
    if (value === undefined) {
      return { key, description, op, target, value: null, met: null, note: "skipped" }
    }
    const met = holds(op, value, target)
    const note = met ? "met" : `missed: ${shortfall(op, value, target)}`
    return { key, description, op, target, value, met, note }
  })
}

// ---------------------------------------------------------------------------
// Printing

const count = (n) => Math.round(n).toLocaleString("en-US")

const percent = (x) => `${(x * 100).toFixed(0)}%`

export const formatValue = (value) => {
  if (value === undefined || value === null) return "skipped"
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits
  })
}

const pad = (rows) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const align = (cell, i) =>
    i === 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])
  return rows.map((r) => r.map(align).join("  ").trimEnd())
}

/** The single table: every figure, then each target met or missed. */
export const renderTable = (report) => {
  const figureRows = Object.entries(report.figures).map(([, f]) => [
    f.label,
    formatValue(f.value),
    f.unit
  ])
  const targetRows = report.targets.map((t) => [
    t.description,
    formatValue(t.value ?? undefined),
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
