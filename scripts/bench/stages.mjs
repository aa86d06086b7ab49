/**
 * The benchmark's runs, each against a sandbox on 127.0.0.1 started here:
 * the sync, the floor, the sqlite-utils anchor, the rate-limited sync and
 * the cold starts. Each returns plain numbers; report.mjs names them.
 */
import BetterSqlite3 from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { tableOf } from "../../dist/domain/Resource.js"
import { startSandbox } from "../../dist/sandbox/Sandbox.js"
import { available, measureOk, median } from "./measure.mjs"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const BIN = path.join(ROOT, "bin", "unify-explore")
const FLOOR = path.join(ROOT, "scripts", "floor.mjs")

export const PAGE_SIZE = 10_000

export const resourcesOf = (resource) =>
  resource === "all" ? ["enrollments", "enrollment-steps"] : [resource]

/** The environment of a child: ours, minus settings that would redirect it. */
const childEnv = (apiKey) => {
  const {
    UNIFY_BASE_URL: _url,
    UNIFY_EXPLORE_DB: _db,
    UNIFY_API_KEY: _key,
    ...rest
  } = process.env
  return apiKey === undefined ? rest : { ...rest, UNIFY_API_KEY: apiKey }
}

// ---------------------------------------------------------------------------
// Data

/**
 * Generates the sandbox's data up front (outside every stopwatch) and writes
 * each resource's NDJSON to `dir` for the anchor. Returns the sizes.
 */
export const prepareData = (server, resource, dir) => {
  const parts = resourcesOf(resource).map((name) => {
    const records = server.records(name)
    const file = path.join(dir, `${name}.ndjson`)
    const bytes = writeNdjson(file, records)
    const pages = Math.ceil(records.length / PAGE_SIZE)
    return { resource: name, rows: records.length, bytes, pages, file }
  })
  const sum = (key) => parts.reduce((n, part) => n + part[key], 0)
  return { parts, rows: sum("rows"), bytes: sum("bytes"), pages: sum("pages") }
}

/** Writes the lines in chunks (a single string could exceed V8's limit). */
const writeNdjson = (file, records) => {
  const fd = fs.openSync(file, "w")
  let bytes = 0
  try {
    for (let i = 0; i < records.length; i += 1000) {
      const chunk = records.slice(i, i + 1000).map((r) => `${r.line}\n`)
      bytes += fs.writeSync(fd, chunk.join(""))
    }
    // On disk before any stopwatch starts, not written back during a run.
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  return bytes
}

/** Rows in the resources' tables of a database file. */
export const countRows = (db, resources) => {
  const handle = new BetterSqlite3(db, { readonly: true })
  const count = (name) =>
    handle.prepare(`SELECT count(*) FROM ${tableOf(name)}`).pluck().get()
  try {
    return resources.reduce((n, name) => n + count(name), 0)
  } finally {
    handle.close()
  }
}

export const withSandbox = async (options, f) => {
  const server = await startSandbox({ port: 0, seed: 1, ...options })
  try {
    return await f(server)
  } finally {
    await server.close()
  }
}

// ---------------------------------------------------------------------------
// Runs

/** `unify-explore sync`; `rates` false keeps the client's default limits. */
export const runSync = async (server, { db, resource, rates, timeoutMs }) => {
  const limits = rates === false
    ? []
    : ["--results-rate", String(rates), "--status-rate", String(rates)]
  const args = [
    BIN,
    "sync",
    "--base-url",
    server.url,
    "--db",
    db,
    "--resource",
    resource,
    "--json",
    ...limits
  ]
  const run = await measureOk(process.execPath, args, {
    env: childEnv(server.apiKey),
    timeoutMs
  })
  const summary = JSON.parse(run.stdout)
  const rows = summary.resources.reduce((n, r) => n + r.rowsReceived, 0)
  return { ...run, rows }
}

export const runFloor = async (server, { db, resource, timeoutMs }) => {
  const args = [FLOOR, "--base-url", server.url, "--db", db]
  const run = await measureOk(
    process.execPath,
    [...args, "--resource", resource],
    { env: childEnv(server.apiKey), timeoutMs }
  )
  return { ...run, rows: JSON.parse(run.stdout).rows }
}

export const ANCHOR = "sqlite-utils"

/**
 * `sqlite-utils upsert DB TABLE FILE --nl --pk id` for each resource, one
 * after the other; wall times add up, the peak is the larger one. Returns
 * undefined when sqlite-utils is not installed.
 */
export const runAnchor = async (data, { db, timeoutMs }) => {
  if (!available(ANCHOR)) return undefined
  const total = { wallMs: 0, peakRssBytes: 0, rows: 0 }
  for (const part of data.parts) {
    const table = tableOf(part.resource)
    const args = ["upsert", db, table, part.file, "--nl", "--pk", "id"]
    const run = await measureOk(ANCHOR, args, { env: childEnv(), timeoutMs })
    total.wallMs += run.wallMs
    total.peakRssBytes = Math.max(total.peakRssBytes, run.peakRssBytes)
  }
  total.rows = countRows(db, data.parts.map((part) => part.resource))
  return total
}

/** Median wall time of `runs` runs of the CLI with `args`. */
export const coldStart = async (args, runs, timeoutMs) => {
  const times = []
  for (let i = 0; i < runs; i++) {
    const run = await measureOk(process.execPath, [BIN, ...args], {
      env: childEnv(),
      timeoutMs
    })
    times.push(run.wallMs)
  }
  return { medianMs: median(times), times }
}
