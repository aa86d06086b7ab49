/**
 * The server side of the query-job filter: which rows a job snapshots.
 * The filter has passed `Filter.validate` already. Fields are ANDed; a row
 * whose timestamp is null never matches a range on it; a null `type` or
 * `enrolled_by_play` is outside every `in` set and inside every `not_in`.
 */
import type { Filter } from "../domain/Filter.js"
import * as Instant from "../domain/Instant.js"
import { FLAGS, type Resource } from "../domain/Resource.js"
import {
  type EnrollmentRow,
  type Mailbox,
  type Person,
  type Row,
  type StepRow
} from "./Rows.js"

export type Predicate = (row: Row) => boolean

interface Range {
  readonly gt?: string
  readonly gte?: string
  readonly lt?: string
  readonly lte?: string
}

interface Members {
  readonly in?: ReadonlyArray<string>
  readonly not_in?: ReadonlyArray<string>
}

const microsOf = (text: string | null): number | null => {
  if (text === null) return null
  const parsed = Instant.parseMicros(text)
  return parsed._tag === "Some" ? parsed.value : null
}

const bound = (text: string | undefined): number | null =>
  text === undefined ? null : microsOf(text)

const range = (
  get: (row: Row) => string | null,
  spec: Range
): Predicate => {
  const gt = bound(spec.gt), gte = bound(spec.gte)
  const lt = bound(spec.lt), lte = bound(spec.lte)
  return (row) => {
    const v = microsOf(get(row))
    return v !== null &&
      (gt === null || v > gt) && (gte === null || v >= gte) &&
      (lt === null || v < lt) && (lte === null || v <= lte)
  }
}

const set = (get: (row: Row) => string | null, spec: Members): Predicate => {
  const included = spec.in === undefined ? null : new Set(spec.in)
  const excluded = spec.not_in === undefined ? null : new Set(spec.not_in)
  return (row) => {
    const v = get(row)
    if (included !== null && (v === null || !included.has(v))) return false
    return excluded === null || v === null || !excluded.has(v)
  }
}

const equals = <A>(get: (row: Row) => A, value: A): Predicate => (row) =>
  get(row) === value

const enrollment = (row: Row) => row as EnrollmentRow
const step = (row: Row) => row as StepRow

/** Where a row keeps its mailbox and person: steps nest them. */
const partiesOf = (resource: Resource) =>
  resource === "enrollments"
    ? {
      mailbox: (row: Row): Mailbox => enrollment(row).mailbox,
      person: (row: Row): Person => enrollment(row).person
    }
    : {
      mailbox: (row: Row): Mailbox => step(row).enrollment.mailbox,
      person: (row: Row): Person => step(row).enrollment.person
    }

/** Addresses compare without case, as mail systems treat them. */
const mailboxMatch = (
  get: (row: Row) => Mailbox,
  spec: { readonly id?: string; readonly email_address?: string }
): Predicate => {
  const email = spec.email_address?.toLowerCase()
  return (row) => {
    const mailbox = get(row)
    if (spec.id !== undefined && mailbox.id !== spec.id) return false
    return email === undefined ||
      mailbox.email_address?.toLowerCase() === email
  }
}

// The filter passed validation, so each field has its documented shape.
type Compile = (value: any) => Predicate

const fieldsOf = (resource: Resource): Record<string, Compile> => {
  const parties = partiesOf(resource)
  const fields: Record<string, Compile> = {
    updated_at: (v) => range((row) => row.updated_at, v),
    started_at: (v) => range((row) => row.started_at, v),
    ended_at: (v) => range((row) => row.ended_at, v),
    sequence: (v) => equals((row) => row.sequence.id, v.id),
    person: (v) => equals((row) => parties.person(row).id, v.id),
    company: (v) => equals((row) => parties.person(row).company?.id, v.id),
    mailbox: (v) => mailboxMatch(parties.mailbox, v),
    id: (v) => set((row) => row.id, v),
    status: (v) => set((row) => row.status, v)
  }
  for (const flag of FLAGS) {
    fields[flag] = (v) => equals((row) => row[flag], v)
  }
  if (resource === "enrollments") {
    fields.enrolled_by_play = (v) =>
      set((row) => enrollment(row).enrolled_by_play?.id ?? null, v)
  } else {
    fields.type = (v) => set((row) => step(row).type, v)
    fields.enrollment = (v) => equals((row) => step(row).enrollment.id, v.id)
    fields.step_number = (v) => equals((row) => step(row).step_number, v)
  }
  return fields
}

/** A predicate for a valid filter; no filter matches every row. */
export const compile = (
  resource: Resource,
  filter: Filter | undefined
): Predicate => {
  if (filter === undefined) return () => true
  const fields = fieldsOf(resource)
  const checks = Object.entries(filter).map(([key, value]) => {
    const make = fields[key]
    if (make === undefined) throw new Error(`unvalidated filter field ${key}`)
    return make(value)
  })
  return (row) => checks.every((check) => check(row))
}
