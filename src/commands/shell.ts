/**
 * `unify-explore shell` (work in app/shell.ts and explorer/Shell.ts).
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { describe } from "./help.js"
import { dbOption } from "./options.js"


export const options = { db: dbOption("./unify-explore.db") }

export type ShellFlags = Command.Command.ParseConfig<typeof options>

export const shell = Command.make("shell", options, (flags) =>
  Effect.flatMap(Effect.promise(() => import("../app/shell.js")), (app) => app.run(flags))).pipe(
    Command.withDescription(
      describe(
        "Interactive SQL over the mirror: statements end with ';' and may span lines, Tab completes keywords, " +
          "tables, columns and dot-commands (.help lists them), history persists, Ctrl-C cancels a running query. " +
          "With stdin not a terminal it runs the statements and exits (non-zero if one failed).",
        [
          "unify-explore shell",
          "unify-explore shell --db ./unify-demo.db",
          "echo 'SELECT count(*) FROM enrollments;' | unify-explore shell"
        ]
      )
    )
  )
