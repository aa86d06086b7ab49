/**
 * Query jobs: a snapshot of matching rows taken at creation, and a status
 * derived from the clock whenever someone asks (IN_PROGRESS for the job
 * delay, then FINISHED; EXPIRED once past `expires_at`). Nothing runs in the
 * background, so advancing the clock is all a test needs to move a job on.
 * A fault profile may give a job a longer delay and an ending other than
 * FINISHED; that ending, too, takes effect when the clock reaches it.
 */
import { randomUUID } from "node:crypto"
import type { JobStatus, Resource } from "../domain/Resource.js"
import type { Entry } from "./Data.js"
import type { Predicate } from "./Matcher.js"
import { shuffle, stream, uuid } from "./Random.js"

export const JOB_LIFETIME_MS = 24 * 60 * 60 * 1000

/** How a job ends instead of FINISHED, once its delay is over. */
export type Ending =
  | { readonly kind: "fail"; readonly errorCode: string }
  | { readonly kind: "cancel" }

export interface Job {
  readonly id: string
  /** Creation counter: orders the list and anchors its cursor. */
  readonly seq: number
  readonly resource: Resource
  readonly createdAt: number
  /** How long it stays IN_PROGRESS. */
  readonly delayMs: number
  expiresAt: number
  /** The snapshot, in the order results serve it. */
  readonly rows: ReadonlyArray<Entry>
  canceledAt: number | null
  forcedExpired: boolean
  errorCode: string | null
  /** An ending still to come; null once it happened, or if none. */
  ending: Ending | null
  /** Dropped by a fault: not found, not listed. */
  forgotten: boolean
}

/** The job object of get-job and list-jobs; every key always present. */
export interface JobView {
  readonly job_id: string
  readonly status: JobStatus
  readonly total_rows: number | null
  readonly error_code: string | null
  readonly created_at: string
  readonly expires_at: string
  readonly canceled_at: string | null
}

export type Order = "shuffled" | "updated-desc"

export interface JobsOptions {
  readonly seed: number
  readonly jobDelayMs: number
  readonly order: Order
  /** Fault-given extra delay and ending, by creation number. */
  readonly fate?: (seq: number) => {
    readonly extraMs: number
    readonly ending: Ending | null
  }
}

const rfc3339 = (ms: number) => new Date(ms).toISOString()

/** The guide's order: most recently updated first, ties broken by id. */
const byUpdatedDesc = (a: Entry, b: Entry) =>
  b.micros - a.micros || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export const makeJobs = (options: JobsOptions) => {
  const jobs: Array<Job> = []
  const byId = new Map<string, Job>()
  const instance = randomUUID()

  const finishesAt = (job: Job) => job.createdAt + job.delayMs

  /**
   * Makes a due ending happen, as of when it was due. Unless the job was
   * canceled, failed or expired first: then it never comes.
   */
  const settle = (job: Job, ending: Ending, now: number) => {
    const due = finishesAt(job)
    if (Math.min(now, job.expiresAt) < due) return
    job.ending = null
    if (job.canceledAt !== null || job.errorCode !== null) return
    if (ending.kind === "fail") job.errorCode = ending.errorCode
    else job.canceledAt = due
  }

  const statusOf = (job: Job, now: number): JobStatus => {
    if (job.ending !== null) settle(job, job.ending, now)
    if (job.forcedExpired || now > job.expiresAt) return "EXPIRED"
    if (job.canceledAt !== null) return "CANCELED"
    if (job.errorCode !== null) return "FAILED"
    return now >= finishesAt(job) ? "FINISHED" : "IN_PROGRESS"
  }

  /** Rows are counted once a job finished, even if it expired since. */
  const totalOf = (job: Job, status: JobStatus): number | null => {
    const finished = status === "FINISHED" ||
      (status === "EXPIRED" && job.canceledAt === null &&
        job.errorCode === null && finishesAt(job) <= job.expiresAt)
    return finished ? job.rows.length : null
  }

  const view = (job: Job, now: number): JobView => {
    const status = statusOf(job, now)
    return {
      job_id: job.id,
      status,
      total_rows: totalOf(job, status),
      error_code: job.errorCode,
      created_at: rfc3339(job.createdAt),
      expires_at: rfc3339(job.expiresAt),
      canceled_at: job.canceledAt === null ? null : rfc3339(job.canceledAt)
    }
  }

  const create = (
    resource: Resource,
    entries: ReadonlyArray<Entry>,
    matches: Predicate,
    now: number
  ): Job => {
    const seq = jobs.length
    const rows = entries.filter((entry) => matches(entry.row))
    const fate = options.fate?.(seq)
    const job: Job = {
      // Unique per server instance, like real job ids: a ledger that
      // outlives one sandbox must never meet the same id twice.
      id: uuid(stream(options.seed, `job/${instance}/${seq}`)),
      seq,
      resource,
      createdAt: now,
      delayMs: options.jobDelayMs + (fate?.extraMs ?? 0),
      expiresAt: now + JOB_LIFETIME_MS,
      rows: options.order === "shuffled"
        ? shuffle(stream(options.seed, `job/${seq}/order`), rows)
        : rows.sort(byUpdatedDesc),
      canceledAt: null,
      forcedExpired: false,
      errorCode: null,
      ending: fate?.ending ?? null,
      forgotten: false
    }
    jobs.push(job)
    byId.set(job.id, job)
    return job
  }

  /** A job of this resource; another resource's job is not found either. */
  const find = (resource: Resource, id: string): Job | undefined => {
    const job = byId.get(id)
    return job?.resource === resource ? job : undefined
  }

  /**
   * Newest first. `before` is the `seq` the previous page ended at, so a
   * page boundary stays put while new jobs arrive at the front.
   */
  const list = (
    resource: Resource,
    now: number,
    query: {
      readonly status: JobStatus | undefined
      readonly before: number | undefined
      readonly limit: number
    }
  ) => {
    const page: Array<Job> = []
    let more = false
    const start = Math.min(query.before ?? jobs.length, jobs.length) - 1
    for (let i = start; i >= 0; i--) {
      const job = jobs[i]!
      if (job.resource !== resource || job.forgotten) continue
      if (query.status !== undefined && statusOf(job, now) !== query.status) {
        continue
      }
      if (page.length === query.limit) {
        more = true
        break
      }
      page.push(job)
    }
    const last = page[page.length - 1]
    return { jobs: page, before: more && last ? last.seq : null }
  }

  /** Whether the job was IN_PROGRESS and is now CANCELED. */
  const cancel = (job: Job, now: number): boolean => {
    if (statusOf(job, now) !== "IN_PROGRESS") return false
    job.canceledAt = now
    return true
  }

  const expire = (id: string, now: number): boolean => {
    const job = byId.get(id)
    if (job === undefined) return false
    job.forcedExpired = true
    job.expiresAt = Math.min(job.expiresAt, now)
    return true
  }

  const fail = (id: string, errorCode: string): boolean => {
    const job = byId.get(id)
    if (job === undefined) return false
    job.errorCode = errorCode
    return true
  }

  /** The server loses the job: from now on it was never there. */
  const forget = (job: Job) => {
    job.forgotten = true
    byId.delete(job.id)
  }

  return { create, find, list, view, statusOf, cancel, expire, fail, forget }
}

export type Jobs = ReturnType<typeof makeJobs>
