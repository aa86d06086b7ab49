/**
 * `unify-explore shell`: the interactive SQL shell over the mirror (or, with
 * stdin not a terminal, a script runner that exits non-zero on an error).
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../domain/errors.js"
import * as Output from "../Output.js"
import { JobRepository } from "../services/JobRepository.js"
import { collectStatus, readLayer } from "./status.js"
import type { ShellFlags } from "../commands/shell.js"

const freshness = (db: string) => () =>
  Effect.runPromise(
    collectStatus(db, 100).pipe(
      Effect.map((status) =>
        Output.columns([
          ["resource", "rows", "checkpoint", "last sync", "latest outcome"],
          ...status.resources.map((r) => [
            r.resource,
            Output.count(r.rows),
            r.checkpoint?.updatedAt ?? "-",
            r.lastSync?.finishedAt ?? "never",
            r.lastRun?.outcome ?? "-"
          ])
        ])
      ),
      Effect.provide(readLayer(db))
    )
  )

const recentJobs = (db: string) => () =>
  Effect.runPromise(
    Effect.flatMap(JobRepository, (repo) => repo.list({ limit: 20 })).pipe(
      Effect.map((jobs) =>
        Output.columns([
          ["job_id", "resource", "status", "rows", "requested_at"],
          ...jobs.map((j) => [j.job_id, j.resource, j.status, `${j.rows_done}/${j.total_rows ?? "?"}`, j.requested_at])
        ])
      ),
      Effect.provide(readLayer(db))
    )
  )

/** The `shell` command's work. */
export const run = (flags: ShellFlags) =>
  Effect.gen(function*() {
    const { ShellSession, defaultHistoryFile } = yield* Effect.promise(() => import("../explorer/Shell.js"))
    const session = yield* Effect.try({
      try: () =>
        new ShellSession({
          db: flags.db,
          input: process.stdin,
          output: process.stdout,
          errors: process.stderr,
          historyFile: defaultHistoryFile(),
          freshness: freshness(flags.db),
          jobs: recentJobs(flags.db)
        }),
      catch: (error) =>
        new UsageError({ problem: (error as Error).message, fix: "Pass --db with the mirror's path" })
    })
    const code = yield* Effect.promise(async () => {
      if (process.stdin.isTTY) return session.interactive()
      const chunks: Array<Buffer> = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return session.runScript(Buffer.concat(chunks).toString("utf8"))
    })
    if (code !== 0) process.exitCode = code
  })
