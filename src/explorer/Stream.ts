/**
 * Rows to an output stream with backpressure: text is flushed in chunks and
 * the loop waits for `drain`, so memory stays flat however many rows come.
 */
import type { Value, Writer } from "./Formats.js"

const CHUNK = 64 * 1024

export interface Streamed {
  readonly rows: number
  /** True when `maxRows` cut the result short. */
  readonly capped: boolean
  /** True when the reader went away (e.g. `| head`). */
  readonly closed: boolean
}

/** Whether the stream's reader has gone (EPIPE), remembered per stream. */
const closedStreams = new WeakSet<NodeJS.WritableStream>()

export const watchClosed = (out: NodeJS.WritableStream) => {
  out.on("error", () => closedStreams.add(out))
}

/** Resolves on `drain`, or on `error` (which `watchClosed` records). */
const drained = (out: NodeJS.WritableStream) =>
  new Promise<void>((resolve) => {
    const done = () => {
      out.off("drain", done)
      out.off("error", done)
      resolve()
    }
    out.on("drain", done)
    out.on("error", done)
  })

export const writeRows = async (
  rows: Iterable<ReadonlyArray<Value>>,
  writer: Writer,
  out: NodeJS.WritableStream,
  maxRows = Number.POSITIVE_INFINITY,
  cancelled: () => boolean = () => false
): Promise<Streamed> => {
  let count = 0
  let buffer = ""
  let capped = false
  const flush = async () => {
    if (buffer.length === 0) return
    let ok: boolean
    try {
      ok = out.write(buffer)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw error
      closedStreams.add(out)
      ok = true
    }
    buffer = ""
    if (!ok && !closedStreams.has(out)) await drained(out)
  }
  for (const row of rows) {
    if (count >= maxRows) {
      capped = true
      break
    }
    buffer += writer.row(row)
    count++
    if (buffer.length >= CHUNK) {
      await flush()
      if (closedStreams.has(out) || cancelled()) return { rows: count, capped, closed: closedStreams.has(out) }
    }
  }
  buffer += writer.end(count)
  await flush()
  return { rows: count, capped, closed: closedStreams.has(out) }
}
