/**
 * `unify-explore status`: how fresh the mirror is (work in app/status.ts).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { describe } from "./help.js"
import { dbOption, jsonOption } from "./options.js"

const options = {
  db: dbOption("./unify-explore.db"),
  dailyJobs: Options.integer("daily-jobs").pipe(
    Options.withDescription("The daily job budget to compare against"),
    Options.withDefault(100)
  ),
  json: jsonOption
}

export type StatusFlags = Command.Command.ParseConfig<typeof options>

export const status = Command.make("status", options, (flags) =>
  Effect.flatMap(Effect.promise(() => import("../app/status.js")), (app) => app.run(flags))
).pipe(
    Command.withDescription(
      describe(
        "Show, per resource, the rows mirrored, the checkpoint, the last successful sync, any unfinished job " +
          "and what the next sync would do with it, and the jobs spent against the daily budget.",
        ["unify-explore status", "unify-explore status --db ./unify-demo.db --json"]
      )
    )
  )
