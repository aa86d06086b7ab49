/** The two Bulk API resources this tool mirrors, and their local tables. */
import * as Schema from "effect/Schema"

export const Resource = Schema.Literal("enrollments", "enrollment-steps")
export type Resource = typeof Resource.Type

export const resources: ReadonlyArray<Resource> = ["enrollments", "enrollment-steps"]

/** The SQLite table that mirrors a resource. */
export const tableOf = (resource: Resource) =>
  resource === "enrollments" ? "enrollments" : "enrollment_steps"

export const isResource = Schema.is(Resource)

/** The boolean flags both row types carry (and both filters accept). */
export const FLAGS = [
  "is_blocked",
  "is_bounced",
  "is_canceled",
  "is_opted_out",
  "is_paused",
  "is_replied"
] as const

export const EnrollmentStatus = ["DRAFT", "IN_PROGRESS", "FINISHED"] as const

export const StepStatus = [
  "NOT_STARTED",
  "SCHEDULED",
  "PENDING",
  "FINISHED",
  "CANCELED",
  "ERRORED",
  "UNREACHABLE"
] as const

export const StepType = [
  "AUTOMATIC_EMAIL",
  "MANUAL_EMAIL",
  "ACTION_ITEM",
  "ZAPIER",
  "PHONE_CALL",
  "MANUAL_LINKEDIN_PROFILE_VIEW",
  "MANUAL_LINKEDIN_CONNECTION",
  "MANUAL_LINKEDIN_MESSAGE"
] as const

export const ReplyCategory = ["AUTOMATED", "NEGATIVE", "NEUTRAL", "POSITIVE"] as const

export const JobStatus = Schema.Literal(
  "IN_PROGRESS",
  "FINISHED",
  "FAILED",
  "EXPIRED",
  "CANCELED"
)
export type JobStatus = typeof JobStatus.Type

export const terminalStatuses: ReadonlyArray<JobStatus> = [
  "FINISHED",
  "FAILED",
  "EXPIRED",
  "CANCELED"
]

/**
 * The client's default request rates: the guide asks for about 5 status
 * calls a second (the cap is about 10), 5 result calls and 1 cancel.
 */
export const defaultRates = { statusPerSecond: 5, resultsPerSecond: 5, cancelPerSecond: 1 } as const

/** Documented page-size limits per results format. */
export const pageSizeLimit = { json: 2000, ndjson: 10000 } as const
export type ResultFormat = keyof typeof pageSizeLimit
