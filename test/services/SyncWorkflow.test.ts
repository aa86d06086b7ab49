import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Instant from "../../src/domain/Instant.js"
import { PAGE_SIZE } from "../../src/services/Database.js"
import { SyncLog } from "../../src/services/SyncLog.js"
import { SyncWorkflow } from "../../src/services/SyncWorkflow.js"
import { expectedRows, layerFor, mirrorRows, plan, query, sandbox, tempDb, watching } from "../layers/harness.js"

const run = (resource: "enrollments" | "enrollment-steps", overrides = {}) =>
  Effect.flatMap(SyncWorkflow, (w) => w.run(resource, plan(overrides)))

const maxInstant = (values: ReadonlyArray<string>) =>
  values.map((v) => Option.getOrThrow(Instant.normalize(v))).reduce((a, b) => (a > b ? a : b))

describe("SyncWorkflow", () => {
  it.scopedLive("mirrors both resources row for row with one job each", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300 })
      const db = tempDb()

      const outcomes = yield* Effect.all([run("enrollments", { pageSize: 100 }), run("enrollment-steps")]).pipe(
        Effect.provide(layerFor(server, db))
      )

      for (const resource of ["enrollments", "enrollment-steps"] as const) {
        assert.deepStrictEqual(mirrorRows(db, resource), expectedRows(server, resource))
      }
      assert.strictEqual(server.stats().creations.length, 2)
      assert.strictEqual(outcomes[0].pagesFetched, 3)
      // A first load skips the secondary indexes and builds them at the end.
      const indexes = query<{ name: string }>(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
      assert.includeMembers(indexes.map((i) => i.name), ["enrollments_person_id", "enrollment_steps_sequence_id_step_number"])
      assert.strictEqual(indexes.filter((i) => i.name.startsWith("enrollment")).length, 8)
      assert.strictEqual(query<{ page_size: number }>(db, "PRAGMA page_size")[0]!.page_size, PAGE_SIZE)
      assert.strictEqual(
        outcomes[0].checkpoint,
        maxInstant(server.records("enrollments").map((r) => r.updated_at))
      )
    }))

  it.scopedLive("syncs incrementally from the checkpoint and ends equal again", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 200 })
      const db = tempDb()
      const layer = layerFor(server, db)
      const first = yield* run("enrollments").pipe(Effect.provide(layer))

      const changed = server.touch("enrollments", 15, 5)
      const second = yield* run("enrollments").pipe(Effect.provide(layer))

      const creations = server.stats().creations
      assert.strictEqual(creations.length, 2)
      assert.deepStrictEqual(creations[1]!.body, { filter: { updated_at: { gte: first.checkpoint } } })
      assert.strictEqual(second.lowerBound, first.checkpoint)
      assert.isAtLeast(second.rowsReceived, changed.length)
      assert.isBelow(second.rowsReceived, 200)
      assert.strictEqual(second.rowsChanged, changed.length)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    }))

  it.scopedLive("resumes a stopped download at the next page and creates nothing", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 500 })
      const db = tempDb()
      const stopAfter = 2
      const stopping = watching((p) => (p.pagesDone >= stopAfter ? Effect.interrupt : Effect.void))

      const first = yield* Effect.exit(
        run("enrollments", { pageSize: 100, concurrency: 1 }).pipe(Effect.provide(layerFor(server, db, { progress: stopping })))
      )
      const committed = query<{ page: number }>(db, "SELECT page FROM job_pages ORDER BY page")
      const resultCallsBefore = server.stats().requests.results
      const second = yield* run("enrollments", { pageSize: 100, concurrency: 1 }).pipe(
        Effect.provide(layerFor(server, db))
      )

      assert.isTrue(first._tag === "Failure")
      assert.deepStrictEqual(committed.map((r) => r.page), [1, 2])
      assert.strictEqual(server.stats().creations.length, 1)
      assert.isTrue(second.resumed)
      assert.strictEqual(second.jobsCreated, 0)
      assert.strictEqual(second.pagesFetched, 3)
      assert.strictEqual(server.stats().requests.results - resultCallsBefore, 3)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    }))

  it.scopedLive("replaces a job that expires mid-download and ends with exactly the right rows", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 500 })
      const db = tempDb()
      const expiring = watching((p) =>
        Effect.sync(() => {
          if (p.pagesDone === 2 && server.stats().creations.length === 1) server.expireJob(p.jobId)
        })
      )

      const outcome = yield* run("enrollments", { pageSize: 100, concurrency: 1 }).pipe(
        Effect.provide(layerFor(server, db, { progress: expiring }))
      )

      const creations = server.stats().creations
      assert.strictEqual(creations.length, 2)
      assert.deepStrictEqual(creations[0]!.body, creations[1]!.body)
      assert.strictEqual(outcome.jobId, creations[1]!.jobId)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
      const ledger = query<{ status: string; replaced_by: string | null }>(
        db,
        "SELECT status, replaced_by FROM jobs ORDER BY requested_at"
      )
      assert.deepStrictEqual(ledger, [
        { status: "EXPIRED", replaced_by: creations[1]!.jobId },
        { status: "COMPLETE", replaced_by: null }
      ])
    }))

  it.scopedLive("lets readers see committed pages, never half a page, while it writes", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 400 })
      const db = tempDb()
      const seen: Array<[number, number]> = []
      const reading = watching((p) =>
        Effect.sync(() => {
          const [rows, committed] = [
            query<{ n: number }>(db, "SELECT count(*) AS n FROM enrollments")[0]!.n,
            query<{ n: number }>(db, "SELECT coalesce(sum(rows), 0) AS n FROM job_pages")[0]!.n
          ]
          seen.push([rows, committed])
          assert.strictEqual(committed, p.rowsDone)
        })
      )

      yield* run("enrollments", { pageSize: 100, concurrency: 2 }).pipe(
        Effect.provide(layerFor(server, db, { progress: reading }))
      )

      assert.deepStrictEqual(seen, [[100, 100], [200, 200], [300, 300], [400, 400]])
    }))

  it.scopedLive("falls back to the older path spelling and remembers it", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 50, paths: ["jobs-query"] })
      const db = tempDb()

      yield* run("enrollments").pipe(Effect.provide(layerFor(server, db)))
      const remembered = yield* Effect.flatMap(SyncLog, (log) => log.getMeta("api_paths")).pipe(
        Effect.provide(layerFor(server, db))
      )
      const explicit = yield* Effect.either(
        run("enrollment-steps").pipe(Effect.provide(layerFor(server, tempDb(), { paths: "query-jobs" })))
      )

      assert.deepStrictEqual(remembered, Option.some("jobs-query"))
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
      assert.isTrue(Either.isLeft(explicit) && explicit.left._tag === "NotFoundError")
    }))

  it.scopedLive("mirrors the same rows through JSON pages", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 250, paths: ["query-jobs"] })
      const db = tempDb()

      const outcome = yield* run("enrollment-steps", { format: "json", pageSize: 2000, concurrency: 3 }).pipe(
        Effect.provide(layerFor(server, db))
      )

      assert.isAbove(outcome.pagesFetched, 0)
      assert.deepStrictEqual(mirrorRows(db, "enrollment-steps"), expectedRows(server, "enrollment-steps"))
    }))

  it.scopedLive("refuses to create a job when the ledger shows the daily budget spent", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 20 })
      const db = tempDb()
      const layer = layerFor(server, db)
      yield* run("enrollments", { dailyJobBudget: 1 }).pipe(Effect.provide(layer))

      const second = yield* Effect.either(run("enrollment-steps", { dailyJobBudget: 1 }).pipe(Effect.provide(layer)))

      assert.isTrue(Either.isLeft(second))
      if (Either.isLeft(second)) {
        assert.strictEqual(second.left._tag, "BudgetExhaustedError")
        assert.include(second.left.message, "next slot frees at")
      }
      assert.strictEqual(server.stats().creations.length, 1)
    }))

  it.scopedLive("waits out the server's 429s and still ends equal", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300, rateLimits: { resultsPerSecond: 2 } })
      const db = tempDb()

      yield* run("enrollments", { pageSize: 50, concurrency: 3 }).pipe(Effect.provide(layerFor(server, db)))

      assert.isAbove(server.stats().rateLimited, 0)
      assert.strictEqual(server.stats().creations.length, 1)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    }))

  it.scopedLive("falls back to NDJSON when a JSON page is too large (413)", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300, maxJsonBytes: 64 * 1024 })
      const db = tempDb()

      yield* run("enrollments", { format: "json", pageSize: 2000 }).pipe(Effect.provide(layerFor(server, db)))

      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
      assert.deepStrictEqual(query(db, "SELECT format FROM jobs"), [{ format: "ndjson" }])
    }))

  it.scopedLive("reports a refused API key by name", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 10 })

      const result = yield* Effect.either(
        run("enrollments").pipe(Effect.provide(layerFor(server, tempDb(), { apiKey: "wrong-key" })))
      )

      assert.isTrue(Either.isLeft(result) && result.left._tag === "UnauthorizedError")
      assert.strictEqual(server.stats().creations.length, 0)
    }))
})
