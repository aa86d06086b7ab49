/**
 * `unify-explore demo`: the sandbox in-process on a free port, a full sync
 * into a local file, and what to try next. No API key needed.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import BetterSqlite3 from "better-sqlite3"
import { resources, tableOf } from "../domain/Resource.js"
import * as Output from "../Output.js"
import { startSandbox } from "../sandbox/Sandbox.js"
import { Progress } from "../services/Progress.js"
import { defaultPlan } from "../services/SyncWorkflow.js"
import { defaultSettings } from "../services/UnifyApi.js"
import type { DemoFlags } from "../commands/demo.js"
import { printSummary, runSync, type SyncSettings, syncLayer } from "./sync.js"


const EXAMPLES = (db: string) => [
  "Try next:",
  `  unify-explore status --db ${db}`,
  `  unify-explore sql --db ${db} "SELECT status, count(*) FROM enrollments GROUP BY status"`,
  `  unify-explore sql --db ${db} "SELECT * FROM v_sequence_rates ORDER BY reply_rate DESC LIMIT 5"`,
  `  unify-explore sql --db ${db} "SELECT data ->> '$.person.company.domain' AS domain, count(*) FROM enrollments GROUP BY 1 ORDER BY 2 DESC LIMIT 5"`,
  `  unify-explore shell --db ${db}`
].join("\n")

const rowCounts = (db: string) =>
  Effect.sync(() => {
    const handle = new BetterSqlite3(db, { readonly: true })
    try {
      return resources.map((r) => [tableOf(r), handle.prepare(`SELECT count(*) FROM ${tableOf(r)}`).pluck().get() as number] as const)
    } finally {
      handle.close()
    }
  })

/** The `demo` command's work. */
export const run = (flags: DemoFlags) =>
  Effect.gen(function*() {
    const started = Date.now()
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => startSandbox({ port: 0, enrollments: flags.enrollments, seed: flags.seed })),
      (server) => Effect.promise(() => server.close())
    )
    yield* Output.stderr(`demo: sandbox with ${Output.count(flags.enrollments)} enrollments on ${server.url}`)
    const settings: SyncSettings = {
      db: flags.db,
      resources,
      json: flags.json,
      waitLock: false,
      plan: { ...defaultPlan, poll: { initialMs: 250, maxMs: 2_000, timeoutMs: 60_000 } },
      api: { ...defaultSettings, baseUrl: server.url, apiKey: Redacted.make(server.apiKey) }
    }
    const outcomes = yield* runSync(settings).pipe(Effect.provide(syncLayer(settings, Progress.stderr)))
    yield* printSummary(settings, outcomes)
    if (flags.json) return
    const counts = yield* rowCounts(flags.db)
    yield* Output.line(
      `\nTables: ${counts.map(([t, n]) => `${t} ${Output.count(n)} rows`).join(", ")}. ` +
        `Demo took ${Output.duration(Date.now() - started)}.\n\n${EXAMPLES(flags.db)}`
    )
  }).pipe(Effect.scoped)
