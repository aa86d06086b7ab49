/**
 * A bare HTTP client for the sandbox tests: real requests with `fetch` to
 * 127.0.0.1, no product code in between.
 */
import { afterEach } from "@effect/vitest"
import {
  type Sandbox,
  type SandboxOptions,
  startSandbox
} from "../../src/sandbox/Sandbox.js"

/** A fixed "now" after all generated data (2026-12-01T00:00:00Z). */
export const NOW = Date.UTC(2026, 11, 1)

export const HOUR = 60 * 60 * 1000

/**
 * A small sandbox on a frozen clock; jobs finish at once and rate limits
 * are off unless a test asks (a frozen second would fill up quickly).
 */
export const start = (options: SandboxOptions = {}): Promise<Sandbox> =>
  startSandbox({
    enrollments: 60,
    jobDelayMs: 0,
    rateLimits: false,
    now: () => NOW,
    ...options
  })

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export const request = async (
  sandbox: Sandbox,
  method: string,
  path: string,
  init: {
    readonly body?: unknown
    readonly raw?: string
    readonly headers?: Record<string, string>
  } = {}
): Promise<Answer> => {
  const body = init.raw ??
    (init.body === undefined ? undefined : JSON.stringify(init.body))
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "x-api-key": sandbox.apiKey, ...init.headers },
    ...(body === undefined ? {} : { body })
  })
  const text = await response.text()
  const type = response.headers.get("content-type") ?? ""
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: type.startsWith("application/json") && text !== ""
      ? JSON.parse(text)
      : undefined
  }
}

export type Resource = "enrollments" | "enrollment-steps"

export const base = (resource: Resource = "enrollments") =>
  `/sequences/v1/${resource}/query-jobs`

/** Creates a job and returns its id (fails the test on anything but 201). */
export const createJob = async (
  sandbox: Sandbox,
  body?: unknown,
  resource: Resource = "enrollments"
): Promise<string> => {
  const answer = await request(sandbox, "POST", base(resource), { body })
  if (answer.status !== 201) {
    throw new Error(`create answered ${answer.status}: ${answer.text}`)
  }
  return answer.json.job_id
}

/** Every row of a finished job, page by page, as served lines. */
export const allLines = async (
  sandbox: Sandbox,
  jobId: string,
  format: "json" | "ndjson",
  pageSize: number,
  resource: Resource = "enrollments"
): Promise<Array<string>> => {
  const lines: Array<string> = []
  for (let page = 1; ; page++) {
    const answer = await request(
      sandbox,
      "GET",
      `${base(resource)}/${jobId}/results?page=${page}&page_size=${pageSize}`,
      format === "ndjson"
        ? { headers: { accept: "application/x-ndjson" } }
        : {}
    )
    if (answer.status !== 200) throw new Error(answer.text)
    const rows = format === "ndjson"
      ? answer.text.split("\n").slice(0, -1)
      : (answer.json.data as Array<unknown>).map((row) => JSON.stringify(row))
    lines.push(...rows)
    if (rows.length < pageSize) return lines
  }
}

/** A `sandbox(options)` whose servers are closed after each test. */
export const sandboxPerTest = () => {
  const running: Array<Sandbox> = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()))
  })
  return async (options: SandboxOptions = {}) => {
    const s = await start(options)
    running.push(s)
    return s
  }
}
