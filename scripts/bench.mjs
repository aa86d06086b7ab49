#!/usr/bin/env node
/**
 * `npm run bench`: unify-explore sync against the ideal, on the same
 * generated data in one run (issue 5). Measures the sync with the sandbox's
 * rate limits off, the floor (scripts/floor.mjs), the sqlite-utils anchor,
 * the sync under the documented limits, peak RSS at N and 4N rows, and cold
 * starts; prints one table with the targets checked, and writes the figures
 * to a JSON file so runs can be compared over time.
 *
 * Imports the built code (dist/): `npm run bench` builds first.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { figuresOf, renderTable, targetsOf } from "./bench/report.mjs"
import {
  ANCHOR,
  countRows,
  coldStart,
  PAGE_SIZE,
  prepareData,
  resourcesOf,
  runAnchor,
  runFloor,
  runSync,
  withSandbox
} from "./bench/stages.mjs"

const ROOT = fileURLToPath(new URL("..", import.meta.url))

const USAGE = `usage: npm run bench -- [options]

  --enrollments N       enrollments generated (default 100000)
  --resource R          enrollments (default), enrollment-steps, or all
  --rate-enrollments N  enrollments for the rate-limited run (default N)
  --cold-runs K         runs per cold-start median (default 10)
  --repeats K           rounds of sync, floor and anchor; each figure is
                        the median round's, peak RSS the largest (default 3)
  --out FILE            JSON figures (default bench-results/bench-<time>.json)
  --quick               tiny sizes, for the test suite's smoke run
`

/** Client limits high enough never to bind when the sandbox has none. */
const UNLIMITED_RATE = 1000

/** The sandbox's default job delay, which the rate-limited run keeps. */
const JOB_DELAY_MS = 300

/** Results requests per second the API allows (the bulk guide). */
const RESULTS_PER_SECOND = 5

const positiveInt = (name, text) => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--${name} must be a positive integer, got ${text}`)
  }
  return n
}

const parseOptions = (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      enrollments: { type: "string" },
      resource: { type: "string", default: "enrollments" },
      "rate-enrollments": { type: "string" },
      "cold-runs": { type: "string" },
      repeats: { type: "string" },
      out: { type: "string" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  return optionsFrom(values)
}

const optionsFrom = (values) => {
  const quick = values.quick
  const int = (name, fallback) =>
    values[name] === undefined ? fallback : positiveInt(name, values[name])
  const enrollments = int("enrollments", quick ? 2000 : 100_000)
  if (!["enrollments", "enrollment-steps", "all"].includes(values.resource)) {
    throw new Error("--resource must be enrollments, enrollment-steps or all")
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-")
  return {
    quick,
    enrollments,
    resource: values.resource,
    rateEnrollments: int("rate-enrollments", enrollments),
    memoryEnrollments: Math.max(1, Math.round(enrollments / 4)),
    coldRuns: int("cold-runs", quick ? 3 : 10),
    repeats: int("repeats", quick ? 1 : 3),
    timeoutMs: quick ? 60_000 : 600_000,
    out: values.out ?? path.join(ROOT, "bench-results", `bench-${stamp}.json`)
  }
}

const step = (text) => process.stderr.write(`bench: ${text}\n`)

const count = (n) => n.toLocaleString("en-US")

// ---------------------------------------------------------------------------
// Stages

const checkRows = (name, expected, reported, stored) => {
  if (reported !== expected || stored !== expected) {
    throw new Error(
      `${name} mirrored ${reported} rows (${stored} stored), expected ${expected}`
    )
  }
}

/**
 * Removes a finished run's database and has the kernel write back what is
 * still dirty, so the next run does not pay for this one's writes.
 */
const settle = (db) => {
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${db}${suffix}`, { force: true })
  spawnSync("sync")
}

/**
 * One run standing for several: the one with the median wall time, with
 * the largest peak RSS of them all (memory is judged on the worst run).
 */
const medianRun = (runs) => {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs)
  const peakRssBytes = Math.max(...runs.map((run) => run.peakRssBytes))
  return {
    ...sorted[Math.floor((sorted.length - 1) / 2)],
    peakRssBytes,
    wallMsEach: runs.map((run) => run.wallMs)
  }
}

/**
 * Rounds of sync, floor and anchor, each run into a fresh file and its rows
 * checked. Interleaved, so a busy spell of the machine hurts all three.
 */
const throughputRounds = async (server, options, dir, data) => {
  const resources = resourcesOf(options.resource)
  const common = { resource: options.resource, timeoutMs: options.timeoutMs }
  const runs = { sync: [], floor: [], anchor: [] }
  let syncDb
  for (let round = 1; round <= options.repeats; round++) {
    const file = (name) => path.join(dir, `${name}-${round}.db`)
    const of = options.repeats > 1 ? ` (round ${round} of ${options.repeats})` : ""
    step(`sync: ${count(data.rows)} rows in ${data.pages} page(s)${of}`)
    syncDb = file("sync")
    const sync = await runSync(server, { ...common, db: syncDb, rates: UNLIMITED_RATE })
    checkRows("sync", data.rows, sync.rows, countRows(syncDb, resources))
    runs.sync.push(sync)
    if (round < options.repeats) settle(syncDb)

    step(`floor${of}`)
    const floor = await runFloor(server, { ...common, db: file("floor") })
    checkRows("floor", data.rows, floor.rows, countRows(file("floor"), resources))
    runs.floor.push(floor)
    settle(file("floor"))

    step(`anchor (${ANCHOR})${of}`)
    const anchor = await runAnchor(data, { db: file("anchor"), timeoutMs: options.timeoutMs })
    if (anchor === undefined) {
      step(`${ANCHOR} is not installed: skipped`)
    } else {
      checkRows("anchor", data.rows, anchor.rows, anchor.rows)
      runs.anchor.push(anchor)
    }
    settle(file("anchor"))
  }
  return {
    sync: medianRun(runs.sync),
    floor: medianRun(runs.floor),
    anchor: runs.anchor.length === 0 ? undefined : medianRun(runs.anchor),
    syncDb
  }
}

/** Median start-up of two commands that do (almost) nothing. */
const coldStarts = async (options, db) => {
  step(`cold start, ${options.coldRuns} runs each`)
  const runs = (args) => coldStart(args, options.coldRuns, options.timeoutMs)
  return {
    sql: await runs(["sql", "--db", db, "select 1"]),
    help: await runs(["--help"])
  }
}

/** Sync, floor and anchor on one sandbox, limits off; then cold starts. */
const throughputStage = (options, dir) =>
  withSandbox(
    { enrollments: options.enrollments, jobDelayMs: 0, rateLimits: false },
    async (server) => {
      step(`generating ${count(options.enrollments)} enrollments`)
      const data = prepareData(server, options.resource, dir)
      const { syncDb, ...runs } = await throughputRounds(server, options, dir, data)
      const cold = await coldStarts(options, syncDb)
      return { data, ...runs, cold }
    }
  )

/** The pages at the documented rate, plus each job's time in progress. */
const lowerBoundMs = (pages, jobs) =>
  (pages / RESULTS_PER_SECOND) * 1000 + jobs * JOB_DELAY_MS

/**
 * The sync under the documented limits and the client's default rates,
 * against its lower bound: the pages at 5 a second plus each job's delay.
 */
const rateLimitedStage = (options, dir) =>
  withSandbox(
    { enrollments: options.rateEnrollments, jobDelayMs: JOB_DELAY_MS },
    async (server) => {
      const resources = resourcesOf(options.resource)
      const pages = resources
        .map((r) => Math.ceil(server.records(r).length / PAGE_SIZE))
        .reduce((a, b) => a + b, 0)
      step(
        `rate-limited sync: ${count(options.rateEnrollments)} enrollments, ` +
          `${pages} page(s)`
      )
      const run = await runSync(server, {
        db: path.join(dir, "rate-limited.db"),
        resource: options.resource,
        rates: false,
        timeoutMs: options.timeoutMs
      })
      return {
        ...run,
        pages,
        lowerBoundMs: lowerBoundMs(pages, resources.length),
        status429: server.stats().rateLimited
      }
    }
  )

/** Peak RSS at N rows; 4N is the throughput stage's sync (same settings). */
const memoryStage = (options, dir) =>
  withSandbox(
    {
      enrollments: options.memoryEnrollments,
      jobDelayMs: 0,
      rateLimits: false
    },
    async (server) => {
      resourcesOf(options.resource).forEach((r) => server.records(r))
      step(`memory: sync of ${count(options.memoryEnrollments)} enrollments`)
      return runSync(server, {
        db: path.join(dir, "memory.db"),
        resource: options.resource,
        rates: UNLIMITED_RATE,
        timeoutMs: options.timeoutMs
      })
    }
  )

const runAll = async (options, dir) => {
  const main = await throughputStage(options, dir)
  spawnSync("sync")
  const rateLimited = await rateLimitedStage(options, dir)
  settle(path.join(dir, "rate-limited.db"))
  const small = await memoryStage(options, dir)
  return { ...main, rateLimited, memory: { n: small, fourN: main.sync } }
}

// ---------------------------------------------------------------------------
// Report

const git = (...args) => {
  const result = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" })
  return result.status === 0 ? result.stdout.trim() : null
}

/** The machine, and how busy it was (other processes skew every figure). */
const machine = (loadBefore) => {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 1e6),
    loadAverage1m: { before: loadBefore, after: os.loadavg()[0] }
  }
}

const sizesOf = (options, results) => ({
  enrollments: options.enrollments,
  resource: options.resource,
  rows: results.data.rows,
  pages: results.data.pages,
  pageSize: PAGE_SIZE,
  ndjsonBytes: results.data.bytes,
  rateLimited: {
    enrollments: options.rateEnrollments,
    rows: results.rateLimited.rows,
    pages: results.rateLimited.pages
  },
  memory: {
    nRows: results.memory.n.rows,
    fourNRows: results.memory.fourN.rows
  },
  coldRuns: options.coldRuns,
  repeats: options.repeats
})

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`

const notesOf = (options, results, sizes, cpu) => [
  `sizes: ${count(sizes.rows)} rows (${options.resource}), ` +
    `${sizes.pages} page(s) of ${count(PAGE_SIZE)}, ` +
    `${mb(sizes.ndjsonBytes)} of NDJSON; sync and floor with the ` +
    "sandbox's rate limits off and job delay 0; " +
    `median of ${options.repeats} interleaved round(s), peak RSS the largest.`,
  `floor: scripts/floor.mjs (fetch, the product's parseRow, one prepared ` +
    "upsert, one transaction per page).",
  results.anchor === undefined
    ? `anchor: ${ANCHOR} is not installed (Debian package sqlite-utils); ` +
      "skipped."
    : `anchor: ${ANCHOR} upsert --nl --pk id on the same NDJSON.`,
  `rate-limited: ${count(options.rateEnrollments)} enrollments, ` +
    `${sizes.rateLimited.pages} page(s), documented limits, client ` +
    `defaults, job delay ${JOB_DELAY_MS} ms; lower bound = pages / ` +
    `${RESULTS_PER_SECOND} per s + job delay (reachable only by a sync ` +
    `faster than ${count(PAGE_SIZE * RESULTS_PER_SECOND)} rows/s).`,
  `memory: N = ${count(sizes.memory.nRows)} rows, ` +
    `4N = ${count(sizes.memory.fourNRows)} rows (the sync above).`,
  `machine: ${cpu.cpus} CPU(s), load average ` +
    `${cpu.loadAverage1m.before.toFixed(1)} before, ` +
    `${cpu.loadAverage1m.after.toFixed(1)} after. MB = 10^6 bytes.`
]

const figureMap = (figureList) =>
  Object.fromEntries(
    figureList.map(([key, label, value, unit]) => [
      key,
      { label, value: value ?? null, unit }
    ])
  )

const makeReport = (options, results, loadBefore) => {
  const figureList = figuresOf(results)
  const sizes = sizesOf(options, results)
  const cpu = machine(loadBefore)
  return {
    benchmark: "unify-explore",
    version: 1,
    title: `unify-explore bench: ${count(sizes.rows)} rows ` +
      `(${options.resource}), node ${process.version}, ` +
      `${cpu.cpus} × ${cpu.model}`,
    timestamp: new Date().toISOString(),
    commit: git("rev-parse", "HEAD"),
    dirty: (git("status", "--porcelain") ?? "") !== "",
    node: process.version,
    machine: cpu,
    quick: options.quick,
    sizes,
    anchor: { tool: ANCHOR, skipped: results.anchor === undefined },
    figures: figureMap(figureList),
    roundsWallMs: {
      sync: results.sync.wallMsEach,
      floor: results.floor.wallMsEach,
      anchor: results.anchor?.wallMsEach ?? null
    },
    coldStartRunsMs: {
      sql: results.cold.sql.times,
      help: results.cold.help.times
    },
    targets: targetsOf(figureList),
    notes: notesOf(options, results, sizes, cpu)
  }
}

const writeJson = (file, report) => {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const { title: _title, ...json } = report
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`)
}

const main = async () => {
  const options = parseOptions(process.argv.slice(2))
  const loadBefore = os.loadavg()[0]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "unify-bench-"))
  try {
    const results = await runAll(options, dir)
    const report = makeReport(options, results, loadBefore)
    process.stdout.write(renderTable(report))
    writeJson(options.out, report)
    step(`figures written to ${path.resolve(options.out)}`)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`bench failed: ${message}\n`)
  process.exitCode = 1
})
