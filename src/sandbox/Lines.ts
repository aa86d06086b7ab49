/**
 * Row serialization, once per row version, straight to UTF-8. The output is
 * exactly `JSON.stringify(row)` (a test holds it to that), but the text of
 * shared objects (mailboxes, people, plays, sequences: most of a row) is
 * encoded once and copied, and lines live in large slabs instead of one
 * small buffer each. Together that halves the cost of generating rows.
 */
import { Buffer } from "node:buffer"
import type { EnrollmentRow, Flags, StepRow } from "./Rows.js"

export interface Lines {
  readonly enrollment: (row: EnrollmentRow) => Buffer
  readonly step: (row: StepRow) => Buffer
}

const SLAB_BYTES = 4 * 1024 * 1024

const json = JSON.stringify

const flags = (row: Flags) =>
  `"is_blocked":${row.is_blocked},"is_bounced":${row.is_bounced},` +
  `"is_canceled":${row.is_canceled},"is_opted_out":${row.is_opted_out},` +
  `"is_paused":${row.is_paused},"is_replied":${row.is_replied}`

/**
 * Appends each line to the current slab; a line that outgrows the slab
 * moves, with what it has so far, to a fresh one.
 */
const makeWriter = () => {
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
  let start = 0
  let end = 0

  const reserve = (bytes: number) => {
    if (end + bytes <= slab.length) return
    const size = Math.max(SLAB_BYTES, 2 * (end - start + bytes))
    const next = Buffer.allocUnsafeSlow(size)
    next.set(slab.subarray(start, end), 0)
    slab = next
    end -= start
    start = 0
  }

  return {
    text: (text: string) => {
      reserve(text.length * 3)
      end += slab.write(text, end)
    },
    bytes: (bytes: Buffer) => {
      reserve(bytes.length)
      slab.set(bytes, end)
      end += bytes.length
    },
    /** The line written since the last `done`, as its own view. */
    done: (): Buffer => {
      const line = slab.subarray(start, end)
      start = end
      return line
    }
  }
}

export const makeLines = (): Lines => {
  const write = makeWriter()
  const shared = new Map<object, Buffer>()
  /** The UTF-8 JSON of an object many rows share. */
  const piece = (value: object | null) => {
    if (value === null) return write.text("null")
    let bytes = shared.get(value)
    if (bytes === undefined) {
      bytes = Buffer.from(json(value))
      shared.set(value, bytes)
    }
    write.bytes(bytes)
  }

  const enrollment = (row: EnrollmentRow) => {
    write.text(
      `{"id":${json(row.id)},"updated_at":${json(row.updated_at)},` +
        `"status":${json(row.status)},${flags(row)},` +
        `"version":${json(row.version)},` +
        `"started_at":${json(row.started_at)},` +
        `"ended_at":${json(row.ended_at)},"sequence":`
    )
    piece(row.sequence)
    write.text(`,"mailbox":`)
    piece(row.mailbox)
    write.text(`,"person":`)
    piece(row.person)
    write.text(`,"enrolled_by_play":`)
    piece(row.enrolled_by_play)
    write.text(
      `,"reply_email_message":${json(row.reply_email_message)}}`
    )
    return write.done()
  }

  const step = (row: StepRow) => {
    write.text(
      `{"id":${json(row.id)},"updated_at":${json(row.updated_at)},` +
        `"type":${json(row.type)},"status":${json(row.status)},` +
        `${flags(row)},"sequence":`
    )
    piece(row.sequence)
    write.text(
      `,"step_number":${json(row.step_number)},` +
        `"started_at":${json(row.started_at)},` +
        `"ended_at":${json(row.ended_at)},` +
        `"enrollment":{"id":${json(row.enrollment.id)},"mailbox":`
    )
    piece(row.enrollment.mailbox)
    write.text(`,"person":`)
    piece(row.enrollment.person)
    write.text(
      `},"email_message":${json(row.email_message)},` +
        `"reply_email_message":${json(row.reply_email_message)}}`
    )
    return write.done()
  }

  return { enrollment, step }
}
