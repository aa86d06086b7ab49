/**
 * `unify-explore demo` (work in app/demo.ts).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { describe } from "./help.js"
import { jsonOption } from "./options.js"

export const options = {
  db: Options.text("db").pipe(
    Options.withDescription("SQLite file to fill (default ./unify-demo.db)"),
    Options.withDefault("./unify-demo.db")
  ),
  enrollments: Options.integer("enrollments").pipe(
    Options.withDescription("Enrollments in the sample data (each gets 1–6 steps)"),
    Options.withDefault(2000)
  ),
  seed: Options.integer("seed").pipe(
    Options.withDescription("Seed of the sample data"),
    Options.withDefault(1)
  ),
  json: jsonOption
}

export type DemoFlags = Command.Command.ParseConfig<typeof options>

export const demo = Command.make("demo", options, (flags) =>
  Effect.flatMap(Effect.promise(() => import("../app/demo.js")), (app) => app.run(flags))).pipe(
    Command.withDescription(
      describe(
        "Start the sandbox in-process, sync a sample data set into ./unify-demo.db, and show what happened. Needs no API key and no network beyond 127.0.0.1.",
        [
          "unify-explore demo",
          "unify-explore demo --db /tmp/demo.db --enrollments 10000"
        ]
      )
    )
  )
