/**
 * `unify-explore demo`: the sandbox in-process on a free port, a full sync
 * into a local file, and what to try next. No API key needed.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import { UsageError } from "../domain/errors.js"
import BetterSqlite3 from "better-sqlite3"
import { resources, tableOf } from "../domain/Resource.js"
import * as Output from "../Output.js"
import { startSandbox } from "../sandbox/Sandbox.js"
import { Progress } from "../services/Progress.js"
import { defaultPlan } from "../services/SyncWorkflow.js"
import { defaultSettings } from "../services/UnifyApi.js"
import type { DemoFlags } from "../commands/demo.js"
import { printSummary, runSync, type SyncSettings, syncLayer } from "./sync.js"

/** How the person started us: `unify-explore` if it is on their PATH, else its path. */
const self = () => {
  const script = process.argv[1] ?? "unify-explore"
  const onPath = (process.env.PATH ?? "").split(path.delimiter).includes(path.dirname(script))
  if (onPath) return path.basename(script)
  const relative = path.relative(process.cwd(), script)
  return relative.startsWith("..") || path.isAbsolute(relative) ? script : `./${relative}`
}

const EXAMPLES = (db: string, cli = self()) => [
  "Try next:",
  `  ${cli} status --db ${db}`,
  `  ${cli} sql --db ${db} "SELECT status, count(*) FROM enrollments GROUP BY status"`,
  `  ${cli} sql --db ${db} "SELECT * FROM v_sequence_rates ORDER BY reply_rate DESC LIMIT 5"`,
  `  ${cli} sql --db ${db} "SELECT data ->> '$.person.company.domain' AS domain, count(*) ` +
  `FROM enrollments GROUP BY 1 ORDER BY 2 DESC LIMIT 5"`,
  `  ${cli} shell --db ${db}`
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
const DEMO = "demo sandbox"

/** The origin a demo file records, so a demo with other data starts afresh. */
const demoOrigin = (flags: DemoFlags) => `${DEMO} (seed ${flags.seed}, ${flags.enrollments} enrollments)`

/**
 * A demo file from another demo is replaced (it holds only sample data); a
 * file that is not a demo's is never touched.
 */
const prepareFile = (db: string, origin: string) =>
  Effect.gen(function*() {
    if (!fs.existsSync(db)) return
    const found = yield* Effect.try({
      try: () => {
        const handle = new BetterSqlite3(db, { readonly: true, fileMustExist: true })
        try {
          return handle.prepare("SELECT value FROM meta WHERE key = 'origin'").pluck().get() as string | undefined
        } finally {
          handle.close()
        }
      },
      catch: () => undefined
    }).pipe(Effect.orElseSucceed(() => undefined))
    if (found === origin) return
    if (found === undefined || !found.startsWith(DEMO)) {
      return yield* new UsageError({
        problem: `${db} is not a demo database${found === undefined ? "" : ` (it mirrors ${found})`}`,
        fix: "Pass --db with a new file name for the demo"
      })
    }
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${db}${suffix}`, { force: true })
  })

export const run = (flags: DemoFlags) =>
  Effect.gen(function*() {
    const started = Date.now()
    yield* prepareFile(flags.db, demoOrigin(flags))
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
      origin: demoOrigin(flags),
      plan: { ...defaultPlan, poll: { ...defaultPlan.poll, maxMs: 2_000, timeoutMs: 60_000 } },
      api: { ...defaultSettings, baseUrl: server.url, apiKey: Redacted.make(server.apiKey) }
    }
    const outcomes = yield* runSync(settings).pipe(Effect.provide(syncLayer(settings, Progress.stderr)))
    yield* printSummary(settings, outcomes)
    if (flags.json) return
    const counts = yield* rowCounts(flags.db)
    yield* Output.line(
      `\nTables: ${counts.map(([t, n]) => `${t} ${Output.plural(n, "row")}`).join(", ")}. ` +
        `Demo took ${Output.duration(Date.now() - started)}.\n\n${EXAMPLES(flags.db)}`
    )
  }).pipe(Effect.scoped)
