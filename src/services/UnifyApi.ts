/**
 * The Bulk API over HTTP: both path spellings, one limiter per operation,
 * Retry-After and backoff, and every documented answer as a typed error.
 * Nothing outside this file knows a URL, a header or a status code.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  type ApiError,
  ApiIssue,
  BadRequestError,
  DecodeError,
  JobNotCancelableError,
  NotFoundError,
  type Operation,
  PageTooLargeError,
  RateLimitedError,
  RateLimitWaitError,
  ResultsExpiredError,
  ResultsUnavailableError,
  ServerError,
  TransportError,
  UnauthorizedError
} from "../domain/errors.js"
import type { Filter } from "../domain/Filter.js"
import { defaultRates, JobStatus, type Resource, type ResultFormat } from "../domain/Resource.js"
import { rawDataRows } from "./JsonPage.js"
import { Progress } from "./Progress.js"
import * as RateLimiter from "./RateLimiter.js"
import { type Backoff, backoffDelay, parseRetryAfter } from "./RetryPolicy.js"

export type PathStyle = "query-jobs" | "jobs-query"
export type PathMode = PathStyle | "auto"

export interface ApiSettings {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly paths: PathMode
  readonly statusPerSecond: number
  readonly resultsPerSecond: number
  readonly cancelPerSecond: number
  /** Longest Retry-After we wait out before giving up (resumably). */
  readonly maxWaitMs: number
  /** Attempts after the first for 5xx and transport failures. */
  readonly retries: number
  /** Longest one request may take, body included, before it counts as failed. */
  readonly requestTimeoutMs: number
  readonly backoff: Backoff
}

export const defaultSettings = {
  paths: "auto",
  ...defaultRates,
  maxWaitMs: 5 * 60_000,
  retries: 5,
  requestTimeoutMs: 120_000,
  backoff: { baseMs: 500, capMs: 30_000 }
} as const satisfies Partial<ApiSettings>

export const RemoteJob = Schema.Struct({
  job_id: Schema.String,
  // Kept open: statuses beyond the documented five (some clients see
  // CREATED, PENDING or RUNNING) mean "not finished yet".
  status: Schema.String,
  total_rows: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  error_code: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  created_at: Schema.String,
  expires_at: Schema.String,
  canceled_at: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
})
export type RemoteJob = typeof RemoteJob.Type

const CreatedJob = Schema.Struct({
  job_id: Schema.String,
  status: JobStatus,
  expires_at: Schema.String
})
export type CreatedJob = typeof CreatedJob.Type

const JobList = Schema.Struct({
  jobs: Schema.Array(RemoteJob),
  next_cursor: Schema.NullOr(Schema.String)
})
export type JobList = typeof JobList.Type

const ErrorBody = Schema.Struct({
  status: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(ApiIssue))
})

export interface PageRequest {
  readonly page: number
  readonly pageSize: number
  readonly format: ResultFormat
}

/** A results page whose rows arrive as a stream of JSON texts. */
export interface Page {
  /** The result count the page reports, if it reports one. */
  readonly total: number | undefined
  readonly page: number
  readonly pageSize: number
  readonly rows: Stream.Stream<string, ApiError>
}

const routes = {
  "query-jobs": {
    create: (r: Resource) => `/sequences/v1/${r}/query-jobs`,
    jobs: (r: Resource) => `/sequences/v1/${r}/query-jobs`
  },
  "jobs-query": {
    create: (r: Resource) => `/sequences/v1/${r}/jobs/query`,
    jobs: (r: Resource) => `/sequences/v1/${r}/jobs`
  }
} as const

/**
 * The rolling window the client counts in: a second plus a margin, because
 * the server counts arrivals and network jitter can bunch our starts.
 */
const WINDOW_MS = 1050

const other = (style: PathStyle): PathStyle => style === "query-jobs" ? "jobs-query" : "query-jobs"

export class UnifyApi extends Context.Tag("unify-explore/UnifyApi")<
  UnifyApi,
  Effect.Effect.Success<ReturnType<typeof make>>
>() {
  static layer = (settings: ApiSettings) => Layer.effect(UnifyApi, make(settings))
}

/** What went wrong on the wire, in words (the cause names e.g. ECONNREFUSED). */
const cause = (error: HttpClientError.HttpClientError) => {
  const inner = error.cause as { message?: string; code?: string; cause?: { code?: string; message?: string } } | undefined
  return inner?.cause?.code ?? inner?.code ?? inner?.cause?.message ?? inner?.message ?? error.description ?? error.reason
}

const transport = (operation: Operation) => (error: HttpClientError.HttpClientError) =>
  error._tag === "RequestError"
    ? new TransportError({ operation, detail: `${error.request.method} ${error.request.url}: ${cause(error)}` })
    : new TransportError({ operation, detail: `the answer to ${error.request.url} was cut off (${cause(error)})` })

const decode = <A, I>(schema: Schema.Schema<A, I>, operation: Operation) => (body: unknown) =>
  Schema.decodeUnknown(schema)(body).pipe(
    Effect.mapError((error) => new DecodeError({ operation, detail: error.message }))
  )

const readJson = (operation: Operation, response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.mapError(transport(operation)),
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: () =>
          new DecodeError({ operation, detail: `expected JSON, got ${JSON.stringify(text.slice(0, 120))}` })
      })
    )
  )

/** Turns a non-success answer into the documented error it stands for. */
const failure = (
  operation: Operation,
  response: HttpClientResponse.HttpClientResponse,
  context: { readonly path: string; readonly jobId?: string; readonly request?: PageRequest }
) =>
  Effect.gen(function*() {
    const body = yield* readJson(operation, response).pipe(
      Effect.flatMap(decode(ErrorBody, operation)),
      Effect.orElseSucceed(() => ({} as typeof ErrorBody.Type))
    )
    const detail = body.message ?? body.status ?? `HTTP ${response.status}`
    const jobId = context.jobId ?? ""
    const status = response.status
    if (status === 400) {
      return new BadRequestError({ operation, detail, errors: body.errors ?? [] })
    }
    if (status === 401 || status === 403) return new UnauthorizedError({ operation })
    if (status === 404) {
      return body.status === "not_found" && context.jobId !== undefined
        ? new NotFoundError({ operation, path: context.path, jobId: context.jobId })
        : new NotFoundError({ operation, path: context.path })
    }
    if (status === 409 && body.status === "job_not_cancelable") {
      return new JobNotCancelableError({ jobId, detail })
    }
    if (
      status === 409 &&
      (body.status === "results_not_ready" || body.status === "results_failed" ||
        body.status === "results_canceled")
    ) {
      return new ResultsUnavailableError({ jobId, reason: body.status, detail })
    }
    if (status === 410) return new ResultsExpiredError({ jobId })
    if (status === 413) {
      return new PageTooLargeError({
        jobId,
        page: context.request?.page ?? 0,
        pageSize: context.request?.pageSize ?? 0
      })
    }
    if (status === 429) {
      const now = yield* Clock.currentTimeMillis
      const header = Headers.get(response.headers, "retry-after")
      const retryAfterMs = Option.getOrElse(parseRetryAfter(Option.getOrUndefined(header), now), () => 1000)
      return new RateLimitedError({ operation, retryAfterMs })
    }
    if (status >= 500) return new ServerError({ operation, status, detail })
    return new DecodeError({ operation, detail: `unexpected HTTP ${status}: ${detail}` })
  })

const make = (settings: ApiSettings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const progress = yield* Progress
    const baseUrl = settings.baseUrl.replace(/\/+$/, "")
    const resolved = yield* Ref.make(Option.none<PathStyle>())
    const limiters: Record<Operation, RateLimiter.Limiter> = {
      create: (effect) => effect,
      status: yield* RateLimiter.make(settings.statusPerSecond, WINDOW_MS),
      list: (effect) => effect,
      results: yield* RateLimiter.make(settings.resultsPerSecond, WINDOW_MS),
      cancel: yield* RateLimiter.make(settings.cancelPerSecond, WINDOW_MS)
    }
    // Get and list share the API's one status budget.
    limiters.list = limiters.status

    const request = (method: "GET" | "POST", path: string) =>
      (method === "GET" ? HttpClientRequest.get : HttpClientRequest.post)(baseUrl + path).pipe(
        HttpClientRequest.setHeader("x-api-key", Redacted.value(settings.apiKey)),
        HttpClientRequest.setHeader("user-agent", "unify-explore")
      )

    /** Sends one request; a non-2xx answer becomes its typed error. */
    const send = (
      operation: Operation,
      req: HttpClientRequest.HttpClientRequest,
      context: { readonly path: string; readonly jobId?: string; readonly request?: PageRequest }
    ) =>
      client.execute(req).pipe(
        Effect.mapError(transport(operation)),
        Effect.tap((response) =>
          Effect.logDebug("api answer").pipe(
            Effect.annotateLogs({ operation, method: req.method, path: context.path, status: response.status })
          )
        ),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? Effect.succeed(response)
            : Effect.flatMap(failure(operation, response, context), Effect.fail)
        )
      )

    /**
     * Runs `attempt` under the operation's limiter, waiting out 429s (up to
     * `maxWaitMs` each) and retrying 5xx and transport failures with backoff.
     */
    const withPolicy = <A, E>(
      operation: Operation,
      resource: Resource,
      attempt: Effect.Effect<A, E | ApiError>
    ): Effect.Effect<A, E | ApiError | RateLimitWaitError> => {
      const timed = attempt.pipe(
        Effect.timeoutFail({
          duration: settings.requestTimeoutMs,
          onTimeout: () =>
            new TransportError({ operation, detail: `no complete answer within ${settings.requestTimeoutMs / 1000} s` })
        })
      )
      // A create that failed may still have made a job: retry it less.
      const retries = operation === "create" ? Math.min(settings.retries, 2) : settings.retries
      const loop = (failures: number): Effect.Effect<A, E | ApiError | RateLimitWaitError> =>
        limiters[operation](timed).pipe(
          Effect.catchIf(isRetryable, (error) =>
            Effect.gen(function*() {
              if (error._tag === "RateLimitedError") {
                if (error.retryAfterMs > settings.maxWaitMs) {
                  return yield* new RateLimitWaitError({
                    operation,
                    waitMs: error.retryAfterMs,
                    maxWaitMs: settings.maxWaitMs
                  })
                }
                yield* progress.waiting(resource, "rate limited", error.retryAfterMs)
                yield* Effect.sleep(error.retryAfterMs)
                return yield* loop(failures)
              }
              if (failures >= retries) return yield* Effect.fail(error)
              const delay = backoffDelay(settings.backoff, failures, yield* Random.next)
              yield* progress.waiting(resource, `${error.message}`, delay)
              yield* Effect.sleep(delay)
              return yield* loop(failures + 1)
            }))
        )
      return loop(0)
    }

    // === operations

    const createWith = (resource: Resource, filter: Filter | undefined, style: PathStyle) => {
      const path = routes[style].create(resource)
      const body = filter === undefined ? {} : { filter }
      return send("create", HttpClientRequest.bodyUnsafeJson(request("POST", path), body), { path }).pipe(
        Effect.flatMap((response) => readJson("create", response)),
        Effect.flatMap(decode(CreatedJob, "create"))
      )
    }

    /**
     * Creates a query job (spending one of the day's jobs). In `auto` mode a
     * 404 for the route itself means the other spelling; the one that
     * worked is returned so callers can remember it.
     */
    const createJob = Effect.fn("UnifyApi.createJob")(function*(resource: Resource, filter: Filter | undefined) {
      const known = yield* Ref.get(resolved)
      const first: PathStyle = settings.paths === "auto"
        ? Option.getOrElse(known, () => "query-jobs" as const)
        : settings.paths
      const attempt = (style: PathStyle) =>
        withPolicy("create", resource, createWith(resource, filter, style)).pipe(
          Effect.map((job) => ({ job, paths: style }))
        )
      const created = yield* attempt(first).pipe(
        Effect.catchIf(
          (error) => settings.paths === "auto" && error._tag === "NotFoundError",
          () => attempt(other(first))
        )
      )
      yield* Ref.set(resolved, Option.some(created.paths))
      return created
    })

    const getJob = (resource: Resource, jobId: string, style: PathStyle) => {
      const path = `${routes[style].jobs(resource)}/${encodeURIComponent(jobId)}`
      return withPolicy(
        "status",
        resource,
        send("status", request("GET", path), { path, jobId }).pipe(
          Effect.flatMap((response) => readJson("status", response)),
          Effect.flatMap(decode(RemoteJob, "status"))
        )
      )
    }

    const listJobs = (
      resource: Resource,
      style: PathStyle,
      query: { readonly cursor?: string; readonly limit?: number; readonly status?: JobStatus }
    ) => {
      const path = routes[style].jobs(resource)
      const params = Object.entries(query).filter(([, v]) => v !== undefined) as Array<[string, string]>
      return withPolicy(
        "list",
        resource,
        send("list", HttpClientRequest.setUrlParams(request("GET", path), params), { path }).pipe(
          Effect.flatMap((response) => readJson("list", response)),
          Effect.flatMap(decode(JobList, "list"))
        )
      )
    }

    /** Cancels an IN_PROGRESS job (only the query-jobs spelling documents cancel). */
    const cancelJob = (resource: Resource, jobId: string) => {
      const path = `${routes["query-jobs"].jobs(resource)}/${encodeURIComponent(jobId)}/cancel`
      return withPolicy(
        "cancel",
        resource,
        send("cancel", request("POST", path), { path, jobId }).pipe(
          Effect.flatMap((response) => readJson("cancel", response)),
          Effect.flatMap(decode(Schema.Struct({ job_id: Schema.String, status: JobStatus }), "cancel"))
        )
      )
    }

    const openPage = (resource: Resource, jobId: string, style: PathStyle, page: PageRequest) => {
      const path = `${routes[style].jobs(resource)}/${encodeURIComponent(jobId)}/results`
      const req = request("GET", path).pipe(
        HttpClientRequest.setUrlParams({ page: String(page.page), page_size: String(page.pageSize) }),
        HttpClientRequest.setHeader(
          "accept",
          page.format === "ndjson" ? "application/x-ndjson" : "application/json"
        )
      )
      return send("results", req, { path, jobId, request: page }).pipe(
        Effect.flatMap((response) =>
          page.format === "ndjson" ? ndjsonPage(response, page) : jsonPage(response, page)
        )
      )
    }

    /**
     * Fetches one results page and hands its rows to `consume`. The whole
     * exchange (request and reading the body) is what gets retried, so a
     * page cut off mid-body is fetched again, never half-used.
     */
    const fetchPage = <A, E>(
      resource: Resource,
      jobId: string,
      style: PathStyle,
      page: PageRequest,
      consume: (page: Page) => Effect.Effect<A, E>
    ) =>
      withPolicy<A, E>("results", resource, Effect.flatMap(openPage(resource, jobId, style, page), consume))

    /** In `auto` mode, try this spelling first (it worked before). */
    const rememberPaths = (style: PathStyle) =>
      settings.paths === "auto" ? Ref.set(resolved, Option.some(style)) : Effect.void

    return { createJob, getJob, listJobs, cancelJob, fetchPage, rememberPaths, baseUrl } as const
  })

const isRetryable = (error: unknown): error is RateLimitedError | ServerError | TransportError =>
  typeof error === "object" && error !== null && "_tag" in error &&
  (error._tag === "RateLimitedError" || error._tag === "ServerError" || error._tag === "TransportError")

const header = (response: HttpClientResponse.HttpClientResponse, name: string) =>
  Option.getOrUndefined(Headers.get(response.headers, name))

/**
 * The body's bytes, failing as a dropped connection when fewer arrive than
 * Content-Length promised: a body cut at a line boundary parses cleanly, and
 * only its length gives it away.
 */
const whole = (response: HttpClientResponse.HttpClientResponse) => {
  const promised = Number(header(response, "content-length") ?? Number.NaN)
  let received = 0
  return response.stream.pipe(
    Stream.mapError(transport("results")),
    Stream.tap((chunk) => Effect.sync(() => void (received += chunk.length))),
    Stream.concat(
      Stream.suspend(() =>
        Number.isFinite(promised) && received < promised
          ? Stream.fail(
            new TransportError({
              operation: "results",
              detail: `the answer was cut off after ${received} of ${promised} bytes`
            })
          )
          : Stream.empty
      )
    )
  )
}

const ndjsonPage = (response: HttpClientResponse.HttpClientResponse, request: PageRequest) =>
  Effect.gen(function*() {
    const given = header(response, "x-total")
    const total = given === undefined ? undefined : Number(given)
    if (total !== undefined && (!Number.isInteger(total) || total < 0)) {
      return yield* new DecodeError({
        operation: "results",
        detail: `the NDJSON answer has an unreadable x-total header (${given})`
      })
    }
    const rows = whole(response).pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.filter((line) => line.length > 0)
    )
    return {
      total,
      page: Number(header(response, "x-page") ?? request.page),
      pageSize: Number(header(response, "x-page-size") ?? request.pageSize),
      rows
    } satisfies Page
  })

const JsonEnvelope = Schema.Struct({
  total: Schema.optional(Schema.Number),
  page: Schema.optional(Schema.Number),
  page_size: Schema.optional(Schema.Number),
  data: Schema.Array(Schema.Unknown)
})

/** A JSON page: the envelope is decoded, the rows are cut out as sent. */
const jsonPage = (response: HttpClientResponse.HttpClientResponse, request: PageRequest) =>
  Effect.gen(function*() {
    const bytes = yield* Stream.runFold(whole(response), [] as Array<Uint8Array>, (all, chunk) => {
      all.push(chunk)
      return all
    })
    const text = Buffer.concat(bytes).toString("utf8")
    const envelope = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new DecodeError({ operation: "results", detail: "the JSON page is not valid JSON" })
    }).pipe(Effect.flatMap(decode(JsonEnvelope, "results")))
    const rows = rawDataRows(text)
    if (rows === undefined || rows.length !== envelope.data.length) {
      return yield* new DecodeError({ operation: "results", detail: "could not cut the rows out of the JSON page" })
    }
    return {
      total: envelope.total,
      page: envelope.page ?? request.page,
      pageSize: envelope.page_size ?? request.pageSize,
      rows: Stream.fromIterable(rows)
    } satisfies Page
  })
