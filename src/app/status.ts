/**
 * `unify-explore status`: how fresh the mirror is, what a resume would do,
 * and how much of the daily job budget is left. Reads only.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as Instant from "../domain/Instant.js"
import { resources, tableOf } from "../domain/Resource.js"
import * as Output from "../Output.js"
import { Database } from "../services/Database.js"
import { JobRepository, type LedgerJob } from "../services/JobRepository.js"
import { RecordStore } from "../services/RecordStore.js"
import { SyncLog } from "../services/SyncLog.js"
import type { StatusFlags } from "../commands/status.js"

/** The read-only stores over one database file. */
export const readLayer = (db: string) =>
  Layer.mergeAll(JobRepository.layer, RecordStore.layer, SyncLog.layer).pipe(
    Layer.provideMerge(Database.layer({ path: db, readonly: true }))
  )

/** What the next `sync` would do with an unfinished job. */
export const resumePlan = (job: LedgerJob) => {
  if (job.status === "IN_PROGRESS" || job.total_rows === null) {
    return `poll job ${job.job_id} until it finishes, then fetch its pages`
  }
  const pages = job.page_size === null ? null : Math.ceil(job.total_rows / job.page_size)
  return pages === null
    ? `fetch the ${Output.count(job.total_rows)} rows of job ${job.job_id}`
    : `fetch the ${pages - job.pages_done} remaining of ${pages} pages of job ${job.job_id}`
}

const secondsBetween = (from: string, to: string | null) =>
  to === null
    ? null
    : (Option.getOrElse(Instant.toMillis(to), () => 0) - Option.getOrElse(Instant.toMillis(from), () => 0)) / 1000

export const collectStatus = (db: string, dailyJobs: number) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepository
    const store = yield* RecordStore
    const log = yield* SyncLog
    const nowMs = yield* Clock.currentTimeMillis
    const now = Instant.fromDate(new Date(nowMs))

    const perResource = yield* Effect.forEach(resources, (resource) =>
      Effect.gen(function*() {
        const checkpoint = yield* store.checkpoint(resource, "{}")
        const filtered = yield* store.scopedCheckpoints(resource)
        const runs = yield* log.latest(resource)
        const unfinished = yield* jobs.unfinished(resource, now)
        return {
          resource,
          table: tableOf(resource),
          rows: yield* store.count(resource),
          checkpoint: Option.getOrNull(checkpoint),
          filteredCheckpoints: filtered.map((c) => ({ filter: JSON.parse(c.scope) as unknown, updatedAt: c.updated_at })),
          lastSync: Option.getOrNull(Option.map(runs.lastOk, (run) => ({
            finishedAt: run.finished_at,
            seconds: secondsBetween(run.started_at, run.finished_at),
            rowsReceived: run.rows_received,
            rowsChanged: run.rows_changed,
            jobId: run.job_id
          }))),
          lastRun: Option.getOrNull(Option.map(runs.last, (run) => ({
            startedAt: run.started_at,
            outcome: run.outcome,
            message: run.message
          }))),
          unfinishedJob: Option.getOrNull(Option.map(unfinished, (job) => ({
            jobId: job.job_id,
            status: job.status,
            pagesDone: job.pages_done,
            rowsDone: job.rows_done,
            totalRows: job.total_rows,
            expiresAt: job.expires_at,
            resume: resumePlan(job)
          })))
        }
      }))
    const budget = yield* jobs.budget(nowMs)
    return {
      database: { path: db, bytes: fs.statSync(db).size },
      resources: perResource,
      jobBudget: { used: budget.used, limit: dailyJobs, nextSlotAt: Option.getOrNull(budget.nextSlotAt) }
    }
  })

type Status = Effect.Effect.Success<ReturnType<typeof collectStatus>>

const render = (status: Status) => {
  const lines = [`Database ${status.database.path} (${(status.database.bytes / 1024 / 1024).toFixed(1)} MB)`, ""]
  for (const r of status.resources) {
    lines.push(`${r.resource} (${r.table}): ${Output.plural(r.rows, "row")}`)
    lines.push(`  checkpoint   ${r.checkpoint === null ? "none yet (the next sync is a full one)" : r.checkpoint.updatedAt}`)
    for (const c of r.filteredCheckpoints) {
      lines.push(`  with filter  ${JSON.stringify(c.filter)}: ${c.updatedAt}`)
    }
    lines.push(
      `  last sync    ${
        r.lastSync === null
          ? "never succeeded"
          : `${r.lastSync.finishedAt} in ${r.lastSync.seconds?.toFixed(1)} s: ` +
            `${Output.count(r.lastSync.rowsReceived)} rows received, ${Output.count(r.lastSync.rowsChanged)} changed`
      }`
    )
    if (r.lastRun !== null && r.lastRun.outcome !== "ok") {
      const why = r.lastRun.message !== null && r.lastRun.message !== r.lastRun.outcome ? `: ${r.lastRun.message}` : ""
      lines.push(`  latest run   ${r.lastRun.startedAt} ${r.lastRun.outcome}${why}`)
    }
    lines.push(`  next sync    ${r.unfinishedJob === null ? "creates a new job" : `resumes: ${r.unfinishedJob.resume}`}`)
    lines.push("")
  }
  const b = status.jobBudget
  lines.push(
    `Jobs created in the last 24 h: ${b.used} of ${b.limit}` +
      (b.used >= b.limit && b.nextSlotAt !== null ? ` (next slot frees at ${b.nextSlotAt})` : "")
  )
  return lines.join("\n")
}

/** The `status` command's work. */
export const run = (flags: StatusFlags) =>
  collectStatus(flags.db, flags.dailyJobs).pipe(
    Effect.flatMap((s) => Output.line(flags.json ? JSON.stringify(s, null, 2) : render(s))),
    Effect.provide(readLayer(flags.db))
  )
