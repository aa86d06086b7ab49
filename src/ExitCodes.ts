import { StoreError } from "./domain/errors.js"

/**
 * The one table of exit codes. Documented in the README; scripts rely on it.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  rateLimited: 4,
  jobFailed: 5,
  partialData: 6,
  unavailable: 7,
  locked: 8,
  interrupted: 130,
  terminated: 143
} as const

const byTag: Record<string, number> = {
  UsageError: ExitCode.usage,
  BadRequestError: ExitCode.usage,
  UnauthorizedError: ExitCode.auth,
  BudgetExhaustedError: ExitCode.rateLimited,
  RateLimitWaitError: ExitCode.rateLimited,
  RateLimitedError: ExitCode.rateLimited,
  JobFailedError: ExitCode.jobFailed,
  ResultsUnavailableError: ExitCode.jobFailed,
  ResultsExpiredError: ExitCode.jobFailed,
  JobNotCancelableError: ExitCode.jobFailed,
  PartialDataError: ExitCode.partialData,
  MalformedRowError: ExitCode.partialData,
  DecodeError: ExitCode.partialData,
  PageTooLargeError: ExitCode.partialData,
  PollTimeoutError: ExitCode.unavailable,
  ServerError: ExitCode.unavailable,
  TransportError: ExitCode.unavailable,
  // A route or a job the server does not know: a wrong --base-url or id.
  NotFoundError: ExitCode.usage,
  SyncLockedError: ExitCode.locked
}

export const exitCodeOf = (error: unknown): number => {
  if (error instanceof StoreError) {
    return error.reason === "unusable" ? ExitCode.usage : ExitCode.internal
  }
  const tag = typeof error === "object" && error !== null && "_tag" in error
    ? String(error._tag)
    : ""
  return byTag[tag] ?? ExitCode.internal
}
