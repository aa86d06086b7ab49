/**
 * `unify-explore sync`: flags → a checked plan → SyncWorkflow per resource
 * → one summary on stdout.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Config from "effect/Config"
import type { SyncFlags } from "../commands/sync.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import { UsageError } from "../domain/errors.js"
import * as Instant from "../domain/Instant.js"
import * as FilterSchema from "../domain/Filter.js"
import type { Filter } from "../domain/Filter.js"
import { pageSizeLimit, type Resource, resources, type ResultFormat } from "../domain/Resource.js"
import { exitCodeOf } from "../ExitCodes.js"
import * as Output from "../Output.js"
import { Database } from "../services/Database.js"
import { JobRepository } from "../services/JobRepository.js"
import { Progress } from "../services/Progress.js"
import { RecordStore } from "../services/RecordStore.js"
import { SyncLock } from "../services/SyncLock.js"
import { SyncLog } from "../services/SyncLog.js"
import { defaultPlan, type ResourceOutcome, type SyncPlan, SyncWorkflow } from "../services/SyncWorkflow.js"
import { type ApiSettings, defaultSettings, type PathMode, UnifyApi } from "../services/UnifyApi.js"

export interface SyncSettings {
  readonly db: string
  readonly resources: ReadonlyArray<Resource>
  readonly plan: SyncPlan
  readonly api: ApiSettings
  readonly json: boolean
  /** Wait for another sync on the same file instead of stopping. */
  readonly waitLock: boolean
  /** What the file mirrors (the API's base URL, or the demo's sandbox). */
  readonly origin: string
}

/** The base URL as one spelling: lower-case scheme and host, no trailing slash. */
export const originOf = (baseUrl: string) => {
  const url = new URL(baseUrl)
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`
}

/**
 * A file mirrors one origin: a sync against another would mix two
 * accounts' rows and start from the wrong checkpoint.
 */
const checkOrigin = (db: string, origin: string) =>
  Effect.gen(function*() {
    const log = yield* SyncLog
    const known = yield* log.getMeta("origin")
    if (Option.isNone(known)) return yield* log.setMeta("origin", origin)
    if (known.value !== origin) {
      return yield* usage(
        `${db} mirrors ${known.value}, not ${origin}`,
        "Use another --db for this API (one file per account), or remove the file to start over"
      )
    }
  })

// === options shared with other commands

// === checks

const usage = (problem: string, fix: string) => new UsageError({ problem, fix })

/** Line and column of a JSON.parse error position, for a precise message. */
const jsonErrorAt = (text: string, error: Error) => {
  const position = /position (\d+)/.exec(error.message)
  if (position === null) return error.message
  const offset = Number(position[1])
  const before = text.slice(0, offset).split("\n")
  return `${error.message.replace(/ in JSON at position \d+.*$/, "")} at line ${before.length}, ` +
    `column ${before[before.length - 1]!.length + 1}`
}

export const parseFilter = (text: string, targets: ReadonlyArray<Resource>) =>
  Effect.gen(function*() {
    const value = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) =>
        usage(`--filter is not valid JSON: ${jsonErrorAt(text, error as Error)}`, "Fix the JSON and try again")
    })
    for (const resource of targets) {
      const checked = FilterSchema.validate(resource, value)
      if (Either.isLeft(checked)) {
        const issues = checked.left.map((i) => `${i.path}: ${i.message}`).join("; ")
        const scope = targets.length > 1 ? ` (with --resource all it must suit ${resource} too)` : ""
        return yield* usage(
          `--filter is not a valid ${resource} filter${scope}: ${issues}`,
          targets.length > 1 ? "Fix the filter or pick one --resource" : "Fix the filter"
        )
      }
    }
    return value as Filter
  })

export const checkPageSize = (format: ResultFormat, pageSize: Option.Option<number>) => {
  const max = pageSizeLimit[format]
  const size = Option.getOrElse(pageSize, () => max)
  return size >= 1 && size <= max
    ? Effect.succeed(size)
    : Effect.fail(usage(`--page-size ${size} is out of range for ${format}`, `Use 1 to ${max}`))
}

const positive = (name: string, value: number) =>
  value >= 1 ? Effect.void : Effect.fail(usage(`--${name} must be at least 1 (got ${value})`, `Pass --${name} 1 or more`))

export const checkBaseUrl = (url: string) =>
  /^https?:\/\/[^/\s]+/i.test(url)
    ? Effect.succeed(url)
    : Effect.fail(usage(`--base-url ${JSON.stringify(url)} is not an http(s) URL`, "Pass e.g. --base-url http://127.0.0.1:4010"))

export const apiKey = Config.redacted("UNIFY_API_KEY").pipe(
  Effect.mapError(() =>
    usage(
      "UNIFY_API_KEY is not set",
      "Export a user-backed key from Unify (Settings → Developers): export UNIFY_API_KEY=...; " +
        "or try `unify-explore demo`, which needs no key"
    )
  ),
  Effect.filterOrFail(
    (key) => Redacted.value(key).trim().length > 0,
    () => usage("UNIFY_API_KEY is empty", "Set it to your API key")
  ),
  // A header cannot carry control characters or spaces; say so instead of
  // failing every request as a network error (the key itself is not shown).
  Effect.filterOrFail(
    (key) => /^[\x21-\x7e]+$/.test(Redacted.value(key)),
    () =>
      usage(
        "UNIFY_API_KEY holds spaces, line breaks or other characters an API key cannot have",
        "Set it again without them (e.g. no trailing newline)"
      )
  )
)

/** A database path that names a file: not empty, not SQLite's in-memory name. */
export const checkDbPath = (db: string) =>
  db.trim() === "" || db === ":memory:" || db.startsWith("file:")
    ? Effect.fail(usage(`--db ${JSON.stringify(db)} does not name a file`, "Pass a file path, e.g. --db ./unify-explore.db"))
    : Effect.succeed(db)

const settingsFrom = (flags: SyncFlags, key: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const targets = flags.resource === "all" ? resources : [flags.resource]
    const filter = Option.isSome(flags.filter) ? yield* parseFilter(flags.filter.value, targets) : undefined
    const pageSize = yield* checkPageSize(flags.format, flags.pageSize)
    yield* positive("concurrency", flags.concurrency)
    yield* positive("daily-jobs", flags.dailyJobs)
    yield* positive("request-timeout", flags.requestTimeout)
    yield* positive("poll-timeout", flags.pollTimeout)
    yield* positive("status-rate", flags.statusRate)
    yield* positive("results-rate", flags.resultsRate)
    if (flags.maxWait < 0) yield* usage("--max-wait cannot be negative", "Pass 0 or more seconds")
    const baseUrl = yield* checkBaseUrl(flags.baseUrl)
    return {
      db: yield* checkDbPath(flags.db),
      resources: targets,
      json: flags.json,
      waitLock: flags.waitLock,
      origin: originOf(baseUrl),
      plan: {
        filter,
        full: flags.full,
        format: flags.format,
        pageSize,
        concurrency: flags.concurrency,
        dailyJobBudget: flags.dailyJobs,
        poll: { ...defaultPlan.poll, timeoutMs: flags.pollTimeout * 1000 }
      },
      api: {
        ...defaultSettings,
        baseUrl,
        apiKey: key,
        paths: flags.apiPaths as PathMode,
        statusPerSecond: flags.statusRate,
        resultsPerSecond: flags.resultsRate,
        maxWaitMs: flags.maxWait * 1000,
        requestTimeoutMs: flags.requestTimeout * 1000,
        retries: Math.max(0, flags.retries)
      }
    } satisfies SyncSettings
  })

// === running

/** The API client over real HTTP. */
export const apiLayer = (settings: ApiSettings) =>
  UnifyApi.layer(settings).pipe(
    // node:http rather than undici: nothing to instantiate (undici's parser
    // is WebAssembly), which the benchmark measured as 40 MB less RSS and a
    // quicker start. Keep-alive spares the real API a handshake per page.
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true }))
  )

/** The stores over one database file, writable. */
export const storeLayer = (db: string) =>
  Layer.mergeAll(JobRepository.layer, RecordStore.layer, SyncLog.layer, SyncLock.layer).pipe(
    Layer.provideMerge(Database.layer({ path: db }))
  )

/** Everything a sync needs, on one database file and one API. */
export const syncLayer = (settings: Pick<SyncSettings, "db" | "api">, progress: Layer.Layer<Progress>) =>
  SyncWorkflow.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(storeLayer(settings.db), apiLayer(settings.api))),
    Layer.provideMerge(progress)
  )

/** Syncs each resource in turn, holding the file; the first failure stops the run. */
export const runSync = (settings: SyncSettings) =>
  Effect.gen(function*() {
    yield* Effect.flatMap(SyncLock, (lock) => lock.hold(settings.waitLock))
    yield* Effect.flatMap(SyncLog, (log) => log.markAbandoned(Instant.fromDate(new Date())))
    yield* checkOrigin(settings.db, settings.origin)
    const workflow = yield* SyncWorkflow
    // Later resources' jobs are started first (budget allowing the earlier
    // ones theirs), so the server prepares them while the first one
    // downloads. A failure here is left to that resource's own turn, which
    // retries and reports it.
    const started = new Map<Resource, string>()
    for (const [index, resource] of settings.resources.entries()) {
      if (index === 0) continue
      const job = yield* workflow.startJob(resource, settings.plan, index).pipe(
        Effect.orElseSucceed(() => Option.none<string>())
      )
      if (Option.isSome(job)) started.set(resource, job.value)
    }
    const outcomes: Array<ResourceOutcome> = []
    for (const resource of settings.resources) {
      outcomes.push(yield* workflow.run(resource, settings.plan, started.get(resource)))
    }
    return outcomes
  }).pipe(
    Effect.scoped,
    Effect.ensuring(Effect.flatMap(Progress, (progress) => progress.done)),
    Effect.onInterrupt(() =>
      Output.stderr("unify-explore: interrupted; committed pages are kept and the next run resumes.")
    )
  )

export const summaryLines = (outcomes: ReadonlyArray<ResourceOutcome>) =>
  Output.columns([
    ["resource", "job", "rows", "changed", "pages", "checkpoint", "time"],
    ...outcomes.map((o) => [
      o.resource,
      `${o.jobId.slice(0, 8)}${o.resumed ? " (resumed)" : o.jobsCreated > 0 ? " (new)" : ""}`,
      Output.count(o.rowsReceived),
      Output.count(o.rowsChanged),
      String(o.pagesFetched),
      o.checkpoint ?? "-",
      Output.duration(o.durationMs)
    ])
  ])

export const printSummary = (settings: SyncSettings, outcomes: ReadonlyArray<ResourceOutcome>) => {
  const jobsCreated = outcomes.reduce((n, o) => n + o.jobsCreated, 0)
  if (settings.json) {
    return Output.line(JSON.stringify({ database: settings.db, jobsCreated, resources: outcomes }, null, 2))
  }
  const size = fs.existsSync(settings.db) ? fs.statSync(settings.db).size : 0
  return Output.line(
    `${summaryLines(outcomes)}\n\n${Output.plural(jobsCreated, "job")} created; database ${settings.db} ` +
      `(${(size / 1024 / 1024).toFixed(1)} MB)`
  )
}

/** The `sync` command's work, loaded only when it runs. */
export const run = (flags: SyncFlags) =>
  Effect.gen(function*() {
    const key = yield* apiKey
    const settings = yield* settingsFrom(flags, key)
    const outcomes = yield* runSync(settings).pipe(Effect.provide(syncLayer(settings, Progress.stderr)))
    yield* printSummary(settings, outcomes)
  }).pipe(
    // With --json, scripts get the failure on stdout too (the message stays on stderr).
    Effect.tapError((error) =>
      flags.json
        ? Output.line(JSON.stringify({ error: { type: error._tag, message: error.message, exitCode: exitCodeOf(error) } }))
        : Effect.void
    )
  )
