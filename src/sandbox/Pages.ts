/**
 * Results pages on the wire: a JSON envelope around lines serialized once
 * at generation, or NDJSON streamed with backpressure. With the
 * `dropConnection` fault a body is built whole, then cut: the headers
 * promise its full length and the socket closes early.
 */
import { Buffer } from "node:buffer"
import type { ServerResponse } from "node:http"
import type { Entry } from "./Data.js"
import type { Cutter } from "./Faults.js"
import { type Headers, sendError } from "./Http.js"

export interface Page {
  /** The page serves `rows[span[0]]` up to, not including, `span[1]`. */
  readonly rows: ReadonlyArray<Entry>
  readonly span: readonly [number, number]
  /** What `total` and `x-total` report: the job's row count. */
  readonly total: number
  readonly page: number
  readonly size: number
}

const COMMA = Buffer.from(",")
const NEWLINE = Buffer.from("\n")
const CLOSE = Buffer.from("]}")

const EMPTY = Buffer.alloc(0)

/** `open`, the rows' lines joined by `separator`, then `close`: one copy. */
const joined = (
  rows: ReadonlyArray<Entry>,
  [from, to]: readonly [number, number],
  [open, separator, close]: readonly [Buffer, Buffer, Buffer]
): Buffer => {
  const parts: Array<Buffer> = [open]
  let length = open.length + close.length
  for (let i = from; i < to; i++) {
    if (i > from) parts.push(separator)
    parts.push(rows[i]!.line)
    length += rows[i]!.line.length
  }
  length += separator.length * Math.max(0, to - from - 1)
  parts.push(close)
  return Buffer.concat(parts, length)
}

/**
 * The first `cut` bytes under headers that promise them all, then a closed
 * socket. The close waits for the bytes to leave, or they would be lost.
 */
const sendCut = (
  res: ServerResponse,
  headers: Headers,
  body: Buffer,
  cut: number
) => {
  res.writeHead(200, headers)
  res.write(body.subarray(0, cut), () => res.destroy())
}

export const sendJsonPage = (
  res: ServerResponse,
  page: Page,
  maxBytes: number,
  cutter?: Cutter
) => {
  const [from, to] = page.span
  const head = Buffer.from(
    `{"total":${page.total},"page":${page.page},` +
      `"page_size":${page.size},"data":[`
  )
  let bytes = head.length + CLOSE.length + Math.max(0, to - from - 1)
  for (let i = from; i < to; i++) bytes += page.rows[i]!.line.length
  if (bytes > maxBytes) {
    return sendError(
      res,
      413,
      "results_page_too_large",
      `This page would be ${bytes} bytes, over the ${maxBytes}-byte JSON ` +
        "limit; request a smaller page_size or use NDJSON."
    )
  }
  const body = joined(page.rows, page.span, [head, COMMA, CLOSE])
  const headers = {
    "content-type": "application/json",
    "content-length": body.length
  }
  const cut = cutter?.(body, false)
  if (cut !== undefined) return sendCut(res, headers, body, cut)
  res.writeHead(200, headers)
  res.end(body)
}

const drained = (res: ServerResponse) =>
  new Promise<void>((resolve) => {
    if (res.destroyed) return resolve()
    const done = () => {
      res.off("drain", done)
      res.off("close", done)
      resolve()
    }
    res.on("drain", done)
    res.on("close", done)
  })

/** Rows per write: big enough to be cheap, small enough to stream. */
const CHUNK_ROWS = 500

const ndjsonHeaders = (page: Page, length: number): Headers => ({
  "content-type": "application/x-ndjson",
  "content-length": length,
  "x-total": page.total,
  "x-page": page.page,
  "x-page-size": page.size
})

/** The whole NDJSON body, cut; false when it is too short to cut. */
const sentCut = (res: ServerResponse, page: Page, cutter: Cutter) => {
  if (page.span[0] === page.span[1]) return false
  const body = joined(page.rows, page.span, [EMPTY, NEWLINE, NEWLINE])
  const cut = cutter(body, true)
  if (cut === undefined) return false
  sendCut(res, ndjsonHeaders(page, body.length), body, cut)
  return true
}

/** One line per row, written in chunks that respect backpressure. */
export const streamNdjson = async (
  res: ServerResponse,
  page: Page,
  cutter?: Cutter
) => {
  if (cutter !== undefined && sentCut(res, page, cutter)) return
  const { rows, span: [from, to] } = page
  let length = 0
  for (let i = from; i < to; i++) length += rows[i]!.line.length + 1
  res.writeHead(200, ndjsonHeaders(page, length))
  for (let i = from; i < to && !res.destroyed; i += CHUNK_ROWS) {
    const end = Math.min(i + CHUNK_ROWS, to)
    // Each line ends in a newline, the chunk's last one included.
    const chunk = joined(rows, [i, end], [EMPTY, NEWLINE, NEWLINE])
    if (!res.write(chunk)) {
      await drained(res)
    }
  }
  res.end()
}
