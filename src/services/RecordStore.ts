/**
 * Writes the mirror: a page of rows together with its bookkeeping in one
 * transaction (rows written as they arrive, so memory does not grow with
 * the page), and a job's completion together with the checkpoint in
 * another. Nothing else writes record tables.
 */
import type BetterSqlite3 from "better-sqlite3"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Resource } from "../domain/Resource.js"
import { tableOf } from "../domain/Resource.js"
import { columnsOf, type StoredRow } from "../domain/Rows.js"
import type { StoreError } from "../domain/errors.js"
import { Database } from "./Database.js"
import { indexesOf } from "./Migrations.js"

export interface PageTarget {
  readonly resource: Resource
  readonly jobId: string
  readonly page: number
  readonly syncedAt: string
}

export interface Checkpoint {
  readonly updatedAt: string
  readonly jobId: string
  readonly advancedAt: string
}

const upsertSql = (resource: Resource) => {
  const table = tableOf(resource)
  const columns = ["id", "updated_at", ...columnsOf(resource), "data", "job_id", "synced_at"]
  const updates = columns.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")
  // Same instant with other content also wins: the API may correct a row
  // without moving updated_at, and the newest job is the best witness.
  return `INSERT INTO ${table} (${columns.join(", ")})
    VALUES (${columns.map(() => "?").join(", ")})
    ON CONFLICT (id) DO UPDATE SET ${updates}
    WHERE excluded.updated_at > ${table}.updated_at
       OR (excluded.updated_at = ${table}.updated_at AND excluded.data <> ${table}.data)`
}

export class RecordStore extends Context.Tag("unify-explore/RecordStore")<
  RecordStore,
  Effect.Effect.Success<typeof make>
>() {
  static layer = Layer.effect(RecordStore, Effect.suspend(() => make))
}

const make = Effect.gen(function*() {
  const database = yield* Database
  const statements = new Map<Resource, BetterSqlite3.Statement>()
  const upsert = (db: BetterSqlite3.Database, resource: Resource) => {
    let statement = statements.get(resource)
    if (statement === undefined) {
      statement = db.prepare(upsertSql(resource))
      statements.set(resource, statement)
    }
    return statement
  }

  /**
   * Writes one page: `fill` adds rows as they arrive, all inside one
   * transaction that also records the page in the ledger. Nothing of the
   * page is visible until that commit; a failure or interruption rolls it
   * back whole. Callers must not write two pages at once (one connection).
   */
  const writePage = <E, R>(
    target: PageTarget,
    fill: (add: (rows: Iterable<StoredRow>) => Effect.Effect<void, StoreError>) => Effect.Effect<void, E, R>
  ) => {
    const db = database.db
    const statement = upsert(db, target.resource)
    const tally = { rows: 0, changed: 0, max: null as string | null }
    const add = (rows: Iterable<StoredRow>) =>
      database.use("writeRows", () => {
        for (const row of rows) {
          tally.changed += statement.run(row.id, row.updatedAt, ...row.cells, row.line, target.jobId, target.syncedAt)
            .changes
          tally.rows++
          if (tally.max === null || row.updatedAt > tally.max) tally.max = row.updatedAt
        }
      })
    const finish = database.use("commitPage", (db) => {
      db.prepare(
        `INSERT INTO job_pages (job_id, page, rows, max_updated_at, committed_at)
         VALUES (?, ?, ?, ?, ?)`
      ).run(target.jobId, target.page, tally.rows, tally.max, target.syncedAt)
      db.prepare("UPDATE jobs SET pages_done = pages_done + 1, rows_done = rows_done + ? WHERE job_id = ?")
        .run(tally.rows, target.jobId)
      db.exec("COMMIT")
      return { rows: tally.rows, changed: tally.changed }
    })
    return Effect.acquireUseRelease(
      database.use("beginPage", (db) => db.exec("BEGIN IMMEDIATE")),
      () => Effect.zipRight(fill(add), finish),
      () => Effect.sync(() => db.inTransaction && db.exec("ROLLBACK"))
    )
  }

  /**
   * Marks the job COMPLETE and moves its scope's checkpoint to the greatest
   * updated_at among its committed rows (canonical text orders as time),
   * never backwards, and never past the job's creation: a row dated in the
   * future must not make later syncs skip everything before it. Returns
   * the checkpoint now in force and whether that ceiling applied.
   */
  const completeJob = Effect.fn("RecordStore.completeJob")(function*(
    job: { readonly resource: Resource; readonly jobId: string; readonly scope: string; readonly createdAt: string },
    nowIso: string
  ) {
    const db = database.db
    return yield* database.transaction("completeJob", () => {
      db.prepare("UPDATE jobs SET status = 'COMPLETE', completed_at = ? WHERE job_id = ?")
        .run(nowIso, job.jobId)
      for (const index of indexesOf(job.resource)) db.exec(index.create)
      const newest = db.prepare("SELECT max(max_updated_at) FROM job_pages WHERE job_id = ?")
        .pluck().get(job.jobId) as string | null
      const capped = newest !== null && newest > job.createdAt
      const max = capped ? job.createdAt : newest
      if (max !== null) {
        db.prepare(
          `INSERT INTO checkpoints (resource, scope, updated_at, job_id, advanced_at)
           VALUES (@resource, @scope, @max, @jobId, @now)
           ON CONFLICT (resource, scope) DO UPDATE SET updated_at = @max, job_id = @jobId, advanced_at = @now
           WHERE @max > checkpoints.updated_at`
        ).run({ resource: job.resource, scope: job.scope, max, jobId: job.jobId, now: nowIso })
      }
      return { checkpoint: readCheckpoint(db, job.resource, job.scope), capped: capped ? newest : null }
    })
  })

  const checkpoint = (resource: Resource, scope: string) =>
    database.use("checkpoint", (db) => readCheckpoint(db, resource, scope))

  /** Checkpoints of filtered syncs (every scope but the unfiltered one). */
  const scopedCheckpoints = (resource: Resource) =>
    database.use("scopedCheckpoints", (db) =>
      db.prepare("SELECT scope, updated_at FROM checkpoints WHERE resource = ? AND scope <> '{}' ORDER BY scope")
        .all(resource) as Array<{ scope: string; updated_at: string }>)

  /**
   * Before a sync: an empty table loses its secondary indexes, so a first
   * full load writes only the table (about twice as fast); any other table
   * gets them back, which also mends a first load that was killed.
   */
  const prepareLoad = (resource: Resource) =>
    database.transaction("prepareLoad", () => {
      const empty = database.db.prepare(`SELECT NOT EXISTS (SELECT 1 FROM ${tableOf(resource)})`).pluck().get() === 1
      for (const index of indexesOf(resource)) {
        database.db.exec(empty ? `DROP INDEX IF EXISTS ${index.name}` : index.create)
      }
    })

  const count = (resource: Resource) =>
    database.use("count", (db) => db.prepare(`SELECT count(*) FROM ${tableOf(resource)}`).pluck().get() as number)

  return { writePage, completeJob, prepareLoad, checkpoint, scopedCheckpoints, count } as const
})

const readCheckpoint = (db: BetterSqlite3.Database, resource: Resource, scope: string) => {
  const row = db.prepare(
    "SELECT updated_at, job_id, advanced_at FROM checkpoints WHERE resource = ? AND scope = ?"
  ).get(resource, scope) as { updated_at: string; job_id: string; advanced_at: string } | undefined
  return Option.map(Option.fromNullable(row), (r): Checkpoint => ({
    updatedAt: r.updated_at,
    jobId: r.job_id,
    advancedAt: r.advanced_at
  }))
}
