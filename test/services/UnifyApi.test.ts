/**
 * The client against a scripted HTTP layer under TestClock: waits, retries,
 * path fallback and the mapping of every documented answer.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { Progress } from "../../src/services/Progress.js"
import { type ApiSettings, defaultSettings, UnifyApi } from "../../src/services/UnifyApi.js"

interface Scripted {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** An HttpClient answering from a script, recording what was asked. */
const scripted = (answers: Array<Scripted | ((url: URL) => Scripted)>) => {
  const seen: Array<{ method: string; url: string; key: string | undefined }> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      seen.push({ method: request.method, url: url.toString(), key: request.headers["x-api-key"] })
      const next = answers.shift() ?? { status: 500, body: { status: "error", message: "script ran out" } }
      const answer = typeof next === "function" ? next(url) : next
      const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {})
      return HttpClientResponse.fromWeb(request, new Response(body, { status: answer.status, headers: answer.headers }))
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const settings = (overrides: Partial<ApiSettings> = {}): ApiSettings => ({
  ...defaultSettings,
  baseUrl: "http://127.0.0.1:9/",
  apiKey: Redacted.make("test-key"),
  backoff: { baseMs: 1000, capMs: 8000 },
  ...overrides
})

const apiWith = (http: Layer.Layer<HttpClient.HttpClient>, overrides: Partial<ApiSettings> = {}) =>
  UnifyApi.layer(settings(overrides)).pipe(Layer.provide(http), Layer.provide(Progress.silent))

const job = {
  job_id: "j1",
  status: "FINISHED",
  total_rows: 3,
  error_code: null,
  created_at: "2026-12-04T10:00:00Z",
  expires_at: "2026-12-05T10:00:00Z",
  canceled_at: null
}

const getJob = Effect.flatMap(UnifyApi, (api) => api.getJob("enrollments", "j1", "query-jobs"))

describe("UnifyApi", () => {
  it.effect("waits out a 429 for the Retry-After seconds, then retries", () =>
    Effect.gen(function*() {
      const http = scripted([
        { status: 429, body: { status: "rate_limited", message: "slow down" }, headers: { "retry-after": "2" } },
        { status: 200, body: job }
      ])

      const fiber = yield* Effect.fork(getJob.pipe(Effect.provide(apiWith(http.layer))))
      yield* TestClock.adjust(1999)
      const early = http.seen.length
      yield* TestClock.adjust(1)
      const result = yield* Fiber.join(fiber)

      assert.strictEqual(early, 1)
      assert.strictEqual(http.seen.length, 2)
      assert.strictEqual(result.total_rows, 3)
    }))

  it.effect("reads a Retry-After given as an HTTP date", () =>
    Effect.gen(function*() {
      const retryAt = new Date(30_000).toUTCString()
      const http = scripted([
        { status: 429, body: { status: "rate_limited", message: "x" }, headers: { "retry-after": retryAt } },
        { status: 200, body: job }
      ])

      const fiber = yield* Effect.fork(getJob.pipe(Effect.provide(apiWith(http.layer))))
      yield* TestClock.adjust(29_000)
      const early = http.seen.length
      yield* TestClock.adjust(1000)
      yield* Fiber.join(fiber)

      assert.strictEqual(early, 1)
      assert.strictEqual(http.seen.length, 2)
    }))

  it.effect("stops resumably when Retry-After exceeds the longest wait", () =>
    Effect.gen(function*() {
      const http = scripted([
        { status: 429, body: { status: "rate_limited", message: "budget" }, headers: { "retry-after": "86400" } }
      ])

      const result = yield* Effect.either(getJob.pipe(Effect.provide(apiWith(http.layer, { maxWaitMs: 300_000 }))))

      assert.isTrue(Either.isLeft(result) && result.left._tag === "RateLimitWaitError")
      assert.strictEqual(http.seen.length, 1)
    }))

  it.effect("retries 5xx and dropped connections with backoff, then gives up", () =>
    Effect.gen(function*() {
      const fail = { status: 503, body: { status: "error", message: "busy" } }
      const recovering = scripted([fail, fail, { status: 200, body: job }])
      const hopeless = scripted([fail, fail, fail])

      const fiber = yield* Effect.fork(getJob.pipe(Effect.provide(apiWith(recovering.layer))))
      yield* TestClock.adjust(10_000)
      const ok = yield* Fiber.join(fiber)
      const failing = yield* Effect.fork(
        Effect.either(getJob.pipe(Effect.provide(apiWith(hopeless.layer, { retries: 2 }))))
      )
      yield* TestClock.adjust(10_000)
      const failed = yield* Fiber.join(failing)

      assert.strictEqual(ok.job_id, "j1")
      assert.strictEqual(recovering.seen.length, 3)
      assert.isTrue(Either.isLeft(failed) && failed.left._tag === "ServerError")
      assert.strictEqual(hopeless.seen.length, 3)
    }))

  it.effect("falls back to the older spelling when the route is missing, and remembers it", () =>
    Effect.gen(function*() {
      const created = { job_id: "j2", status: "IN_PROGRESS", expires_at: "2026-12-05T10:00:00Z" }
      const http = scripted([
        { status: 404, body: "Cannot POST" },
        { status: 200, body: created },
        { status: 201, body: created }
      ])

      const [first, second] = yield* Effect.flatMap(UnifyApi, (api) =>
        Effect.all([api.createJob("enrollments", undefined), api.createJob("enrollment-steps", { is_paused: true })])).pipe(
          Effect.provide(apiWith(http.layer))
        )

      assert.strictEqual(first.paths, "jobs-query")
      assert.strictEqual(second.paths, "jobs-query")
      assert.deepStrictEqual(http.seen.map((s) => s.url), [
        "http://127.0.0.1:9/sequences/v1/enrollments/query-jobs",
        "http://127.0.0.1:9/sequences/v1/enrollments/jobs/query",
        "http://127.0.0.1:9/sequences/v1/enrollment-steps/jobs/query"
      ])
      assert.isTrue(http.seen.every((s) => s.key === "test-key"))
    }))

  it.effect("does not fall back when a spelling is chosen", () =>
    Effect.gen(function*() {
      const http = scripted([{ status: 404, body: "Cannot POST" }])

      const result = yield* Effect.either(
        Effect.flatMap(UnifyApi, (api) => api.createJob("enrollments", undefined)).pipe(
          Effect.provide(apiWith(http.layer, { paths: "query-jobs" }))
        )
      )

      assert.isTrue(Either.isLeft(result) && result.left._tag === "NotFoundError")
      assert.strictEqual(http.seen.length, 1)
    }))

  it.effect("turns each documented answer into its typed error", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Scripted, string]> = [
        [{ status: 400, body: { status: "bad_request", errors: [{ code: "invalid", path: ["page_size"] }] } }, "BadRequestError"],
        [{ status: 401, body: { status: "unauthorized", message: "no" } }, "UnauthorizedError"],
        [{ status: 404, body: { status: "not_found", message: "no job" } }, "NotFoundError"],
        [{ status: 409, body: { status: "results_not_ready", message: "wait" } }, "ResultsUnavailableError"],
        [{ status: 409, body: { status: "results_failed", message: "failed" } }, "ResultsUnavailableError"],
        [{ status: 410, body: { status: "results_expired", message: "gone" } }, "ResultsExpiredError"],
        [{ status: 413, body: { status: "results_page_too_large", message: "big" } }, "PageTooLargeError"],
        [{ status: 200, body: "{not json" }, "DecodeError"],
        [{ status: 200, body: { job_id: "j1" } }, "DecodeError"]
      ]

      for (const [answer, tag] of cases) {
        const http = scripted([answer])
        const result = yield* Effect.either(
          Effect.flatMap(UnifyApi, (api) =>
            api.fetchPage("enrollments", "j1", "query-jobs", { page: 1, pageSize: 10, format: "json" }, (p) =>
              Stream.runCollect(p.rows))).pipe(Effect.provide(apiWith(http.layer)))
        )
        const got = Either.isLeft(result) ? result.left._tag : "success"
        assert.strictEqual(got, tag, JSON.stringify(answer))
      }
    }))

  it.effect("maps 409 job_not_cancelable on cancel", () =>
    Effect.gen(function*() {
      const http = scripted([{ status: 409, body: { status: "job_not_cancelable", message: "finished" } }])

      const result = yield* Effect.either(
        Effect.flatMap(UnifyApi, (api) => api.cancelJob("enrollments", "j1")).pipe(Effect.provide(apiWith(http.layer)))
      )

      assert.isTrue(Either.isLeft(result) && result.left._tag === "JobNotCancelableError")
      assert.strictEqual(http.seen[0]!.url, "http://127.0.0.1:9/sequences/v1/enrollments/query-jobs/j1/cancel")
    }))
})
