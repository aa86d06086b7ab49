/**
 * `unify-explore sql`: one read-only statement (or a script) against the
 * mirror, rows streamed to stdout in the chosen format.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../domain/errors.js"
import { describe } from "./help.js"
import { dbOption, formatOption } from "./options.js"

const options = {
  db: dbOption("./unify-explore.db"),
  format: formatOption,
  param: Options.text("param").pipe(
    Options.withDescription("Bind :NAME in the SQL; NAME=VALUE, repeatable (numbers bind as numbers, text:VALUE forces text)"),
    Options.repeated
  ),
  maxRows: Options.integer("max-rows").pipe(
    Options.withDescription("Stop after this many rows (a note on stderr says so)"),
    Options.optional
  ),
  noHeaders: Options.boolean("no-headers").pipe(Options.withDescription("Leave out the header line"))
}

const readStdin = Effect.async<string>((resume) => {
  if (process.stdin.isTTY) {
    resume(Effect.succeed(""))
    return
  }
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (c: Buffer) => chunks.push(c))
  process.stdin.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
})

export const sql = Command.make(
  "sql",
  { ...options, query: Args.text({ name: "SQL" }).pipe(Args.optional) },
  (flags) =>
    Effect.gen(function*() {
      const text = Option.isSome(flags.query) ? flags.query.value : yield* readStdin
      if (text.trim().length === 0) {
        return yield* new UsageError({
          problem: "no SQL given",
          fix: "Pass a statement, e.g. unify-explore sql \"SELECT count(*) FROM enrollments\", or pipe one on stdin"
        })
      }
      const { runScript } = yield* Effect.promise(() => import("../explorer/Run.js"))
      yield* runScript({
        db: flags.db,
        script: text,
        format: Option.getOrUndefined(flags.format),
        params: flags.param,
        maxRows: Option.getOrUndefined(flags.maxRows),
        headers: !flags.noHeaders
      })
    })
).pipe(
  Command.withDescription(
    describe(
      "Run read-only SQL against the local mirror and stream the rows to stdout. " +
        "Writes, ATTACH and setting-changing pragmas are refused. SQL may also come on stdin.",
      [
        "unify-explore sql \"SELECT status, count(*) FROM enrollments GROUP BY 1\"",
        "unify-explore sql --format json \"SELECT * FROM v_sequence_rates\"",
        "unify-explore sql --param seq=3f2a… \"SELECT * FROM enrollments WHERE sequence_id = :seq\"",
        "unify-explore sql --format csv \"SELECT id, data FROM enrollment_steps\" > steps.csv",
        "echo \"SELECT data ->> '$.person.company.domain' FROM enrollments LIMIT 5;\" | unify-explore sql"
      ]
    )
  )
)
