/**
 * The sync against a misbehaving sandbox: each documented failure alone,
 * then all of them together, ending equal to the sandbox's data.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { FaultProfile } from "../../src/sandbox/Faults.js"
import { SyncWorkflow } from "../../src/services/SyncWorkflow.js"
import { expectedRows, layerFor, mirrorRows, plan, query, sandbox, tempDb, watching } from "../layers/harness.js"

const run = (resource: "enrollments" | "enrollment-steps", overrides = {}) =>
  Effect.flatMap(SyncWorkflow, (w) => w.run(resource, plan(overrides)))

/** Syncs until a run succeeds (at most `tries`), as a person rerunning would. */
const syncUntilDone = (
  layer: ReturnType<typeof layerFor>,
  resource: "enrollments" | "enrollment-steps",
  tries = 6,
  pageSize = 100
) =>
  Effect.gen(function*() {
    const failures: Array<string> = []
    for (let i = 0; i < tries; i++) {
      const result = yield* Effect.either(run(resource, { pageSize }).pipe(Effect.provide(layer)))
      if (Either.isRight(result)) return failures
      failures.push(result.left._tag)
    }
    return failures.concat("gave up")
  })

describe("sync under faults", () => {
  it.scopedLive("keeps a filtered sync's checkpoint apart from the unfiltered one", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300 })
      const db = tempDb()
      const layer = layerFor(server, db)

      const filtered = yield* run("enrollments", { filter: { status: { in: ["DRAFT"] } } }).pipe(Effect.provide(layer))
      const full = yield* run("enrollments").pipe(Effect.provide(layer))

      assert.isNull(full.lowerBound)
      assert.isNotNull(filtered.checkpoint)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
      assert.strictEqual(query<{ n: number }>(db, "SELECT count(*) AS n FROM checkpoints")[0]!.n, 2)
    }))

  it.scopedLive("does not resume a job whose results failed; the next run spends a new one", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300 })
      const db = tempDb()
      const failing = watching((p) => Effect.sync(() => p.pagesDone === 1 && server.failJob(p.jobId)))

      const first = yield* Effect.either(
        run("enrollments", { pageSize: 100, concurrency: 1 }).pipe(Effect.provide(layerFor(server, db, { progress: failing })))
      )
      const second = yield* run("enrollments", { pageSize: 100 }).pipe(Effect.provide(layerFor(server, db)))

      assert.isTrue(Either.isLeft(first) && first.left._tag === "ResultsUnavailableError")
      assert.isFalse(second.resumed)
      assert.strictEqual(server.stats().creations.length, 2)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    }))

  it.scopedLive("stops as partial data on a short page, keeps what came, and leaves the checkpoint", () =>
    Effect.gen(function*() {
      const server = yield* sandbox({ enrollments: 300, faults: { shortPage: 1 } })
      const db = tempDb()

      const result = yield* Effect.either(run("enrollments", { pageSize: 100 }).pipe(Effect.provide(layerFor(server, db))))

      assert.isTrue(Either.isLeft(result) && result.left._tag === "PartialDataError")
      assert.strictEqual(query<{ n: number }>(db, "SELECT count(*) AS n FROM enrollments")[0]!.n, 297)
      assert.deepStrictEqual(query(db, "SELECT count(*) AS n FROM checkpoints"), [{ n: 0 }])
      assert.deepStrictEqual(query(db, "SELECT status FROM jobs"), [{ status: "PARTIAL" }])
    }))

  it.scopedLive("retries dropped connections and server errors, committing no partial page", () =>
    Effect.gen(function*() {
      const faults: FaultProfile = { dropConnection: 0.5, serverError: 0.2, seed: 3 }
      const server = yield* sandbox({ enrollments: 400, faults })
      const db = tempDb()

      const failures = yield* syncUntilDone(layerFor(server, db), "enrollments", 6, 50)

      // At these rates a page can run out of retries; the rerun resumes it.
      assert.isTrue(failures.every((f) => f === "TransportError" || f === "ServerError"), failures.join(", "))
      assert.strictEqual(server.stats().creations.length, 1)
      assert.isAbove(server.stats().faults.dropConnection ?? 0, 0)
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    }))

  it.scopedLive("ends equal after a full and an incremental sync with every fault at 5%", () =>
    Effect.gen(function*() {
      const faults: FaultProfile = {
        seed: 11,
        rateLimit: 0.05,
        retryAfterSeconds: 1,
        serverError: 0.05,
        dropConnection: 0.05,
        slowJob: { probability: 0.05, extraMs: 300 },
        failJob: { probability: 0.05 },
        cancelJob: 0.05,
        forgetJob: 0.05,
        shortPage: 0.05,
        hugeRows: 0.002
      }
      const server = yield* sandbox({ enrollments: 300, faults })
      const db = tempDb()
      const layer = layerFor(server, db)

      for (const resource of ["enrollments", "enrollment-steps"] as const) {
        const failures = yield* syncUntilDone(layer, resource, 12)
        assert.notInclude(failures, "gave up", failures.join(", "))
      }
      server.touch("enrollments", 30, 5)
      server.touch("enrollment-steps", 30, 5)
      for (const resource of ["enrollments", "enrollment-steps"] as const) {
        const failures = yield* syncUntilDone(layer, resource, 12)
        assert.notInclude(failures, "gave up", failures.join(", "))
      }

      for (const resource of ["enrollments", "enrollment-steps"] as const) {
        assert.deepStrictEqual(mirrorRows(db, resource), expectedRows(server, resource))
      }
      const abandoned = query(db, "SELECT job_id FROM jobs WHERE status IN ('IN_PROGRESS', 'FINISHED')")
      assert.deepStrictEqual(abandoned, [])
    }))
})
