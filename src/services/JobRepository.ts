/**
 * The job ledger: every job this database spent, how far its download got,
 * and the rolling 24 h creation budget. A resume reads only from here.
 * Every timestamp is stored in `Instant`'s canonical spelling, so text
 * comparison in SQL is time comparison.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { StoreError } from "../domain/errors.js"
import * as Instant from "../domain/Instant.js"
import { Database } from "./Database.js"

/** Ledger statuses: the API's, plus COMPLETE (every page committed), PARTIAL. */
export const LedgerStatus = Schema.Literal(
  "IN_PROGRESS",
  "FINISHED",
  "COMPLETE",
  "PARTIAL",
  "FAILED",
  "CANCELED",
  "EXPIRED"
)
export type LedgerStatus = typeof LedgerStatus.Type

export const LedgerJob = Schema.Struct({
  job_id: Schema.String,
  resource: Schema.Literal("enrollments", "enrollment-steps"),
  /** The user's filter (canonical JSON, `{}` for none): whose checkpoint moves. */
  scope: Schema.String,
  /** The filter sent, checkpoint bound included. */
  filter: Schema.String,
  api_paths: Schema.Literal("query-jobs", "jobs-query"),
  status: LedgerStatus,
  total_rows: Schema.NullOr(Schema.Number),
  error_code: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  expires_at: Schema.String,
  canceled_at: Schema.NullOr(Schema.String),
  requested_at: Schema.String,
  format: Schema.NullOr(Schema.Literal("json", "ndjson")),
  page_size: Schema.NullOr(Schema.Number),
  pages_done: Schema.Number,
  rows_done: Schema.Number,
  completed_at: Schema.NullOr(Schema.String),
  replaced_by: Schema.NullOr(Schema.String)
})
export type LedgerJob = typeof LedgerJob.Type

export type NewJob = Pick<
  LedgerJob,
  "job_id" | "resource" | "scope" | "filter" | "api_paths" | "created_at" | "expires_at" | "requested_at"
>

export interface JobUpdate {
  readonly status?: LedgerStatus
  readonly total_rows?: number | null
  readonly error_code?: string | null
  readonly canceled_at?: string | null
  readonly created_at?: string
  readonly format?: "json" | "ndjson"
  readonly page_size?: number
  readonly replaced_by?: string
}

export interface Budget {
  readonly used: number
  /** When the oldest creation in the window leaves it. */
  readonly nextSlotAt: Option.Option<string>
}

const decodeJobs = Schema.decodeUnknown(Schema.Array(LedgerJob))

const DAY_MS = 24 * 60 * 60 * 1000

export class JobRepository extends Context.Tag("unify-explore/JobRepository")<
  JobRepository,
  Effect.Effect.Success<typeof make>
>() {
  static layer = Layer.effect(JobRepository, Effect.suspend(() => make))
}

const make = Effect.gen(function*() {
  const database = yield* Database

  const select = (label: string, sql: string, params: ReadonlyArray<unknown> | Record<string, unknown>) =>
    database.use(label, (db) => db.prepare(sql).all(...(Array.isArray(params) ? params : [params]))).pipe(
      Effect.flatMap(decodeJobs),
      Effect.mapError((error) =>
        error._tag === "StoreError"
          ? error
          : new StoreError({ path: database.path, reason: "failed", detail: `the jobs table holds unexpected values: ${error.message}` })
      )
    )

  const record = Effect.fn("JobRepository.record")(function*(job: NewJob) {
    yield* database.use("record", (db) =>
      db.prepare(
        `INSERT INTO jobs (job_id, resource, scope, filter, api_paths, status, created_at,
           expires_at, requested_at)
         VALUES (@job_id, @resource, @scope, @filter, @api_paths, 'IN_PROGRESS', @created_at,
           @expires_at, @requested_at)`
      ).run(job))
  })

  const update = Effect.fn("JobRepository.update")(function*(jobId: string, changes: JobUpdate) {
    const keys = Object.keys(changes)
    if (keys.length === 0) return
    yield* database.use("update", (db) =>
      db.prepare(`UPDATE jobs SET ${keys.map((k) => `${k} = @${k}`).join(", ")} WHERE job_id = @job_id`)
        .run({ ...changes, job_id: jobId }))
  })

  const get = (jobId: string) =>
    select("get", "SELECT * FROM jobs WHERE job_id = ?", [jobId]).pipe(
      Effect.map((rows) => Option.fromNullable(rows[0]))
    )

  /** The newest unfinished, unexpired job for this resource, scope and filter. */
  const findResumable = (resource: string, scope: string, filter: string, nowIso: string) =>
    select(
      "findResumable",
      `SELECT * FROM jobs WHERE resource = ? AND scope = ? AND filter = ?
         AND status IN ('IN_PROGRESS', 'FINISHED') AND expires_at > ?
       ORDER BY requested_at DESC LIMIT 1`,
      [resource, scope, filter, nowIso]
    ).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

  /** The newest job of a resource still being downloaded, whatever its filter. */
  const unfinished = (resource: string, nowIso: string) =>
    select(
      "unfinished",
      `SELECT * FROM jobs WHERE resource = ? AND status IN ('IN_PROGRESS', 'FINISHED') AND expires_at > ?
       ORDER BY requested_at DESC LIMIT 1`,
      [resource, nowIso]
    ).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

  const list = (options: { readonly resource?: string; readonly status?: string; readonly limit?: number }) =>
    select(
      "list",
      `SELECT * FROM jobs WHERE (@resource IS NULL OR resource = @resource)
         AND (@status IS NULL OR status = @status)
       ORDER BY requested_at DESC LIMIT @limit`,
      { resource: options.resource ?? null, status: options.status ?? null, limit: options.limit ?? -1 }
    )

  const pagesDone = (jobId: string) =>
    database.use("pagesDone", (db) =>
      new Set(
        (db.prepare("SELECT page FROM job_pages WHERE job_id = ?").pluck().all(jobId)) as Array<number>
      ))

  /** Jobs created in the 24 h before `nowMs`, across both resources. */
  const budget = (nowMs: number) =>
    database.use("budget", (db): Budget => {
      const since = Instant.fromDate(new Date(nowMs - DAY_MS))
      const row = db.prepare(
        "SELECT count(*) AS used, min(requested_at) AS oldest FROM jobs WHERE requested_at > ?"
      ).get(since) as { used: number; oldest: string | null }
      return {
        used: row.used,
        nextSlotAt: Option.map(
          Option.fromNullable(row.oldest),
          (oldest) =>
            Instant.fromDate(new Date(Option.getOrElse(Instant.toMillis(oldest), () => nowMs) + DAY_MS))
        )
      }
    })

  return { record, update, get, findResumable, unfinished, list, pagesDone, budget } as const
})
