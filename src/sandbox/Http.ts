/**
 * The little HTTP the sandbox needs on top of `node:http`: JSON answers with
 * a length (keep-alive friendly), the contract's error envelope, bodies read
 * with a cap, and query parameters checked the same way everywhere.
 */
import { Buffer } from "node:buffer"
import type { IncomingMessage, ServerResponse } from "node:http"

export type Headers = Record<string, string | number>

/** One entry of a 400's `errors`: a code and where the problem is. */
export interface BadRequestError {
  readonly code: string
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/** Sends text already serialized as JSON. */
export const sendRaw = (
  res: ServerResponse,
  status: number,
  body: string,
  headers: Headers = {}
): void => {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers
  })
  res.end(body)
}

export const sendJson = (
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Headers = {}
): void => sendRaw(res, status, JSON.stringify(value), headers)

/** The contract's error envelope: `{status, message}` plus any extras. */
export const sendError = (
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  headers: Headers = {}
): void => sendJson(res, code, { status, message }, headers)

export const sendBadRequest = (
  res: ServerResponse,
  message: string,
  errors: ReadonlyArray<BadRequestError>
): void => sendJson(res, 400, { status: "bad_request", message, errors })

export const sendNoContent = (res: ServerResponse): void => {
  res.writeHead(204)
  res.end()
}

/** The body as text, or null when it is larger than `limit` bytes. */
export const readBody = (
  req: IncomingMessage,
  limit: number
): Promise<string | null> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      // Past the cap keep draining, so the connection can answer at all.
      if (size <= limit) chunks.push(chunk)
    })
    req.on("end", () =>
      resolve(size > limit ? null : Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** A whole number parameter: the fallback when absent, undefined if not. */
export const integerParam = (
  query: URLSearchParams,
  name: string,
  fallback: number
): number | undefined => {
  const text = query.get(name)
  if (text === null) return fallback
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

/** `filter.id.in[0]` → `["filter", "id", "in", 0]`. */
export const pathSegments = (path: string): Array<string | number> =>
  Array.from(
    path.matchAll(/\[(\d+)\]|[^.[\]]+/g),
    (m) => (m[1] === undefined ? m[0] : Number(m[1]))
  )

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
