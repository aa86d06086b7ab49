/**
 * `unify-explore jobs list|show|cancel`: the local ledger, and the server's
 * view of the same jobs.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import { UsageError } from "../domain/errors.js"
import * as Instant from "../domain/Instant.js"
import { JobStatus, type Resource, resources } from "../domain/Resource.js"
import { defaultFormat, type Format, type Value, writer } from "../explorer/Formats.js"
import * as Output from "../Output.js"
import { JobRepository, type LedgerJob } from "../services/JobRepository.js"
import { Progress } from "../services/Progress.js"
import { SyncLog } from "../services/SyncLog.js"
import { defaultSettings, type PathMode, type PathStyle, type RemoteJob, UnifyApi } from "../services/UnifyApi.js"
import type { JobsCancelFlags, JobsListFlags, JobsShowFlags } from "../commands/jobs.js"
import { readLayer } from "./status.js"
import { apiKey, apiLayer, checkBaseUrl, storeLayer } from "./sync.js"


const api = (baseUrl: string, paths: PathMode, key: Redacted.Redacted<string>) =>
  Effect.map(checkBaseUrl(baseUrl), (url) =>
    apiLayer({ ...defaultSettings, baseUrl: url, apiKey: key, paths }))

/** The spelling to use for calls about existing jobs. */
const styleFor = (paths: PathMode, remembered: Option.Option<string>): PathStyle =>
  paths !== "auto" ? paths : remembered.pipe(
    Option.filter((p): p is PathStyle => p === "query-jobs" || p === "jobs-query"),
    Option.getOrElse(() => "query-jobs" as const)
  )

const rememberedPaths = (file: string) =>
  fs.existsSync(file)
    ? Effect.flatMap(SyncLog, (log) => log.getMeta("api_paths")).pipe(
      Effect.provide(readLayer(file)),
      Effect.orElseSucceed(() => Option.none<string>())
    )
    : Effect.succeed(Option.none<string>())

const LEDGER_COLUMNS = ["job_id", "resource", "status", "rows", "pages", "requested_at", "expires_at", "error_code"]
const REMOTE_COLUMNS = ["job_id", "resource", "status", "total_rows", "created_at", "expires_at", "error_code"]

const ledgerRow = (j: LedgerJob) => [
  j.job_id,
  j.resource,
  j.status,
  j.total_rows === null ? `${j.rows_done}` : `${j.rows_done}/${j.total_rows}`,
  String(j.pages_done),
  j.requested_at,
  j.expires_at,
  j.error_code
]

const remoteRow = (resource: Resource, j: RemoteJob) => [
  j.job_id,
  resource,
  j.status,
  j.total_rows === null ? null : BigInt(j.total_rows),
  j.created_at,
  j.expires_at,
  j.error_code
]

const print = (format: Format, columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Value>>) => {
  const out = writer(format, columns)
  return Output.stdout(rows.map(out.row).join("") + out.end(rows.length))
}

const chosenFormat = (format: Option.Option<Format>, json: boolean): Format =>
  json ? "json" : Option.getOrElse(format, () => defaultFormat(process.stdout.isTTY === true))

// === list

const remoteJobs = (targets: ReadonlyArray<Resource>, style: PathStyle, status: Option.Option<JobStatus>, limit: number) =>
  Effect.flatMap(UnifyApi, (client) =>
    Effect.forEach(targets, (resource) =>
      Effect.gen(function*() {
        const rows: Array<ReadonlyArray<Value>> = []
        let cursor: string | undefined
        do {
          const page = yield* client.listJobs(resource, style, {
            cursor,
            limit: Math.min(100, limit - rows.length),
            status: Option.getOrUndefined(status)
          })
          rows.push(...page.jobs.map((j) => remoteRow(resource, j)))
          cursor = page.next_cursor ?? undefined
        } while (cursor !== undefined && rows.length < limit)
        return rows
      })).pipe(Effect.map((all) => all.flat().slice(0, limit))))


// === show and cancel


const ledgerEntry = (file: string, jobId: string) =>
  fs.existsSync(file)
    ? Effect.flatMap(JobRepository, (repo) => repo.get(jobId)).pipe(Effect.provide(readLayer(file)))
    : Effect.succeed(Option.none<LedgerJob>())

const resourceOf = (entry: Option.Option<LedgerJob>, given: Option.Option<Resource>, jobId: string) =>
  Option.match(Option.orElse(Option.map(entry, (e) => e.resource), () => given), {
    onNone: () =>
      Effect.fail(
        new UsageError({
          problem: `job ${jobId} is not in the local ledger, so its resource is unknown`,
          fix: "Pass --resource enrollments or --resource enrollment-steps"
        })
      ),
    onSome: Effect.succeed
  })




/** `jobs list`. */
export const list = (flags: JobsListFlags) =>
    Effect.gen(function*() {
      const format = chosenFormat(flags.format, flags.json)
      if (!flags.remote) {
        const jobs = yield* Effect.flatMap(JobRepository, (repo) =>
          repo.list({
            resource: Option.getOrUndefined(flags.resource),
            status: Option.getOrUndefined(flags.status),
            limit: flags.limit
          })).pipe(Effect.provide(readLayer(flags.db)))
        return yield* print(format, LEDGER_COLUMNS, jobs.map(ledgerRow))
      }
      const status = yield* Option.match(flags.status, {
        onNone: () => Effect.succeed(Option.none<JobStatus>()),
        onSome: (s) =>
          (JobStatus.literals as ReadonlyArray<string>).includes(s)
            ? Effect.succeed(Option.some(s as JobStatus))
            : Effect.fail(new UsageError({ problem: `--status ${s} is not a server status`, fix: `Use one of ${JobStatus.literals.join(", ")}` }))
      })
      const key = yield* apiKey
      const style = styleFor(flags.apiPaths, yield* rememberedPaths(flags.db))
      const targets = Option.match(flags.resource, { onNone: () => resources, onSome: (r) => [r] })
      const rows = yield* remoteJobs(targets, style, status, flags.limit).pipe(
        Effect.provide(yield* api(flags.baseUrl, flags.apiPaths, key)),
        Effect.provide(Progress.stderr)
      )
      yield* print(format, REMOTE_COLUMNS, rows)
    })

/** `jobs show`. */
export const show = (flags: JobsShowFlags) =>
    Effect.gen(function*() {
      const entry = yield* ledgerEntry(flags.db, flags.jobId)
      const resource = yield* resourceOf(entry, flags.resource, flags.jobId)
      const key = yield* Effect.option(apiKey)
      const live = Option.isNone(key) ? Option.none() : yield* Effect.flatMap(UnifyApi, (client) =>
        client.getJob(
          resource,
          flags.jobId,
          Option.match(entry, { onNone: () => styleFor(flags.apiPaths, Option.none()), onSome: (e) => e.api_paths })
        )).pipe(
          Effect.provide(yield* api(flags.baseUrl, flags.apiPaths, key.value)),
          Effect.provide(Progress.stderr),
          Effect.map(Option.some),
          Effect.catchTag("NotFoundError", () => Effect.succeed(Option.none<RemoteJob>()))
        )
      const view = { ledger: Option.getOrNull(entry), server: Option.getOrNull(live) }
      if (flags.json) return yield* Output.line(JSON.stringify(view, null, 2))
      const lines = [
        Option.match(entry, {
          onNone: () => "ledger: not in this database",
          onSome: (e) => `ledger:\n${Object.entries(e).map(([k, v]) => `  ${k.padEnd(13)} ${v ?? "-"}`).join("\n")}`
        }),
        Option.isNone(key)
          ? "server: not asked (set UNIFY_API_KEY to see the live status)"
          : Option.match(live, {
            onNone: () => "server: does not know this job (404)",
            onSome: (j) => `server:\n${Object.entries(j).map(([k, v]) => `  ${k.padEnd(13)} ${v ?? "-"}`).join("\n")}`
          })
      ]
      yield* Output.line(lines.join("\n"))
      if (Option.isNone(entry) && Option.isSome(key) && Option.isNone(live)) {
        return yield* new UsageError({
          problem: `job ${flags.jobId} is neither in the ledger nor known to the server`,
          fix: "Check the id (unify-explore jobs list --remote lists the server's jobs)"
        })
      }
    })

/** `jobs cancel`. */
export const cancel = (flags: JobsCancelFlags) =>
    Effect.gen(function*() {
      const entry = yield* ledgerEntry(flags.db, flags.jobId)
      const resource = yield* resourceOf(entry, flags.resource, flags.jobId)
      const key = yield* apiKey
      const result = yield* Effect.flatMap(UnifyApi, (client) => client.cancelJob(resource, flags.jobId)).pipe(
        Effect.provide(yield* api(flags.baseUrl, flags.apiPaths, key)),
        Effect.provide(Progress.stderr)
      )
      if (Option.isSome(entry)) {
        yield* Effect.flatMap(JobRepository, (repo) =>
          repo.update(flags.jobId, {
            status: "CANCELED",
            canceled_at: entry.value.canceled_at ?? Instant.fromDate(new Date())
          })).pipe(
            Effect.provide(storeLayer(flags.db))
          )
      }
      yield* Output.line(`Job ${result.job_id} (${resource}) is ${result.status}.`)
    })
