#!/usr/bin/env node
/**
 * Kill-and-restart proof of crash safety. Each trial syncs a fresh database
 * from an in-process sandbox, killing `unify-explore sync` with SIGKILL at
 * seeded random moments and restarting it until a run completes; then it
 * changes the sandbox's data and does the same for an incremental sync.
 * After every kill and at the end it checks:
 *   - PRAGMA integrity_check is ok;
 *   - no checkpoint is ahead of the rows committed for its resource;
 *   - every job the ledger marks COMPLETE has all its rows committed;
 * and at the end of each phase:
 *   - both tables equal the sandbox's data exactly (ids, JSON, instants);
 *   - every job in the ledger is COMPLETE: no killed run's job was left
 *     behind for a new one (a resumable job is always resumed);
 *   - the sandbox created no job the ledger does not know, except when a
 *     kill landed between the server creating a job and the ledger
 *     recording it (counted as `lostCreations`; the README's known
 *     limitations explain why such a job cannot be adopted safely).
 *
 * Usage: node scripts/crash.mjs [--trials 20] [--seed 1] [--enrollments 2000]
 *          [--kills 5 per phase] [--kill-window 1000 ms]
 * Kills land 150 ms plus up to the window after each start; the window is
 * about as long as a 2,000-enrollment sync takes on a 2-core machine.
 * Exits 0 when every trial holds, 1 otherwise. Needs `npm run build`.
 */
import BetterSqlite3 from "better-sqlite3"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Instant from "../dist/domain/Instant.js"
import { startSandbox } from "../dist/sandbox/Sandbox.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const BIN = path.join(root, "bin", "unify-explore")
const RESOURCES = [["enrollments", "enrollments"], ["enrollment-steps", "enrollment_steps"]]

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const trials = flag("trials", 20)
const seed = flag("seed", 1)
const enrollments = flag("enrollments", 2000)
const maxKills = flag("kills", 5)
const killWindow = flag("kill-window", 1000)

/** mulberry32: a small seeded generator, so kill times repeat for a seed. */
const random = (s) => () => {
  s = (s + 0x6d2b79f5) | 0
  let t = Math.imul(s ^ (s >>> 15), 1 | s)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const runSync = (db, server, killAfterMs) =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, "sync", "--db", db, "--page-size", "150", "--results-rate", "1000", "--status-rate", "1000"],
      {
        env: { ...process.env, UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url },
        stdio: ["ignore", "ignore", "pipe"]
      }
    )
    let stderr = ""
    child.stderr.on("data", (c) => (stderr += c))
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr })
    })
  })

const problems = []
const check = (ok, message) => ok || problems.push(message)

const invariants = (db, label) => {
  if (!fs.existsSync(db)) return
  const handle = new BetterSqlite3(db, { readonly: true })
  try {
    check(handle.pragma("integrity_check", { simple: true }) === "ok", `${label}: integrity_check failed`)
    const ready = handle.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'checkpoints'").pluck().get()
    if (ready === 0) return
    for (const [resource, table] of RESOURCES) {
      const checkpoint = handle.prepare("SELECT updated_at FROM checkpoints WHERE resource = ?").pluck().get(resource)
      const newest = handle.prepare(`SELECT max(updated_at) FROM ${table}`).pluck().get()
      check(checkpoint === undefined || (newest !== null && checkpoint <= newest), `${label}: ${resource} checkpoint ahead`)
    }
    const short = handle.prepare(
      "SELECT job_id FROM jobs WHERE status = 'COMPLETE' AND rows_done <> total_rows"
    ).pluck().all()
    check(short.length === 0, `${label}: COMPLETE jobs missing rows: ${short.join(", ")}`)
  } finally {
    handle.close()
  }
}

const equalToSandbox = (db, server, label) => {
  const handle = new BetterSqlite3(db, { readonly: true })
  try {
    for (const [resource, table] of RESOURCES) {
      const mine = handle.prepare(`SELECT id, updated_at, data FROM ${table} ORDER BY id`).all()
      const theirs = server.records(resource)
        .map((r) => ({ id: r.id, updated_at: Instant.normalize(r.updated_at).value, data: r.line }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const same = mine.length === theirs.length &&
        mine.every((m, i) => m.id === theirs[i].id && m.updated_at === theirs[i].updated_at && m.data === theirs[i].data)
      check(same, `${label}: ${table} differs from the sandbox (${mine.length} vs ${theirs.length} rows)`)
    }
    const left = handle.prepare("SELECT job_id, status FROM jobs WHERE status <> 'COMPLETE'").all()
    check(left.length === 0, `${label}: jobs left unfinished: ${JSON.stringify(left)}`)
    return handle.prepare("SELECT count(*) FROM jobs").pluck().get()
  } finally {
    handle.close()
  }
}

/** Syncs until a run succeeds, killing the first few at random moments. */
const phase = async (db, server, next, label) => {
  let kills = 0
  while (true) {
    const kill = kills < maxKills ? 150 + Math.floor(next() * killWindow) : undefined
    const result = await runSync(db, server, kill)
    if (result.signal === "SIGKILL") {
      kills++
      invariants(db, `${label} after kill ${kills}`)
      continue
    }
    check(result.code === 0, `${label}: sync exited ${result.code}: ${result.stderr.trim().split("\n").pop()}`)
    return kills
  }
}

const trial = async (n) => {
  const next = random(seed * 1000 + n)
  const server = await startSandbox({ port: 0, enrollments, seed: seed + n, jobDelayMs: 200, rateLimits: false })
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "unify-crash-")), "mirror.db")
  try {
    const fullKills = await phase(db, server, next, `trial ${n} full`)
    equalToSandbox(db, server, `trial ${n} full`)

    server.touch("enrollments", 40, 10)
    server.touch("enrollment-steps", 60, 10)
    const incrementalKills = await phase(db, server, next, `trial ${n} incremental`)
    const known = equalToSandbox(db, server, `trial ${n} incremental`)
    const created = server.stats().creations.length
    check(created >= known, `trial ${n}: the ledger holds ${known} jobs but the sandbox created ${created}`)
    return { kills: fullKills + incrementalKills, jobs: created, lost: created - known }
  } finally {
    await server.close()
    fs.rmSync(path.dirname(db), { recursive: true, force: true })
  }
}

const totals = { kills: 0, jobs: 0, lostCreations: 0 }
for (let n = 1; n <= trials; n++) {
  const result = await trial(n)
  totals.kills += result.kills
  totals.jobs += result.jobs
  totals.lostCreations += result.lost
  process.stderr.write(
    `trial ${n}/${trials}: ${result.kills} kills, ${result.jobs} jobs created, ` +
      `${problems.length === 0 ? "ok" : `${problems.length} problem(s) so far`}\n`
  )
}
const summary = { trials, ...totals, problems }
process.stdout.write(`${JSON.stringify(summary)}\n`)
process.exit(problems.length === 0 ? 0 : 1)
