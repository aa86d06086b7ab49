/** The command tree. */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import { demo } from "./commands/demo.js"
import { sandbox } from "./commands/sandbox.js"
import { jobs } from "./commands/jobs.js"
import { shell } from "./commands/shell.js"
import { sql } from "./commands/sql.js"
import { status } from "./commands/status.js"
import { sync } from "./commands/sync.js"

export const VERSION = "0.1.0"

const root = Command.make("unify-explore").pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Mirror the Unify Bulk API (sequence enrollments and steps) into a local SQLite file."),
      HelpDoc.descriptionList([
        [Span.text("sync"), HelpDoc.p("mirror both resources (needs UNIFY_API_KEY)")],
        [Span.text("sql"), HelpDoc.p("run read-only SQL against the mirror")],
        [Span.text("shell"), HelpDoc.p("interactive SQL shell with completion and history")],
        [Span.text("status"), HelpDoc.p("freshness per resource, unfinished jobs, daily job budget")],
        [Span.text("jobs"), HelpDoc.p("list, show and cancel query jobs (ledger or server)")],
        [Span.text("demo"), HelpDoc.p("sandbox + sync into ./unify-demo.db, no key needed")],
        [Span.text("sandbox"), HelpDoc.p("run the local Bulk API sandbox on 127.0.0.1")]
      ]),
      HelpDoc.p("Run `unify-explore COMMAND --help` for a command's options and examples.")
    ])
  ),
  Command.withSubcommands([sync, sql, shell, status, jobs, demo, sandbox])
)

export const run = Command.run(root, { name: "unify-explore", version: VERSION })
