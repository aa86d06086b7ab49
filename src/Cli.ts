/** The command tree. */
import * as Command from "@effect/cli/Command"
import { demo } from "./commands/demo.js"
import { sandbox } from "./commands/sandbox.js"
import { sync } from "./commands/sync.js"

export const VERSION = "0.1.0"

const root = Command.make("unify-explore").pipe(
  Command.withDescription(
    "Mirror the Unify Bulk API (sequence enrollments and steps) into a local SQLite file."
  ),
  Command.withSubcommands([sync, demo, sandbox])
)

export const run = Command.run(root, { name: "unify-explore", version: VERSION })
