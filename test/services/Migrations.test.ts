import { assert, describe, it } from "@effect/vitest"
import BetterSqlite3 from "better-sqlite3"
import * as Effect from "effect/Effect"
import { migrate } from "../../src/services/Database.js"
import { indexesOf } from "../../src/services/Migrations.js"
import { SyncWorkflow } from "../../src/services/SyncWorkflow.js"
import { layerFor, plan, sandbox, tempDb } from "../layers/harness.js"

const VIEWS = ["v_sequence_funnel", "v_sequence_rates", "v_mailbox_rates", "v_step_engagement"]

const viewRows = (db: BetterSqlite3.Database) =>
  Object.fromEntries(VIEWS.map((view) => [view, db.prepare(`SELECT * FROM ${view} ORDER BY 1, 2, 3`).all()]))

const recordIndexes = (db: BetterSqlite3.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND name LIKE 'enrollment%'")
    .pluck().all() as Array<string>).sort()

describe("Migrations", () => {
  it.scopedLive("migration 4 keeps a v3 mirror's rows and view answers, drops the lookup-poor indexes, and scans", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 400 })
      const synced = tempDb()
      yield* Effect.flatMap(SyncWorkflow, (w) =>
        Effect.zipRight(w.run("enrollments", plan()), w.run("enrollment-steps", plan()))).pipe(
          Effect.provide(layerFor(server, synced))
        )

      // A mirror as the previous release left it: schema 3, filled.
      const db = new BetterSqlite3(tempDb())
      migrate(db, 3)
      db.exec(`ATTACH '${synced}' AS synced`)
      db.exec("INSERT INTO enrollments SELECT * FROM synced.enrollments")
      db.exec("INSERT INTO enrollment_steps SELECT * FROM synced.enrollment_steps")
      db.exec("DETACH synced")
      const before = viewRows(db)
      assert.include(recordIndexes(db), "enrollments_status")

      migrate(db)

      assert.deepStrictEqual(viewRows(db), before)
      assert.isAbove(before["v_sequence_funnel"]!.length, 1)
      const expected = (["enrollments", "enrollment-steps"] as const).flatMap((r) => indexesOf(r).map((i) => i.name))
      assert.deepStrictEqual(recordIndexes(db), expected.sort())
      for (const view of VIEWS) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${view}`).all() as Array<{ detail: string }>
        assert.isFalse(plan.some((step) => step.detail.includes("USING INDEX")), `${view}: ${JSON.stringify(plan)}`)
      }
      db.close()
    }))

  it("migration 4 does not need the views a user dropped", () => {
    const db = new BetterSqlite3(tempDb())
    migrate(db, 3)
    db.exec("DROP VIEW v_mailbox_rates")

    migrate(db)

    assert.strictEqual(db.prepare("SELECT max(version) FROM schema_migrations").pluck().get(), 4)
    assert.deepStrictEqual(db.prepare("SELECT * FROM v_mailbox_rates").all(), [])
    db.close()
  })
})
