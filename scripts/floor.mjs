#!/usr/bin/env node
/**
 * The benchmark's floor: the least a mirror of the Bulk API can do. One job
 * per resource, each NDJSON page fetched in turn with `fetch`, its lines
 * parsed, and upserted with one prepared statement in one transaction per
 * page, into the same schema as `unify-explore sync`. No rate limiting,
 * retries, ledger, checkpoint or progress: what our sync adds on top of
 * this is its overhead.
 *
 * Columns are extracted with the product's own `parseRow` (from dist/), so
 * extraction costs the same on both sides and the comparison isolates
 * transport, orchestration and storage.
 *
 *   UNIFY_API_KEY=... node scripts/floor.mjs --base-url URL --db PATH \
 *     [--resource enrollments|enrollment-steps|all]
 *
 * Prints `{"rows": N, "pages": P, "changed": C}` on stdout.
 */
import BetterSqlite3 from "better-sqlite3"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import { tableOf } from "../dist/domain/Resource.js"
import { columnsOf, parseRow } from "../dist/domain/Rows.js"
import { PAGE_SIZE as PAGE_SIZE_BYTES } from "../dist/services/Database.js"
import { migrations } from "../dist/services/Migrations.js"

const PAGE_SIZE = 10_000

const RESOURCES = {
  enrollments: ["enrollments"],
  "enrollment-steps": ["enrollment-steps"],
  all: ["enrollments", "enrollment-steps"]
}

const openDb = (file) => {
  const db = new BetterSqlite3(file)
  db.pragma(`page_size = ${PAGE_SIZE_BYTES}`) // as the sync's files have
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  for (const { sql } of migrations) db.transaction(() => db.exec(sql))()
  return db
}

/** The same statement as RecordStore's upsert (which is not exported). */
const upsertSql = (resource) => {
  const table = tableOf(resource)
  const columns = [
    "id",
    "updated_at",
    ...columnsOf(resource),
    "data",
    "job_id",
    "synced_at"
  ]
  const updates = columns.slice(1).map((c) => `${c} = excluded.${c}`)
  return `INSERT INTO ${table} (${columns.join(", ")})
    VALUES (${columns.map(() => "?").join(", ")})
    ON CONFLICT (id) DO UPDATE SET ${updates.join(", ")}
    WHERE excluded.updated_at > ${table}.updated_at
       OR (excluded.updated_at = ${table}.updated_at
           AND excluded.data <> ${table}.data)`
}

const api = (baseUrl, apiKey) => async (path, init = {}) => {
  const response = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { "x-api-key": apiKey, ...init.headers }
  })
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
  }
  return response
}

/** Creates a job and polls it until FINISHED; returns its id and total. */
const finishedJob = async (call, resource) => {
  const jobs = `/sequences/v1/${resource}/query-jobs`
  const created = await call(jobs, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}"
  })
  const { job_id: jobId } = await created.json()
  while (true) {
    const job = await (await call(`${jobs}/${jobId}`)).json()
    if (job.status === "FINISHED") return { jobId, total: job.total_rows }
    if (job.status !== "IN_PROGRESS") throw new Error(`job ${job.status}`)
    await sleep(20)
  }
}

const fetchLines = async (call, resource, jobId, page) => {
  const path = `/sequences/v1/${resource}/query-jobs/${jobId}/results` +
    `?page=${page}&page_size=${PAGE_SIZE}`
  const response = await call(path, {
    headers: { accept: "application/x-ndjson" }
  })
  const text = await response.text()
  return text.split("\n").filter((line) => line.length > 0)
}

const storedRows = (resource, lines) =>
  lines.map((line) => {
    const row = parseRow(resource, line)
    if (typeof row === "string") throw new Error(row)
    return row
  })

const mirror = async (call, db, resource) => {
  const { jobId, total } = await finishedJob(call, resource)
  const statement = db.prepare(upsertSql(resource))
  const write = db.transaction((rows, syncedAt) => {
    let changed = 0
    for (const row of rows) {
      changed += statement.run(
        row.id,
        row.updatedAt,
        ...row.cells,
        row.line,
        jobId,
        syncedAt
      ).changes
    }
    return changed
  })
  const tally = { rows: 0, pages: 0, changed: 0 }
  for (let page = 1; (page - 1) * PAGE_SIZE < total; page++) {
    const lines = await fetchLines(call, resource, jobId, page)
    const rows = storedRows(resource, lines)
    tally.changed += write(rows, new Date().toISOString())
    tally.rows += rows.length
    tally.pages++
  }
  return tally
}

const main = async () => {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      db: { type: "string" },
      resource: { type: "string", default: "enrollments" }
    }
  })
  const resources = RESOURCES[values.resource]
  if (!values["base-url"] || !values.db || resources === undefined) {
    throw new Error("usage: floor.mjs --base-url URL --db PATH [--resource R]")
  }
  const call = api(values["base-url"], process.env.UNIFY_API_KEY ?? "")
  const db = openDb(values.db)
  const sum = { rows: 0, pages: 0, changed: 0 }
  for (const resource of resources) {
    const tally = await mirror(call, db, resource)
    for (const key in sum) sum[key] += tally[key]
  }
  db.close()
  process.stdout.write(`${JSON.stringify(sum)}\n`)
}

await main()
