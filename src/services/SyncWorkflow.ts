/**
 * One resource's sync, start to finish: resume a live job or spend a new
 * one, poll it, fetch the pages not yet committed, and move the checkpoint
 * only when every row the job promised is in.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import {
  type ApiError,
  BudgetExhaustedError,
  DecodeError,
  JobFailedError,
  MalformedRowError,
  PartialDataError,
  PollTimeoutError,
  type StoreError,
  type SyncError
} from "../domain/errors.js"
import * as FilterSchema from "../domain/Filter.js"
import type { Filter } from "../domain/Filter.js"
import * as Instant from "../domain/Instant.js"
import { type JobStatus, type Resource, type ResultFormat, terminalStatuses } from "../domain/Resource.js"
import { parseRow, type StoredRow } from "../domain/Rows.js"
import * as Output from "../Output.js"
import { JobRepository, type LedgerJob } from "./JobRepository.js"
import { Progress } from "./Progress.js"
import { RecordStore } from "./RecordStore.js"
import { SyncLog } from "./SyncLog.js"
import { type RemoteJob, UnifyApi } from "./UnifyApi.js"

export interface SyncPlan {
  readonly filter: Filter | undefined
  readonly full: boolean
  readonly format: ResultFormat
  readonly pageSize: number
  readonly concurrency: number
  /** Jobs allowed per rolling 24 h, counted in the ledger. */
  readonly dailyJobBudget: number
  readonly poll: { readonly initialMs: number; readonly maxMs: number; readonly timeoutMs: number }
}

/** A full-speed plan within the documented limits; flags override it. */
export const defaultPlan: SyncPlan = {
  filter: undefined,
  full: false,
  format: "ndjson",
  pageSize: 10_000,
  concurrency: 2,
  dailyJobBudget: 100,
  // A short first pause: small jobs finish in well under a second, and
  // status calls (10/s allowed) are the cheapest limit to spend.
  poll: { initialMs: 100, maxMs: 10_000, timeoutMs: 30 * 60_000 }
}

/**
 * Each pause is this much longer than the one before. A job is seen done
 * on average (growth - 1) / 2 of its time late: an eighth here, for about
 * seven more status calls per minute-long job than growing by half.
 */
const POLL_GROWTH = 1.25

export interface ResourceOutcome {
  readonly resource: Resource
  readonly jobId: string
  readonly resumed: boolean
  readonly jobsCreated: number
  readonly lowerBound: string | null
  readonly totalRows: number
  readonly rowsReceived: number
  readonly rowsChanged: number
  readonly pagesFetched: number
  readonly checkpoint: string | null
  readonly durationMs: number
}

const isTerminal = (remote: RemoteJob): remote is RemoteJob & { readonly status: JobStatus } =>
  (terminalStatuses as ReadonlyArray<string>).includes(remote.status)

const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => Instant.fromDate(new Date(ms)))

const META_PATHS = "api_paths"

export class SyncWorkflow extends Context.Tag("unify-explore/SyncWorkflow")<
  SyncWorkflow,
  Effect.Effect.Success<typeof make>
>() {
  static layer = Layer.effect(SyncWorkflow, Effect.suspend(() => make))
}

const make = Effect.gen(function*() {
  const api = yield* UnifyApi
  const jobs = yield* JobRepository
  const store = yield* RecordStore
  const log = yield* SyncLog
  const progress = yield* Progress

  /** Spends one job, after the persisted daily budget agrees. */
  const createJob = Effect.fn("SyncWorkflow.createJob")(function*(
    resource: Resource,
    filter: Filter | undefined,
    scope: string,
    plan: SyncPlan
  ) {
    const now = yield* Clock.currentTimeMillis
    const budget = yield* jobs.budget(now)
    if (budget.used >= plan.dailyJobBudget) {
      return yield* new BudgetExhaustedError({
        used: budget.used,
        limit: plan.dailyJobBudget,
        nextSlotAt: Option.getOrElse(budget.nextSlotAt, () => "unknown")
      })
    }
    yield* progress.note(resource, "creating a query job")
    // Taken before the request: the budget's 24 h run from when it was sent.
    const requestedAt = yield* nowIso
    const { job, paths } = yield* api.createJob(resource, filter)
    yield* jobs.record({
      job_id: job.job_id,
      resource,
      scope,
      filter: FilterSchema.canonical(filter ?? {}),
      api_paths: paths,
      created_at: requestedAt,
      expires_at: Option.getOrElse(Instant.normalize(job.expires_at), () => job.expires_at),
      requested_at: requestedAt
    })
    yield* log.setMeta(META_PATHS, paths)
    yield* Effect.annotateCurrentSpan("job_id", job.job_id)
    yield* Effect.logDebug("job created").pipe(Effect.annotateLogs({ job_id: job.job_id, resource }))
    return yield* jobs.get(job.job_id).pipe(Effect.flatMap(Effect.orDieWith(() => "job vanished from the ledger")))
  })

  /** The server's view of a job, in the ledger (its clock's created_at too). */
  const recordRemote = (job: LedgerJob, remote: RemoteJob & { readonly status: JobStatus }) =>
    jobs.update(job.job_id, {
      status: remote.status,
      total_rows: remote.total_rows,
      error_code: remote.error_code,
      canceled_at: remote.canceled_at,
      ...Option.match(Instant.normalize(remote.created_at), { onNone: () => ({}), onSome: (at) => ({ created_at: at }) })
    })

  /** Polls with growing pauses until the job reaches a terminal status. */
  const awaitJob = (job: LedgerJob, plan: SyncPlan) =>
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      let delay = plan.poll.initialMs
      while (true) {
        const remote = yield* api.getJob(job.resource, job.job_id, job.api_paths)
        if (isTerminal(remote)) {
          yield* recordRemote(job, remote)
          return remote
        }
        const waited = (yield* Clock.currentTimeMillis) - started
        if (waited >= plan.poll.timeoutMs) {
          return yield* new PollTimeoutError({ resource: job.resource, jobId: job.job_id, waitedMs: waited })
        }
        yield* progress.waiting(job.resource, `job ${job.job_id} in progress`)
        yield* Effect.sleep(delay)
        delay = Math.min(plan.poll.maxMs, Math.round(delay * POLL_GROWTH))
      }
    })

  /**
   * Streams one page's rows into the store as they arrive. A bad row fails
   * the page, and its transaction rolls back: nothing of it is committed.
   * The failure waits for the end of the body: a row cut short by a dropped
   * connection is the connection's fault (retried), not the row's.
   */
  const writeRows = (job: LedgerJob, page: number, rows: Stream.Stream<string, ApiError>) =>
    Effect.flatMap(nowIso, (syncedAt) =>
      store.writePage({ resource: job.resource, jobId: job.job_id, page, syncedAt }, (add) => {
        let line = 0
        let bad: MalformedRowError | undefined
        // Parsed one at a time as the store writes them: a row's parsed
        // JSON dies before the next is made, instead of a whole chunk's
        // surviving into the old generation (measured: 60 MB less peak RSS).
        function* parsed(chunk: Iterable<string>): Generator<StoredRow> {
          for (const text of chunk) {
            if (bad !== undefined) return
            line++
            const row = parseRow(job.resource, text)
            if (typeof row === "string") bad = new MalformedRowError({ jobId: job.job_id, page, line, detail: row })
            else yield row
          }
        }
        return Stream.runForEachChunk(rows, (chunk) => add(parsed(chunk))).pipe(
          Effect.zipRight(Effect.suspend(() => (bad === undefined ? Effect.void : Effect.fail(bad))))
        )
      }))

  interface Download {
    readonly pagesFetched: number
    readonly rowsReceived: number
    readonly rowsChanged: number
  }

  /**
   * Fetches one page and writes it, checked against the job's total before
   * any write. `writer` lets one page write at a time while the next one's
   * request is already under way.
   */
  const fetchPage = (
    job: LedgerJob,
    page: number,
    request: { readonly pageSize: number; readonly format: ResultFormat; readonly total: number },
    writer: Effect.Semaphore
  ) =>
    api.fetchPage<{ rows: number; changed: number }, ApiError | MalformedRowError | StoreError>(
      job.resource,
      job.job_id,
      job.api_paths,
      { page, pageSize: request.pageSize, format: request.format },
      (answer) =>
        answer.total === undefined || answer.total === request.total
          ? writer.withPermits(1)(writeRows(job, page, answer.rows))
          : Effect.fail(
            new DecodeError({
              operation: "results",
              detail: `page ${page} of job ${job.job_id} says the job has ${answer.total} rows, ` +
                `but the job said ${request.total}`
            })
          )
    )

  /** Fetches and commits every page of a FINISHED job not yet committed. */
  const downloadPages = (job: LedgerJob, total: number, plan: SyncPlan) =>
    Effect.gen(function*() {
      let format = job.format ?? plan.format
      const pageSize = job.page_size ?? plan.pageSize
      if (job.format === null || job.page_size === null) {
        yield* jobs.update(job.job_id, { format, page_size: pageSize })
      }
      const pageCount = Math.ceil(total / pageSize)
      const done = yield* jobs.pagesDone(job.job_id)
      const remaining = Array.from({ length: pageCount }, (_, i) => i + 1).filter((p) => !done.has(p))
      const started = yield* Clock.currentTimeMillis
      const tally = { pagesFetched: 0, rowsReceived: 0, rowsChanged: 0 }
      let rowsDone = job.rows_done
      const writer = yield* Effect.makeSemaphore(1)

      // A JSON page over the size cap (413) comes again as NDJSON: same
      // page numbers, so the ledger's accounting still holds.
      const toNdjson = Effect.gen(function*() {
        if (format === "json") {
          format = "ndjson"
          yield* jobs.update(job.job_id, { format })
          yield* progress.note(job.resource, "a JSON page was too large (413); continuing with NDJSON")
        }
      })

      const onePage = (page: number) =>
        Effect.gen(function*() {
          const written = yield* fetchPage(job, page, { pageSize, format, total }, writer).pipe(
            Effect.catchTag("PageTooLargeError", () =>
              Effect.zipRight(toNdjson, fetchPage(job, page, { pageSize, format: "ndjson", total }, writer)))
          )
          tally.pagesFetched++
          tally.rowsReceived += written.rows
          tally.rowsChanged += written.changed
          rowsDone += written.rows
          yield* progress.pages({
            resource: job.resource,
            jobId: job.job_id,
            pagesDone: done.size + tally.pagesFetched,
            pagesTotal: pageCount,
            rowsDone,
            rowsTotal: total,
            elapsedMs: (yield* Clock.currentTimeMillis) - started
          })
        })

      yield* Effect.forEach(remaining, onePage, { concurrency: plan.concurrency, discard: true })
      return tally satisfies Download
    })

  /**
   * Brings one ledger job to COMPLETE. A job that expires mid-download is
   * replaced once by a new job with the same filter; committed pages stay
   * (upserts make the overlap harmless).
   */
  const finishJob = (
    start: LedgerJob,
    filter: Filter | undefined,
    plan: SyncPlan,
    created: { count: number },
    sum: { -readonly [K in keyof Download]: number }
  ): Effect.Effect<{ job: LedgerJob; total: number; download: Download }, SyncError> =>
    Effect.gen(function*() {
      let job = start
      let replaced = false
      while (true) {
        const attempt = yield* Effect.either(fetchAll(job, plan, sum))
        if (attempt._tag === "Right") return { job, total: attempt.right, download: sum }
        const error = attempt.left
        const expired = error._tag === "ResultsExpiredError" ||
          (error._tag === "JobFailedError" && error.status === "EXPIRED") ||
          (error._tag === "NotFoundError" && error.jobId !== undefined)
        if (!expired || replaced) {
          yield* settle(job, error)
          return yield* Effect.fail(error)
        }
        yield* jobs.update(job.job_id, { status: "EXPIRED" })
        yield* progress.note(job.resource, `job ${job.job_id} expired mid-download; creating one replacement`)
        const next = yield* createJob(job.resource, filter, job.scope, plan)
        created.count++
        yield* jobs.update(job.job_id, { replaced_by: next.job_id })
        job = next
        replaced = true
      }
    })

  /**
   * After a failure, leaves the ledger so that the next run does the right
   * thing: a job whose results failed, were canceled, or hold rows we cannot
   * take will fail the same way again, so it must not be resumed.
   */
  const settle = (job: LedgerJob, error: SyncError) => {
    if (error._tag === "ResultsUnavailableError" && error.reason !== "results_not_ready") {
      return jobs.update(job.job_id, { status: error.reason === "results_failed" ? "FAILED" : "CANCELED" })
    }
    if (error._tag === "MalformedRowError" || (error._tag === "DecodeError" && error.operation === "results")) {
      return jobs.update(job.job_id, { status: "PARTIAL" })
    }
    if (error._tag === "NotFoundError" || error._tag === "ResultsExpiredError") {
      return jobs.update(job.job_id, { status: "EXPIRED" })
    }
    return Effect.void
  }

  /** Polls if needed, then fetches; returns the job's total rows. */
  const fetchAll = (job: LedgerJob, plan: SyncPlan, sum: { -readonly [K in keyof Download]: number }) =>
    Effect.gen(function*() {
      let total = job.total_rows
      if (job.status === "IN_PROGRESS" || total === null) {
        const remote = yield* awaitJob(job, plan)
        if (remote.status !== "FINISHED") {
          return yield* new JobFailedError({
            resource: job.resource,
            jobId: job.job_id,
            status: remote.status,
            errorCode: remote.error_code
          })
        }
        if (remote.total_rows === null) {
          return yield* new DecodeError({
            operation: "status",
            detail: `job ${job.job_id} is FINISHED without total_rows, so its completeness cannot be checked`
          })
        }
        total = remote.total_rows
        yield* progress.note(job.resource, `job ${job.job_id} finished: ${Output.plural(total, "row")}`)
      }
      const fresh = yield* jobs.get(job.job_id).pipe(Effect.map(Option.getOrElse(() => job)))
      const download = yield* downloadPages(fresh, total, plan)
      sum.pagesFetched += download.pagesFetched
      sum.rowsReceived += download.rowsReceived
      sum.rowsChanged += download.rowsChanged
      return total
    })

  /** The checkpoint's filter scope, and the filter a new job would carry. */
  const jobFilter = (resource: Resource, plan: SyncPlan) =>
    Effect.gen(function*() {
      const scope = FilterSchema.canonical(plan.filter ?? {})
      const checkpoint = yield* store.checkpoint(resource, scope)
      const lowerBound = plan.full ? Option.none() : Option.map(checkpoint, (c) => c.updatedAt)
      const filter = Option.match(lowerBound, {
        onNone: () => plan.filter,
        onSome: (bound) => FilterSchema.withLowerBound(plan.filter ?? {}, bound)
      })
      const resumable = yield* jobs.findResumable(resource, scope, FilterSchema.canonical(filter ?? {}), yield* nowIso)
      return { scope, lowerBound, filter, resumable }
    })

  /**
   * Creates the job `run` would create, unless one can be resumed or the
   * daily budget must keep `reserve` jobs for the resources synced before
   * this one, so the server prepares it while they download. Returns the
   * new job's id, for `run` to count as created by this sync.
   */
  const startJob = Effect.fn("SyncWorkflow.startJob")(function*(resource: Resource, plan: SyncPlan, reserve: number) {
    const { scope, filter, resumable } = yield* jobFilter(resource, plan)
    const budget = yield* jobs.budget(yield* Clock.currentTimeMillis)
    if (Option.isSome(resumable) || budget.used + reserve >= plan.dailyJobBudget) return Option.none<string>()
    return Option.some((yield* createJob(resource, filter, scope, plan)).job_id)
  })

  /**
   * Syncs one resource; see the module comment. `startedJob` is a job that
   * `startJob` created for it earlier in this sync.
   */
  const run = Effect.fn("SyncWorkflow.run")(function*(resource: Resource, plan: SyncPlan, startedJob?: string) {
    const started = yield* Clock.currentTimeMillis
    const runId = yield* log.start(resource, yield* nowIso)
    const created = { count: 0 }
    const sum = { pagesFetched: 0, rowsReceived: 0, rowsChanged: 0 }
    let jobId: string | null = null

    const body = Effect.gen(function*() {
      const remembered = yield* log.getMeta(META_PATHS)
      if (Option.isSome(remembered) && (remembered.value === "query-jobs" || remembered.value === "jobs-query")) {
        yield* api.rememberPaths(remembered.value)
      }
      yield* store.prepareLoad(resource)
      const { scope, lowerBound, filter, resumable } = yield* jobFilter(resource, plan)
      const resumed = Option.isSome(resumable) && resumable.value.job_id !== startedJob
      if (resumed) {
        yield* progress.note(resource, `resuming job ${resumable.value.job_id} (no new job spent)`)
      }
      const job = Option.isSome(resumable) ? resumable.value : yield* createJob(resource, filter, scope, plan)
      if (!resumed) created.count++
      jobId = job.job_id

      const result = yield* finishJob(job, filter, plan, created, sum)
      jobId = result.job.job_id
      const ledger = yield* jobs.get(result.job.job_id).pipe(Effect.map(Option.getOrThrow))
      if (ledger.rows_done !== result.total) {
        yield* jobs.update(ledger.job_id, { status: "PARTIAL" })
        return yield* new PartialDataError({
          resource,
          jobId: ledger.job_id,
          expected: result.total,
          received: ledger.rows_done
        })
      }
      const now = yield* nowIso
      const advanced = yield* store.completeJob(
        { resource, jobId: ledger.job_id, scope: ledger.scope, createdAt: ledger.created_at },
        now
      )
      if (advanced.capped !== null) {
        yield* progress.note(
          resource,
          `rows are dated up to ${advanced.capped}, after the job was created; the checkpoint stays at ${ledger.created_at}`
        )
      }
      return {
        resource,
        jobId: ledger.job_id,
        resumed: resumed && job.job_id === ledger.job_id,
        jobsCreated: created.count,
        lowerBound: Option.getOrNull(lowerBound),
        totalRows: result.total,
        rowsReceived: result.download.rowsReceived,
        rowsChanged: result.download.rowsChanged,
        pagesFetched: result.download.pagesFetched,
        checkpoint: Option.getOrNull(Option.map(advanced.checkpoint, (c) => c.updatedAt)),
        durationMs: (yield* Clock.currentTimeMillis) - started
      } satisfies ResourceOutcome
    })

    return yield* body.pipe(
      Effect.onExit((exit) =>
        Effect.gen(function*() {
          const finishedAt = yield* nowIso
          yield* log.finish(runId, finishedAt, {
            outcome: Exit.isSuccess(exit)
              ? "ok"
              : Exit.isInterrupted(exit)
              ? "interrupted"
              : "failed",
            jobId,
            jobsCreated: created.count,
            rowsReceived: sum.rowsReceived,
            rowsChanged: sum.rowsChanged,
            message: Exit.isFailure(exit) ? failureMessage(exit) : null
          }).pipe(Effect.ignore)
        })
      )
    )
  })

  return { run, startJob } as const
})

const failureMessage = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit)
    ? Option.match(Cause.failureOption(exit.cause), {
      onNone: () => Cause.isInterruptedOnly(exit.cause) ? "interrupted" : Cause.pretty(exit.cause).split("\n")[0] ?? "failed",
      onSome: (error) => (error as { message?: string }).message ?? String(error)
    })
    : null

