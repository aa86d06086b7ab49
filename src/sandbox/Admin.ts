/**
 * What a test or demo does to the sandbox from outside the contract: read
 * counters, change rows, expire or fail jobs, move the clock. The same
 * functions back the `Sandbox` handle and the `/__sandbox/*` routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { isResource, type Resource } from "../domain/Resource.js"
import {
  isObject,
  readBody,
  sendBadRequest,
  sendError,
  sendJson,
  sendNoContent
} from "./Http.js"
import { noFaults } from "./Faults.js"
import type { SandboxStats } from "./Sandbox.js"
import type { State } from "./State.js"

export type AdminAction = "stats" | "touch" | "expire" | "advance" | "fail"

export interface AdminRoute {
  readonly kind: "admin"
  readonly action: AdminAction
  readonly jobId: string | undefined
}

export const statsOf = (state: State): SandboxStats => ({
  creations: [...state.creations],
  requests: { ...state.requests },
  rateLimited: state.rateLimited,
  faults: { ...(state.faults?.counts ?? noFaults()) }
})

const isCount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0

export const touch = (
  state: State,
  resource: Resource,
  count: number,
  added = 0
): ReadonlyArray<string> => {
  if (!isCount(count) || !isCount(added)) {
    throw new RangeError("count and added must be whole numbers ≥ 0")
  }
  if (
    resource === "enrollment-steps" && added > 0 &&
    state.data.entries("enrollments").length === 0
  ) {
    throw new RangeError("new steps need an enrollment to belong to")
  }
  return state.data.touch(resource, count, added, state.now())
}

/** The body as a JSON object, or a 400 sent and undefined returned. */
const objectBody = async (req: IncomingMessage, res: ServerResponse) => {
  const text = await readBody(req, 1024 * 1024)
  try {
    const value: unknown = JSON.parse(text === null || text === "" ? "{}" : text)
    if (isObject(value)) return value
  } catch {
    // Answered below, like any other body that is not an object.
  }
  const message = "The request body must be a JSON object."
  sendBadRequest(res, message, [{ code: "invalid_body", path: [], message }])
  return undefined
}

const invalidField = (res: ServerResponse, field: string, message: string) =>
  sendBadRequest(res, `Invalid ${field}: ${message}.`, [
    { code: "invalid_parameter", path: [field], message }
  ])

const touchRoute = async (
  state: State,
  req: IncomingMessage,
  res: ServerResponse
) => {
  const body = await objectBody(req, res)
  if (body === undefined) return
  const { added = 0, count, resource } = body
  if (!isResource(resource)) {
    const expected = "expected enrollments or enrollment-steps"
    return invalidField(res, "resource", expected)
  }
  if (!isCount(count)) return invalidField(res, "count", "expected a count")
  if (!isCount(added)) return invalidField(res, "added", "expected a count")
  try {
    sendJson(res, 200, { ids: touch(state, resource, count, added) })
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    invalidField(res, "added", error.message)
  }
}

const advanceRoute = async (
  state: State,
  req: IncomingMessage,
  res: ServerResponse
) => {
  const body = await objectBody(req, res)
  if (body === undefined) return
  const ms = body.ms
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    return invalidField(res, "ms", "expected milliseconds ≥ 0")
  }
  state.advance(ms)
  sendNoContent(res)
}

/** Expire or fail a job by id, whatever its resource. */
const jobRoute = async (
  state: State,
  route: AdminRoute,
  req: IncomingMessage,
  res: ServerResponse
) => {
  const id = route.jobId ?? ""
  let done: boolean
  if (route.action === "expire") {
    done = state.jobs.expire(id, state.now())
  } else {
    const body = await objectBody(req, res)
    if (body === undefined) return
    const code = typeof body.error_code === "string" ? body.error_code : null
    done = state.jobs.fail(id, code ?? "sandbox_failure")
  }
  if (done) return sendNoContent(res)
  sendError(res, 404, "not_found", `No query job with id "${id}".`)
}

export const handleAdmin = (
  state: State,
  route: AdminRoute,
  req: IncomingMessage,
  res: ServerResponse
): void | Promise<void> => {
  switch (route.action) {
    case "stats":
      return sendJson(res, 200, statsOf(state))
    case "touch":
      return touchRoute(state, req, res)
    case "advance":
      return advanceRoute(state, req, res)
    case "expire":
    case "fail":
      return jobRoute(state, route, req, res)
  }
}
