/**
 * Bulk result rows turned into the columns the local tables index. The row's
 * text is kept exactly as received; only what the columns need is checked,
 * so unknown extra fields survive in `data`.
 *
 * This runs once per row on the hot path, so it checks by hand instead of
 * through a Schema decoder (see the benchmark).
 */
import * as Option from "effect/Option"
import * as Instant from "./Instant.js"
import { FLAGS, type Resource } from "./Resource.js"

export type Cell = string | number | null

/** One row ready to write: its column values in `columnsOf` order. */
export interface StoredRow {
  readonly id: string
  /** `updated_at` in `Instant`'s canonical spelling. */
  readonly updatedAt: string
  readonly cells: ReadonlyArray<Cell>
  /** The row's JSON text exactly as received. */
  readonly line: string
}

type Extract = (row: Record<string, unknown>) => Cell

const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined

const text = (value: unknown): Cell => typeof value === "string" ? value : null

const flag = (value: unknown): Cell =>
  value === true ? 1 : value === false ? 0 : null

const integer = (value: unknown): Cell =>
  typeof value === "number" && Number.isInteger(value) ? value : null

const instant = (value: unknown): Cell =>
  typeof value === "string"
    ? Option.getOrElse(Instant.normalize(value), () => value)
    : null

const at = (...keys: ReadonlyArray<string>) => (row: Record<string, unknown>) => {
  let current: unknown = row
  for (const key of keys) current = obj(current)?.[key]
  return current
}

const col = (convert: (v: unknown) => Cell, ...keys: ReadonlyArray<string>): Extract => {
  const get = at(...keys)
  return (row) => convert(get(row))
}

const flags = (prefix: ReadonlyArray<string> = []) =>
  Object.fromEntries(
    FLAGS.map((name) => [name, col(flag, ...prefix, name)])
  )

const firstCategory = (path: ReadonlyArray<string>): Extract => {
  const get = at(...path)
  return (row) => {
    const list = get(row)
    return Array.isArray(list) ? text(obj(list[0])?.category) : null
  }
}

/** Extracted columns per resource, in table order (after id and updated_at). */
const extractors: Record<Resource, Record<string, Extract>> = {
  enrollments: {
    status: col(text, "status"),
    ...flags(),
    version: col(integer, "version"),
    started_at: col(instant, "started_at"),
    ended_at: col(instant, "ended_at"),
    sequence_id: col(text, "sequence", "id"),
    sequence_name: col(text, "sequence", "name"),
    mailbox_id: col(text, "mailbox", "id"),
    mailbox_email: col(text, "mailbox", "email_address"),
    person_id: col(text, "person", "id"),
    person_email: col(text, "person", "email"),
    company_id: col(text, "person", "company", "id"),
    company_domain: col(text, "person", "company", "domain"),
    play_id: col(text, "enrolled_by_play", "id"),
    play_name: col(text, "enrolled_by_play", "name"),
    reply_id: col(text, "reply_email_message", "id"),
    reply_category: firstCategory(["reply_email_message", "classifications"])
  },
  "enrollment-steps": {
    type: col(text, "type"),
    status: col(text, "status"),
    ...flags(),
    sequence_id: col(text, "sequence", "id"),
    sequence_name: col(text, "sequence", "name"),
    sequence_version: col(integer, "sequence", "version"),
    step_number: col(integer, "step_number"),
    started_at: col(instant, "started_at"),
    ended_at: col(instant, "ended_at"),
    enrollment_id: col(text, "enrollment", "id"),
    mailbox_id: col(text, "enrollment", "mailbox", "id"),
    mailbox_email: col(text, "enrollment", "mailbox", "email_address"),
    person_id: col(text, "enrollment", "person", "id"),
    person_email: col(text, "enrollment", "person", "email"),
    company_id: col(text, "enrollment", "person", "company", "id"),
    email_message_id: col(text, "email_message", "id"),
    email_sent_at: col(instant, "email_message", "sent_at"),
    email_opens: col(integer, "email_message", "opens"),
    email_clicks: col(integer, "email_message", "clicks"),
    reply_id: col(text, "reply_email_message", "id"),
    reply_category: firstCategory(["reply_email_message", "classifications"])
  }
}

/** The extracted column names of a resource's table, in order. */
export const columnsOf = (resource: Resource): ReadonlyArray<string> =>
  Object.keys(extractors[resource])

/**
 * Reads one row's text. Fails with a sentence naming the problem when the
 * text is not a JSON object, or has no usable `id` or `updated_at`.
 */
export const parseRow = (
  resource: Resource,
  line: string
): StoredRow | string => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`
  }
  const row = obj(value)
  if (row === undefined) return "expected a JSON object"
  if (typeof row.id !== "string" || row.id.length === 0) {
    return "the row has no string id"
  }
  if (typeof row.updated_at !== "string") {
    return `row ${row.id} has no string updated_at`
  }
  const updatedAt = Instant.normalize(row.updated_at)
  if (Option.isNone(updatedAt)) {
    return `row ${row.id} has an unreadable updated_at ${JSON.stringify(row.updated_at)}`
  }
  const extract = extractors[resource]
  const cells: Array<Cell> = []
  for (const key in extract) cells.push(extract[key]!(row))
  return { id: row.id, updatedAt: updatedAt.value, cells, line }
}
