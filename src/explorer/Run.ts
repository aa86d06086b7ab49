/**
 * Runs a script for `sql`: each statement checked and streamed in turn.
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../domain/errors.js"
import * as Output from "../Output.js"
import * as Engine from "./Engine.js"
import { defaultFormat, defaultWriterOptions, type Format, writer } from "./Formats.js"
import { watchClosed, writeRows } from "./Stream.js"

export interface ScriptRun {
  readonly db: string
  readonly script: string
  readonly format: Format | undefined
  readonly params: ReadonlyArray<string>
  readonly maxRows: number | undefined
  readonly headers: boolean
}

const LIST_TABLES = "unify-explore sql \"SELECT name, type FROM sqlite_schema WHERE name NOT LIKE 'sqlite%'\""

const queryError = (error: unknown) => {
  const message = (error as Error).message ?? String(error)
  if (error instanceof Engine.QueryError && message.startsWith("refused")) {
    return new UsageError({ problem: message, fix: "Change the mirror with `unify-explore sync`" })
  }
  return error instanceof Engine.QueryError || (error as { code?: string }).code?.startsWith("SQLITE")
    ? new UsageError({ problem: `SQL error: ${message}`, fix: `Tables and views: ${LIST_TABLES}` })
    : error
}

export const runScript = (run: ScriptRun) =>
  Effect.tryPromise({
    try: async () => {
      const params = Object.fromEntries(run.params.map(Engine.parseParam))
      const format = run.format ?? defaultFormat(process.stdout.isTTY === true)
      const db = Engine.open(run.db)
      watchClosed(process.stdout)
      // A query blocks this thread, so a JS signal handler would never run:
      // let Ctrl-C and SIGTERM end the process (the connection only reads).
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(signal)
      try {
        for (const statement of Engine.split(run.script)) {
          const prepared = Engine.prepare(db, statement, params)
          if (!prepared.returnsRows) continue
          const out = writer(format, prepared.columns, { ...defaultWriterOptions, headers: run.headers })
          const result = await writeRows(prepared.rows(), out, process.stdout, run.maxRows)
          if (result.closed) return
          if (result.capped) {
            Output.note(`(stopped after ${result.rows} rows: --max-rows ${run.maxRows})`)
          }
          if (out.shortened()) {
            Output.note("(long values were shortened with …; use --format csv or json to see them whole)")
          }
        }
      } finally {
        db.close()
      }
    },
    catch: queryError
  }).pipe(Effect.mapError((e) => e as UsageError))
