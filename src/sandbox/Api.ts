/**
 * The five query-job operations: create, list, get, cancel and results.
 * Routing, authentication, the status/results/cancel rate limits and the
 * fault 429s and 5xx happen before these run (see `Sandbox.ts`); create
 * admits itself, because only a job actually created spends one of the
 * day's creations. The faults that need a job (forgotten, expired early,
 * short pages, cut bodies) happen here.
 */
import { Buffer } from "node:buffer"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Filter from "../domain/Filter.js"
import {
  JobStatus,
  pageSizeLimit,
  type Resource
} from "../domain/Resource.js"
import type { Faults } from "./Faults.js"
import {
  type BadRequestError,
  integerParam,
  isObject,
  pathSegments,
  readBody,
  sendBadRequest,
  sendError,
  sendJson
} from "./Http.js"
import type { Job } from "./Jobs.js"
import { compile } from "./Matcher.js"
import { type Page, sendJsonPage, streamNdjson } from "./Pages.js"
import { retryAfterSeconds } from "./RateLimit.js"
import type { SandboxRateLimits } from "./Sandbox.js"
import type { Operation, State } from "./State.js"

export interface ApiRoute {
  readonly kind: "api"
  readonly op: Operation
  readonly resource: Resource
  readonly jobId: string | undefined
}

type Handler = (
  state: State,
  route: ApiRoute,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams
) => void | Promise<void>

/** Create bodies carry a filter; 10 MiB leaves room for huge `id.in` sets. */
const MAX_BODY_BYTES = 10 * 1024 * 1024

/** The window each operation draws from and the setting that sizes it. */
const RATES: Record<Operation, {
  readonly window: "create" | "status" | "results" | "cancel"
  readonly setting: keyof SandboxRateLimits
  readonly unit: string
}> = {
  create: {
    window: "create",
    setting: "createPerDay",
    unit: "query jobs created per rolling 24 hours"
  },
  status: {
    window: "status",
    setting: "statusPerSecond",
    unit: "job status requests per second"
  },
  list: {
    window: "status",
    setting: "statusPerSecond",
    unit: "job status requests per second"
  },
  results: {
    window: "results",
    setting: "resultsPerSecond",
    unit: "results requests per second"
  },
  cancel: {
    window: "cancel",
    setting: "cancelPerSecond",
    unit: "cancel requests per second"
  }
}

/**
 * Answers 429 when the operation's window is full, and reports whether it
 * did. With `admit`, a request let through takes its slot.
 */
export const rejectIfLimited = (
  state: State,
  op: Operation,
  res: ServerResponse,
  admit: boolean
): boolean => {
  if (state.limits === null) return false
  const rate = RATES[op]
  const window = state.limits[rate.window]
  const now = state.now()
  const wait = window.wait(now)
  if (wait === 0) {
    if (admit) window.admit(now)
    return false
  }
  state.rateLimited++
  const seconds = retryAfterSeconds(wait)
  const limit = state.limits.settings[rate.setting]
  sendError(
    res,
    429,
    "rate_limited",
    `Rate limit reached: at most ${limit} ${rate.unit}. ` +
      `Retry after ${seconds} s.`,
    { "retry-after": seconds }
  )
  return true
}

const notFound = (res: ServerResponse, route: ApiRoute) =>
  sendError(
    res,
    404,
    "not_found",
    `No ${route.resource} query job with id "${route.jobId}".`
  )

/** The `forgetJob` fault strikes get-job and results calls. */
const forgotten = (state: State, route: ApiRoute, job: Job) => {
  const faults = state.faults
  if (faults === null || (route.op !== "status" && route.op !== "results")) {
    return false
  }
  if (!faults.forgets(route.op, state.requests[route.op])) return false
  state.jobs.forget(job)
  return true
}

/** The route's job, or a 404 sent (another resource's job included). */
const findJob = (
  state: State,
  route: ApiRoute,
  res: ServerResponse
): Job | undefined => {
  const job = state.jobs.find(route.resource, route.jobId ?? "")
  if (job === undefined || forgotten(state, route, job)) {
    notFound(res, route)
    return undefined
  }
  return job
}

// ---------------------------------------------------------------------------
// Create

type CreateBody =
  | {
    readonly ok: true
    readonly body: unknown
    readonly filter?: Filter.Filter
  }
  | {
    readonly ok: false
    readonly message: string
    readonly errors: ReadonlyArray<BadRequestError>
  }

const invalid = (
  message: string,
  errors: ReadonlyArray<BadRequestError>
): CreateBody => ({ ok: false, message, errors })

const filterErrors = (issues: ReadonlyArray<Filter.FilterIssue>) => {
  const first = issues[0]!
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""
  return invalid(
    `Invalid filter: ${first.path}: ${first.message}${more}.`,
    issues.map((issue) => ({
      code: "invalid_filter",
      path: pathSegments(issue.path),
      message: issue.message
    }))
  )
}

const parseJson = (text: string): { value: unknown } | { error: string } => {
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

/** An empty body (or `{}`) asks for every row. */
const parseCreateBody = (resource: Resource, text: string): CreateBody => {
  if (text.trim() === "") return { ok: true, body: null }
  const parsed = parseJson(text)
  if ("error" in parsed) {
    return invalid("The request body is not valid JSON.", [
      { code: "invalid_json", path: [], message: parsed.error }
    ])
  }
  const body = parsed.value
  if (!isObject(body)) {
    return invalid("The request body must be a JSON object.", [
      { code: "invalid_body", path: [], message: "expected an object" }
    ])
  }
  const unknown = Object.keys(body).filter((key) => key !== "filter")
  if (unknown.length > 0) {
    return invalid(
      `Unknown request body key "${unknown[0]}"; the only key is "filter".`,
      unknown.map((key) => ({
        code: "unknown_key",
        path: [key],
        message: `unknown key "${key}"; valid keys: filter`
      }))
    )
  }
  if (!("filter" in body)) return { ok: true, body }
  const result = Filter.validate(resource, body.filter)
  return result._tag === "Left"
    ? filterErrors(result.left)
    : { ok: true, body, filter: result.right }
}

const create: Handler = async (state, route, req, res) => {
  const text = await readBody(req, MAX_BODY_BYTES)
  if (text === null) {
    const message = "The request body is larger than 10 MiB."
    return sendBadRequest(res, message, [
      { code: "body_too_large", path: [], message }
    ])
  }
  const parsed = parseCreateBody(route.resource, text)
  if (!parsed.ok) return sendBadRequest(res, parsed.message, parsed.errors)

  // The body took a while: another creation may have taken the last slot.
  if (rejectIfLimited(state, "create", res, true)) return
  const now = state.now()
  const job = state.jobs.create(
    route.resource,
    state.data.entries(route.resource),
    compile(route.resource, parsed.filter),
    now
  )
  state.creations.push({
    resource: route.resource,
    jobId: job.id,
    body: parsed.body,
    at: now
  })
  sendJson(res, 201, {
    job_id: job.id,
    status: "IN_PROGRESS",
    expires_at: new Date(job.expiresAt).toISOString()
  })
}

// ---------------------------------------------------------------------------
// List, get, cancel

const CURSOR_PREFIX = "jobs-before:"

const encodeCursor = (seq: number) =>
  Buffer.from(`${CURSOR_PREFIX}${seq}`).toString("base64url")

const decodeCursor = (text: string): number | undefined => {
  const decoded = Buffer.from(text, "base64url").toString("utf8")
  const match = /^jobs-before:(\d{1,15})$/.exec(decoded)
  return match === null ? undefined : Number(match[1])
}

const isJobStatus = (text: string): text is JobStatus =>
  (JobStatus.literals as ReadonlyArray<string>).includes(text)

const listQuery = (query: URLSearchParams) => {
  const errors: Array<BadRequestError> = []
  const limit = integerParam(query, "limit", 100)
  if (limit === undefined || limit < 1 || limit > 100) {
    errors.push({
      code: "invalid_parameter",
      path: ["limit"],
      message: "limit must be an integer from 1 to 100"
    })
  }
  const status = query.get("status") ?? undefined
  if (status !== undefined && !isJobStatus(status)) {
    errors.push({
      code: "invalid_parameter",
      path: ["status"],
      message: `status must be one of ${JobStatus.literals.join(", ")}`
    })
  }
  const cursor = query.get("cursor")
  const before = cursor === null ? undefined : decodeCursor(cursor)
  if (cursor !== null && before === undefined) {
    errors.push({
      code: "invalid_parameter",
      path: ["cursor"],
      message: "cursor is not one this server returned"
    })
  }
  return {
    errors,
    query: {
      limit: limit ?? 100,
      status: status as JobStatus | undefined,
      before
    }
  }
}

const list: Handler = (state, route, _req, res, params) => {
  const { errors, query } = listQuery(params)
  if (errors.length > 0) {
    return sendBadRequest(res, "Invalid query parameters.", errors)
  }
  const now = state.now()
  const page = state.jobs.list(route.resource, now, query)
  sendJson(res, 200, {
    jobs: page.jobs.map((job) => state.jobs.view(job, now)),
    next_cursor: page.before === null ? null : encodeCursor(page.before)
  })
}

const get: Handler = (state, route, _req, res) => {
  const job = findJob(state, route, res)
  if (job !== undefined) sendJson(res, 200, state.jobs.view(job, state.now()))
}

const cancel: Handler = (state, route, _req, res) => {
  const job = findJob(state, route, res)
  if (job === undefined) return
  const now = state.now()
  if (state.jobs.cancel(job, now)) {
    return sendJson(res, 200, { job_id: job.id, status: "CANCELED" })
  }
  sendError(
    res,
    409,
    "job_not_cancelable",
    `Job ${job.id} is ${state.jobs.statusOf(job, now)}; ` +
      "only IN_PROGRESS jobs can be canceled."
  )
}

// ---------------------------------------------------------------------------
// Results

interface PageQuery {
  readonly ndjson: boolean
  readonly page: number
  readonly size: number
}

const wantsNdjson = (req: IncomingMessage) =>
  (req.headers.accept ?? "").toLowerCase().includes("application/x-ndjson")

/**
 * The docs do not say whether a page_size over the format's maximum is a
 * 400 or a 413. We answer 400 naming `page_size`, like any other bad
 * parameter, and keep 413 for a JSON page whose bytes exceed the 8 MiB cap.
 */
const pageQuery = (req: IncomingMessage, query: URLSearchParams) => {
  const ndjson = wantsNdjson(req)
  const max = ndjson ? pageSizeLimit.ndjson : pageSizeLimit.json
  const errors: Array<BadRequestError> = []
  const page = integerParam(query, "page", 1)
  if (page === undefined || page < 1) {
    errors.push({
      code: "invalid_parameter",
      path: ["page"],
      message: "page must be an integer of at least 1"
    })
  }
  const size = integerParam(query, "page_size", 1000)
  if (size === undefined || size < 1 || size > max) {
    errors.push({
      code: "invalid_parameter",
      path: ["page_size"],
      message: `page_size must be an integer from 1 to ${max} for ${
        ndjson ? "NDJSON" : "JSON"
      } results`
    })
  }
  return { errors, query: { ndjson, page: page ?? 1, size: size ?? 1 } }
}

/** Why a job has no results yet (or any more), by status. */
const UNREADY = {
  IN_PROGRESS: [
    409,
    "results_not_ready",
    "is still in progress; poll it until it is FINISHED."
  ],
  FAILED: [409, "results_failed", "failed and has no results."],
  CANCELED: [409, "results_canceled", "was canceled and has no results."],
  EXPIRED: [410, "results_expired", "has expired; create a new job."]
} as const

/** `expireAfterResultCalls`: this call is one too many for the job. */
const expireIfDue = (state: State, faults: Faults, job: Job) => {
  const now = state.now()
  if (state.jobs.statusOf(job, now) !== "FINISHED") return
  if (faults.expiresNow(job.id)) state.jobs.expire(job.id, now)
}

/** Sends the 409/410 for a job without results; true if it did. */
const rejectUnready = (state: State, job: Job, res: ServerResponse) => {
  const status = state.jobs.statusOf(job, state.now())
  if (status === "FINISHED") return false
  const [code, name, reason] = UNREADY[status]
  sendError(res, code, name, `Job ${job.id} ${reason}`)
  return true
}

/**
 * The page's rows: with the `shortPage` fault one of them is left out,
 * while `total` still counts it.
 */
const pageOf = (state: State, job: Job, query: PageQuery): Page => {
  const rows = job.rows
  const from = Math.min((query.page - 1) * query.size, rows.length)
  const to = Math.min(from + query.size, rows.length)
  const base = { total: rows.length, page: query.page, size: query.size }
  const left = state.faults?.shortPage(job.seq, from, to)
  if (left === undefined) return { ...base, rows, span: [from, to] }
  const kept = rows.slice(from, to)
  kept.splice(left - from, 1)
  return { ...base, rows: kept, span: [0, kept.length] }
}

const results: Handler = async (state, route, req, res, params) => {
  const { errors, query } = pageQuery(req, params)
  if (errors.length > 0) {
    return sendBadRequest(res, "Invalid results page parameters.", errors)
  }
  const job = findJob(state, route, res)
  if (job === undefined) return
  if (state.faults !== null) expireIfDue(state, state.faults, job)
  if (rejectUnready(state, job, res)) return

  const page = pageOf(state, job, query)
  const cutter = state.faults?.dropConnection(state.requests.results)
  return query.ndjson
    ? streamNdjson(res, page, cutter)
    : sendJsonPage(res, page, state.config.maxJsonBytes, cutter)
}

export const handlers: Record<Operation, Handler> = {
  create,
  list,
  status: get,
  cancel,
  results
}
