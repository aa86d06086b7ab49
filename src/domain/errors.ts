/**
 * Every outcome a user must see by name. Messages are derived from the
 * fields and never carry the API key. `commands/` turns these into a message
 * and an exit code (see `ExitCodes.ts`).
 */
import * as Schema from "effect/Schema"

const Operation = Schema.Literal("create", "status", "list", "results", "cancel")
export type Operation = typeof Operation.Type

export const ApiIssue = Schema.Struct({
  code: Schema.String,
  path: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Number))),
  message: Schema.optional(Schema.String)
})
export type ApiIssue = typeof ApiIssue.Type

// === API outcomes

export class BadRequestError extends Schema.TaggedError<BadRequestError>()("BadRequestError", {
  operation: Operation,
  detail: Schema.String,
  errors: Schema.Array(ApiIssue)
}) {
  get message() {
    const issues = this.errors.map((e) =>
      `${(e.path ?? []).join(".") || "request"}: ${e.message ?? e.code}`
    )
    return `The API rejected the ${this.operation} request: ${this.detail}` +
      (issues.length > 0 ? ` (${issues.join("; ")})` : "")
  }
}

export class UnauthorizedError extends Schema.TaggedError<UnauthorizedError>()("UnauthorizedError", {
  operation: Operation
}) {
  get message() {
    return "The API refused the API key (401 unauthorized). " +
      "Check UNIFY_API_KEY: it must be a user-backed key from Settings → Developers."
  }
}

export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", {
  operation: Operation,
  path: Schema.String,
  jobId: Schema.optional(Schema.String)
}) {
  get message() {
    return this.jobId === undefined
      ? `The API has no route ${this.path} (404). Check --base-url and --api-paths.`
      : `The API does not know job ${this.jobId} (404 not_found).`
  }
}

export class ResultsUnavailableError extends Schema.TaggedError<ResultsUnavailableError>()(
  "ResultsUnavailableError",
  {
    jobId: Schema.String,
    reason: Schema.Literal("results_not_ready", "results_failed", "results_canceled"),
    detail: Schema.String
  }
) {
  get message() {
    return `Results of job ${this.jobId} are unavailable (409 ${this.reason}): ${this.detail}`
  }
}

export class JobNotCancelableError extends Schema.TaggedError<JobNotCancelableError>()(
  "JobNotCancelableError",
  { jobId: Schema.String, detail: Schema.String }
) {
  get message() {
    return `Job ${this.jobId} cannot be canceled (409 job_not_cancelable): ${this.detail}`
  }
}

export class ResultsExpiredError extends Schema.TaggedError<ResultsExpiredError>()(
  "ResultsExpiredError",
  { jobId: Schema.String }
) {
  get message() {
    return `Job ${this.jobId} has expired and its results are gone (410 results_expired).`
  }
}

export class PageTooLargeError extends Schema.TaggedError<PageTooLargeError>()("PageTooLargeError", {
  jobId: Schema.String,
  page: Schema.Number,
  pageSize: Schema.Number
}) {
  get message() {
    return `Page ${this.page} of job ${this.jobId} at page_size ${this.pageSize} is too large ` +
      "for a JSON answer (413). Use --format ndjson or a smaller --page-size."
  }
}

export class RateLimitedError extends Schema.TaggedError<RateLimitedError>()("RateLimitedError", {
  operation: Operation,
  retryAfterMs: Schema.Number
}) {
  get message() {
    return `The API rate-limited the ${this.operation} request (429); ` +
      `it asks to retry in ${Math.ceil(this.retryAfterMs / 1000)} s.`
  }
}

export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  operation: Operation,
  status: Schema.Number,
  detail: Schema.String
}) {
  get message() {
    return `The API answered ${this.status} to the ${this.operation} request: ${this.detail}`
  }
}

export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  operation: Operation,
  detail: Schema.String
}) {
  get message() {
    return `Could not reach the API for the ${this.operation} request: ${this.detail}`
  }
}

export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  operation: Operation,
  detail: Schema.String
}) {
  get message() {
    return `The API's answer to the ${this.operation} request could not be read: ${this.detail}`
  }
}

export type ApiError =
  | BadRequestError
  | UnauthorizedError
  | NotFoundError
  | ResultsUnavailableError
  | JobNotCancelableError
  | ResultsExpiredError
  | PageTooLargeError
  | RateLimitedError
  | ServerError
  | TransportError
  | DecodeError

// === sync outcomes

export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  problem: Schema.String,
  fix: Schema.String
}) {
  get message() {
    return `${this.problem}. ${this.fix}`
  }
}

export class BudgetExhaustedError extends Schema.TaggedError<BudgetExhaustedError>()(
  "BudgetExhaustedError",
  { used: Schema.Number, limit: Schema.Number, nextSlotAt: Schema.String }
) {
  get message() {
    return `The daily job budget is spent: ${this.used} of ${this.limit} jobs were created ` +
      `in the last 24 h. The next slot frees at ${this.nextSlotAt}. Nothing was lost; ` +
      "run sync again then."
  }
}

export class RateLimitWaitError extends Schema.TaggedError<RateLimitWaitError>()(
  "RateLimitWaitError",
  { operation: Operation, waitMs: Schema.Number, maxWaitMs: Schema.Number }
) {
  get message() {
    return `The API asks to wait ${Math.ceil(this.waitMs / 1000)} s before the next ` +
      `${this.operation} request, longer than --max-wait (${Math.ceil(this.maxWaitMs / 1000)} s). ` +
      "Committed work is kept; run sync again later to resume."
  }
}

export class JobFailedError extends Schema.TaggedError<JobFailedError>()("JobFailedError", {
  resource: Schema.String,
  jobId: Schema.String,
  status: Schema.String,
  errorCode: Schema.NullOr(Schema.String)
}) {
  get message() {
    return `Job ${this.jobId} (${this.resource}) ended ${this.status}` +
      (this.errorCode === null ? "" : ` with error_code ${this.errorCode}`) +
      ". The checkpoint did not move; the next sync creates a new job."
  }
}

export class PollTimeoutError extends Schema.TaggedError<PollTimeoutError>()("PollTimeoutError", {
  resource: Schema.String,
  jobId: Schema.String,
  waitedMs: Schema.Number
}) {
  get message() {
    return `Job ${this.jobId} (${this.resource}) is still IN_PROGRESS after ` +
      `${Math.round(this.waitedMs / 1000)} s. It stays in the ledger: the next sync ` +
      "resumes it without creating a new job."
  }
}

export class PartialDataError extends Schema.TaggedError<PartialDataError>()("PartialDataError", {
  resource: Schema.String,
  jobId: Schema.String,
  expected: Schema.Number,
  received: Schema.Number
}) {
  get message() {
    return `Job ${this.jobId} (${this.resource}) promised ${this.expected} rows but ` +
      `${this.received} arrived. The pages received are kept; the checkpoint did not move, ` +
      "so the next sync asks for these rows again."
  }
}

export class MalformedRowError extends Schema.TaggedError<MalformedRowError>()("MalformedRowError", {
  jobId: Schema.String,
  page: Schema.Number,
  line: Schema.Number,
  detail: Schema.String
}) {
  get message() {
    return `Job ${this.jobId}, page ${this.page}, row ${this.line}: ${this.detail}. ` +
      "That page was not committed."
  }
}

export class SyncLockedError extends Schema.TaggedError<SyncLockedError>()("SyncLockedError", {
  path: Schema.String,
  pid: Schema.Number,
  since: Schema.String
}) {
  get message() {
    return `Another sync (pid ${this.pid}, running since ${this.since}) is writing ${this.path}. ` +
      "Wait for it to finish, or pass --wait-lock to wait here."
  }
}

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  path: Schema.String,
  /** `unusable`: the file cannot be opened or written (the user's to fix). */
  reason: Schema.Literal("unusable", "failed"),
  detail: Schema.String
}) {
  get message() {
    return `Database ${this.path}: ${this.detail}`
  }
}

export type SyncError =
  | ApiError
  | UsageError
  | BudgetExhaustedError
  | RateLimitWaitError
  | JobFailedError
  | PollTimeoutError
  | PartialDataError
  | MalformedRowError
  | SyncLockedError
  | StoreError
