/**
 * The `sync_runs` history and small remembered settings (`meta`), such as
 * which API path spelling worked last time.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Database } from "./Database.js"

export interface RunResult {
  readonly outcome: string
  readonly jobId: string | null
  readonly jobsCreated: number
  readonly rowsReceived: number
  readonly rowsChanged: number
  readonly message: string | null
}

export interface SyncRun {
  readonly id: number
  readonly resource: string
  readonly started_at: string
  readonly finished_at: string | null
  readonly outcome: string
  readonly job_id: string | null
  readonly jobs_created: number
  readonly rows_received: number
  readonly rows_changed: number
  readonly message: string | null
}

export class SyncLog extends Context.Tag("unify-explore/SyncLog")<
  SyncLog,
  Effect.Effect.Success<typeof make>
>() {
  static layer = Layer.effect(SyncLog, Effect.suspend(() => make))
}

const make = Effect.gen(function*() {
  const database = yield* Database

  const start = (resource: string, nowIso: string) =>
    database.use("startRun", (db) =>
      Number(
        db.prepare("INSERT INTO sync_runs (resource, started_at, outcome) VALUES (?, ?, 'running')")
          .run(resource, nowIso).lastInsertRowid
      ))

  const finish = (id: number, nowIso: string, result: RunResult) =>
    database.use("finishRun", (db) =>
      db.prepare(
        `UPDATE sync_runs SET finished_at = ?, outcome = ?, job_id = ?, jobs_created = ?,
           rows_received = ?, rows_changed = ?, message = ?
         WHERE id = ?`
      ).run(
        nowIso,
        result.outcome,
        result.jobId,
        result.jobsCreated,
        result.rowsReceived,
        result.rowsChanged,
        result.message,
        id
      ))

  const getMeta = (key: string) =>
    database.use("getMeta", (db) =>
      Option.fromNullable(
        db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined
      ))

  const setMeta = (key: string, value: string) =>
    database.use("setMeta", (db) =>
      db.prepare("INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = @value")
        .run({ key, value }))

  /** Marks runs left "running" by a process that died (call holding the lock). */
  const markAbandoned = (nowIso: string) =>
    database.use("markAbandoned", (db) =>
      db.prepare("UPDATE sync_runs SET outcome = 'died', finished_at = ? WHERE outcome = 'running'").run(nowIso))

  /** The latest run of a resource, and the latest that succeeded. */
  const latest = (resource: string) =>
    database.use("latestRuns", (db) => {
      const query = (where: string) =>
        Option.fromNullable(
          db.prepare(`SELECT * FROM sync_runs WHERE resource = ? ${where} ORDER BY id DESC LIMIT 1`)
            .get(resource) as SyncRun | undefined
        )
      return { last: query(""), lastOk: query("AND outcome = 'ok'") }
    })

  return { start, finish, markAbandoned, latest, getMeta, setMeta } as const
})
