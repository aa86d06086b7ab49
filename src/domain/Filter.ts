/**
 * The documented query-job filter, checked locally so that a typo never
 * spends one of the ~100 jobs a day. The same checks back the sandbox's
 * 400 answers, so both sides agree on what a valid filter is.
 */
import * as Either from "effect/Either"
import * as Instant from "./Instant.js"
import {
  EnrollmentStatus,
  FLAGS,
  type Resource,
  StepStatus,
  StepType
} from "./Resource.js"

export type Filter = { readonly [field: string]: unknown }

export interface FilterIssue {
  /** Where in the filter, e.g. `filter.updated_at.gte`. */
  readonly path: string
  readonly message: string
}

type Check = (value: unknown, path: string) => ReadonlyArray<FilterIssue>

const RANGE_OPERATORS = ["gt", "gte", "lt", "lte"] as const
const SET_OPERATORS = ["in", "not_in"] as const

const issue = (path: string, message: string) => [{ path, message }]

const describe = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const list = (names: ReadonlyArray<string>) => names.join(", ")

/** An object whose keys must come from `allowed`, each checked by `check`. */
const objectOf = (
  allowed: ReadonlyArray<string>,
  kind: string,
  check: (key: string, value: unknown, path: string) => ReadonlyArray<FilterIssue>
): Check =>
(value, path) => {
  if (!isObject(value)) {
    return issue(path, `expected an object, got ${describe(value)}`)
  }
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key))
  if (unknown.length > 0) {
    return unknown.flatMap((key) =>
      issue(
        `${path}.${key}`,
        `unknown ${kind} "${key}"; valid ${kind}s: ${list(allowed)}`
      )
    )
  }
  return Object.entries(value).flatMap(([key, v]) => check(key, v, `${path}.${key}`))
}

const datetimeRange: Check = (value, path) => {
  const issues = objectOf(RANGE_OPERATORS, "operator", (_, v, p) =>
    typeof v === "string" && Instant.isInstant(v)
      ? []
      : issue(p, `expected an RFC 3339 timestamp such as "2026-07-01T00:00:00Z", got ${JSON.stringify(v)}`))(
      value,
      path
    )
  if (issues.length > 0 || !isObject(value)) return issues
  const keys = Object.keys(value)
  if (keys.length === 0) {
    return issue(path, `give at least one bound: ${list(RANGE_OPERATORS)}`)
  }
  if ("gt" in value && "gte" in value) {
    return issue(path, "gt and gte cannot be used together; keep one")
  }
  if ("lt" in value && "lte" in value) {
    return issue(path, "lt and lte cannot be used together; keep one")
  }
  return []
}

const idObject: Check = objectOf(["id"], "key", (_, v, p) =>
  typeof v === "string" && v.length > 0 ? [] : issue(p, "expected a non-empty string id"))

const withId: Check = (value, path) => {
  const issues = idObject(value, path)
  return issues.length === 0 && isObject(value) && !("id" in value)
    ? issue(path, "expected {\"id\": \"...\"}")
    : issues
}

const mailbox: Check = (value, path) => {
  const issues = objectOf(["id", "email_address"], "key", (_, v, p) =>
    typeof v === "string" && v.length > 0 ? [] : issue(p, "expected a non-empty string"))(
      value,
      path
    )
  return issues.length === 0 && isObject(value) && Object.keys(value).length === 0
    ? issue(path, "give id or email_address")
    : issues
}

const setOf = (values?: ReadonlyArray<string>): Check => (value, path) => {
  const issues = objectOf(SET_OPERATORS, "operator", (_, v, p) => {
    if (!Array.isArray(v) || v.length === 0) {
      return issue(p, "expected a non-empty array")
    }
    return v.flatMap((item, i) => {
      if (typeof item !== "string") {
        return issue(`${p}[${i}]`, `expected a string, got ${describe(item)}`)
      }
      return values !== undefined && !values.includes(item)
        ? issue(`${p}[${i}]`, `unknown value "${item}"; valid values: ${list(values)}`)
        : []
    })
  })(value, path)
  return issues.length === 0 && isObject(value) && Object.keys(value).length === 0
    ? issue(path, "give in or not_in")
    : issues
}

const boolean: Check = (value, path) =>
  typeof value === "boolean" ? [] : issue(path, `expected true or false, got ${describe(value)}`)

const positiveInteger: Check = (value, path) =>
  Number.isInteger(value) && (value as number) >= 1
    ? []
    : issue(path, `expected an integer of at least 1, got ${JSON.stringify(value)}`)

const common: Record<string, Check> = {
  updated_at: datetimeRange,
  started_at: datetimeRange,
  ended_at: datetimeRange,
  sequence: withId,
  person: withId,
  company: withId,
  mailbox,
  id: setOf(),
  ...Object.fromEntries(FLAGS.map((flag) => [flag, boolean]))
}

/** The fields each resource's filter accepts, with their checks. */
export const fieldsOf: Record<Resource, Record<string, Check>> = {
  enrollments: {
    ...common,
    status: setOf(EnrollmentStatus),
    enrolled_by_play: setOf()
  },
  "enrollment-steps": {
    ...common,
    status: setOf(StepStatus),
    type: setOf(StepType),
    enrollment: withId,
    step_number: positiveInteger
  }
}

/** Checks a filter (already parsed from JSON) against the documented schema. */
export const validate = (
  resource: Resource,
  value: unknown
): Either.Either<Filter, ReadonlyArray<FilterIssue>> => {
  const fields = fieldsOf[resource]
  const issues = objectOf(
    Object.keys(fields),
    `${resource} filter field`,
    (key, v, path) => fields[key]!(v, path)
  )(value, "filter")
  return issues.length === 0 ? Either.right(value as Filter) : Either.left(issues)
}

/** JSON with sorted keys: equal filters get equal text. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    isObject(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v)

/**
 * The filter with `updated_at >= checkpoint` added. A lower bound the user
 * gave is kept when it is later than the checkpoint; otherwise the checkpoint
 * replaces it. Upper bounds are kept as given.
 */
export const withLowerBound = (filter: Filter, checkpoint: string): Filter => {
  const range = isObject(filter.updated_at) ? filter.updated_at : {}
  const given = (range.gt ?? range.gte) as string | undefined
  if (given !== undefined && Instant.compare(given, checkpoint) >= 0) {
    return filter
  }
  const { gt: _gt, gte: _gte, ...upper } = range
  return { ...filter, updated_at: { ...upper, gte: checkpoint } }
}
