/**
 * A local Bulk API on 127.0.0.1 that keeps the documented contract: both
 * path spellings, the job lifecycle, JSON and NDJSON results, the error
 * bodies and the per-operation rate limits. It backs the offline demo, the
 * integration tests and the benchmark, and imports no client code, so a
 * client bug cannot hide behind the same bug on the server. An optional
 * fault profile (`Faults.ts`) breaks it on purpose, reproducibly.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse
} from "node:http"
import type { AddressInfo } from "node:net"
import { isResource, type Resource } from "../domain/Resource.js"
import {
  type AdminAction,
  type AdminRoute,
  handleAdmin,
  statsOf,
  touch
} from "./Admin.js"
import { type ApiRoute, handlers, rejectIfLimited } from "./Api.js"
import type { FaultCounts, FaultProfile } from "./Faults.js"
import { sendError } from "./Http.js"
import { makeState, type Operation, type State } from "./State.js"

export interface SandboxOptions {
  /** Default 0: an ephemeral port. The host is always 127.0.0.1. */
  readonly port?: number
  /** Default "sandbox-key"; every request sends it as `X-Api-Key`. */
  readonly apiKey?: string
  /** Default 1000; each enrollment gets 1–6 steps. */
  readonly enrollments?: number
  /** Default 1; the same seed gives byte-identical data. */
  readonly seed?: number
  /** Default 300: how long (sandbox clock) a job stays IN_PROGRESS. */
  readonly jobDelayMs?: number
  /** false turns limits off (benchmarks); default the documented ones. */
  readonly rateLimits?: false | Partial<SandboxRateLimits>
  /** Which path spellings are served; default both. */
  readonly paths?: ReadonlyArray<"query-jobs" | "jobs-query">
  /** Default false; true serves the `/__sandbox/*` admin routes. */
  readonly admin?: boolean
  /** Default "shuffled" (seeded per job): clients must not rely on order. */
  readonly order?: "shuffled" | "updated-desc"
  /** Clock in ms; default Date.now. */
  readonly now?: () => number
  /** Default 8 MiB (the guide's JSON payload cap); lower it in tests. */
  readonly maxJsonBytes?: number
  /**
   * Default none: the contract, nothing more. A profile adds seeded,
   * reproducible faults (see `FaultProfile`); an invalid one throws.
   */
  readonly faults?: FaultProfile
}

export { parseFaultProfile } from "./Faults.js"
export type {
  FaultCounts,
  FaultName,
  FaultProfile,
  PerOperation
} from "./Faults.js"

export interface SandboxRateLimits {
  /** Default 100, rolling 24 h, per account across both resources. */
  readonly createPerDay: number
  /** Default 10 (get job + list jobs). */
  readonly statusPerSecond: number
  /** Default 5. */
  readonly resultsPerSecond: number
  /** Default 1. */
  readonly cancelPerSecond: number
}

export interface SandboxRecord {
  readonly id: string
  readonly updated_at: string
  /** The exact JSON text served for the row. */
  readonly line: string
}

export interface SandboxCreation {
  readonly resource: Resource
  readonly jobId: string
  /** The parsed request body, or null when there was none. */
  readonly body: unknown
  readonly at: number
}

export interface SandboxStats {
  readonly creations: ReadonlyArray<SandboxCreation>
  readonly requests: {
    readonly create: number
    readonly status: number
    readonly list: number
    readonly results: number
    readonly cancel: number
  }
  /** Refusals by the real rate limits (fault 429s count in `faults`). */
  readonly rateLimited: number
  /** How often each fault fired; all 0 without a profile. */
  readonly faults: FaultCounts
}

export interface Sandbox {
  /** e.g. "http://127.0.0.1:40123" (no trailing slash). */
  readonly url: string
  readonly port: number
  readonly apiKey: string
  /** Current data, in no particular order. */
  records(resource: Resource): ReadonlyArray<SandboxRecord>
  /**
   * Changes `count` existing records (some fields, and `updated_at` = the
   * sandbox clock now, strictly later than every existing `updated_at`)
   * and adds `added` new ones; returns the ids changed or added.
   */
  touch(resource: Resource, count: number, added?: number): ReadonlyArray<string>
  stats(): SandboxStats
  /** The job becomes EXPIRED now (results answer 410 results_expired). */
  expireJob(jobId: string): void
  /** The job becomes FAILED with this `error_code` (default "sandbox_failure"). */
  failJob(jobId: string, errorCode?: string): void
  /** Shifts the sandbox clock forward (expiry, job delay, rate windows). */
  advanceClock(ms: number): void
  close(): Promise<void>
}

// ---------------------------------------------------------------------------
// Routing

type Route = ApiRoute | AdminRoute

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const api = (
  op: Operation,
  resource: Resource,
  jobId?: string
): ApiRoute => ({ kind: "api", op, resource, jobId: jobId && decode(jobId) })

/** `/query-jobs`, `/query-jobs/{id}`, `/query-jobs/{id}/cancel|results`. */
const queryJobs = (method: string, resource: Resource, rest: Array<string>) => {
  const [, id, action] = rest
  if (rest.length === 1) {
    if (method === "POST") return api("create", resource)
    if (method === "GET") return api("list", resource)
  }
  if (rest.length === 2 && method === "GET") return api("status", resource, id)
  if (rest.length === 3 && action === "cancel" && method === "POST") {
    return api("cancel", resource, id)
  }
  if (rest.length === 3 && action === "results" && method === "GET") {
    return api("results", resource, id)
  }
  return undefined
}

/** The old guide's `/jobs/query`, `/jobs`, `/jobs/{id}[/results]`. */
const oldJobs = (method: string, resource: Resource, rest: Array<string>) => {
  const [, id, action] = rest
  if (rest.length === 1 && method === "GET") return api("list", resource)
  if (rest.length === 2 && id === "query" && method === "POST") {
    return api("create", resource)
  }
  if (rest.length === 2 && method === "GET") return api("status", resource, id)
  if (rest.length === 3 && action === "results" && method === "GET") {
    return api("results", resource, id)
  }
  return undefined
}

const ADMIN: Record<string, { method: string; action: AdminAction }> = {
  stats: { method: "GET", action: "stats" },
  touch: { method: "POST", action: "touch" },
  advance: { method: "POST", action: "advance" },
  expire: { method: "POST", action: "expire" },
  fail: { method: "POST", action: "fail" }
}

const adminRoute = (method: string, rest: Array<string>) => {
  const entry = ADMIN[rest[0] ?? ""]
  if (entry === undefined || entry.method !== method) return undefined
  const takesJob = entry.action === "expire" || entry.action === "fail"
  if (rest.length !== (takesJob ? 2 : 1)) return undefined
  const jobId = takesJob ? decode(rest[1]!) : undefined
  return { kind: "admin", action: entry.action, jobId } satisfies AdminRoute
}

const routeOf = (
  state: State,
  method: string,
  pathname: string
): Route | undefined => {
  const segments = pathname.split("/")
  if (segments[0] !== "") return undefined
  if (segments[1] === "__sandbox") {
    return state.config.admin
      ? adminRoute(method, segments.slice(2))
      : undefined
  }
  const resource = segments[3]
  if (
    segments[1] !== "sequences" || segments[2] !== "v1" ||
    !isResource(resource)
  ) return undefined
  const rest = segments.slice(4)
  const { paths } = state.config
  if (rest[0] === "query-jobs" && paths.has("query-jobs")) {
    return queryJobs(method, resource, rest)
  }
  if (rest[0] === "jobs" && paths.has("jobs-query")) {
    return oldJobs(method, resource, rest)
  }
  return undefined
}

// ---------------------------------------------------------------------------
// Serving

const dispatch = async (
  state: State,
  req: IncomingMessage,
  res: ServerResponse
) => {
  const url = req.url ?? "/"
  const q = url.indexOf("?")
  const pathname = q < 0 ? url : url.slice(0, q)
  const method = req.method ?? "GET"

  if (req.headers["x-api-key"] !== state.config.apiKey) {
    return sendError(
      res,
      401,
      "unauthorized",
      "Missing or invalid API key; send it in the X-Api-Key header."
    )
  }
  const route = routeOf(state, method, pathname)
  if (route === undefined) {
    return sendError(res, 404, "not_found", `no route for ${method} ${pathname}`)
  }
  if (route.kind === "admin") return handleAdmin(state, route, req, res)

  state.requests[route.op]++
  // Create only looks here; it takes a slot once a job really exists.
  if (rejectIfLimited(state, route.op, res, route.op !== "create")) return
  const n = state.requests[route.op]
  if (state.faults?.intercept(route.op, n, res, state.now())) return
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1))
  return handlers[route.op](state, route, req, res, query)
}

/** A failure inside a handler is a 500 that leaks nothing. */
const serve = (state: State) => (req: IncomingMessage, res: ServerResponse) =>
  dispatch(state, req, res).catch(() => {
    // Mid-stream there is no status left to send: cut the response short.
    if (res.headersSent) return void res.destroy()
    sendError(res, 500, "error", "internal error")
  })

const listen = (state: State, port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer(serve(state))
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve(server)
    })
  })

export const startSandbox = async (
  options: SandboxOptions = {}
): Promise<Sandbox> => {
  const state = makeState(options)
  const server = await listen(state, options.port ?? 0)
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    apiKey: state.config.apiKey,
    records: (resource) =>
      state.data.entries(resource).map(({ id, line, updated_at }) => ({
        id,
        updated_at,
        line: line.toString("utf8")
      })),
    touch: (resource, count, added) => touch(state, resource, count, added),
    stats: () => statsOf(state),
    expireJob: (jobId) => {
      if (!state.jobs.expire(jobId, state.now())) {
        throw new Error(`no query job with id ${jobId}`)
      }
    },
    failJob: (jobId, errorCode = "sandbox_failure") => {
      if (!state.jobs.fail(jobId, errorCode)) {
        throw new Error(`no query job with id ${jobId}`)
      }
    },
    advanceClock: (ms) => state.advance(ms),
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive sockets would hold `close` open until they time out.
        server.closeAllConnections()
      }))
  }
}
