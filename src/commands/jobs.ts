/**
 * `unify-explore jobs list|show|cancel` (work in app/jobs.ts).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { resources } from "../domain/Resource.js"
import { describe } from "./help.js"
import { apiPathsOption, baseUrlOption, dbOption, formatOption, jsonOption } from "./options.js"

const db = dbOption("./unify-explore.db")

const resourceOption = Options.choice("resource", resources).pipe(
  Options.withDescription("Which resource's jobs"),
  Options.optional
)

const jobArg = Args.text({ name: "JOB_ID" })

const app = () => Effect.promise(() => import("../app/jobs.js"))

const listOptions = {
    db,
    resource: resourceOption,
    status: Options.text("status").pipe(Options.withDescription("Only jobs with this status"), Options.optional),
    remote: Options.boolean("remote").pipe(Options.withDescription("Ask the server (needs UNIFY_API_KEY)")),
    limit: Options.integer("limit").pipe(Options.withDescription("At most this many jobs"), Options.withDefault(50)),
    baseUrl: baseUrlOption,
    apiPaths: apiPathsOption,
    format: formatOption,
    json: jsonOption
  }

export type JobsListFlags = Command.Command.ParseConfig<typeof listOptions>

const list = Command.make("list", listOptions, (flags) => Effect.flatMap(app(), (a) => a.list(flags))).pipe(
  Command.withDescription(
    describe("List jobs from the local ledger, or from the server with --remote (cursor-paginated, rate-limited).", [
      "unify-explore jobs list",
      "unify-explore jobs list --resource enrollments --status COMPLETE",
      "unify-explore jobs list --remote --status IN_PROGRESS --format json"
    ])
  )
)

const showOptions = { db, resource: resourceOption, baseUrl: baseUrlOption, apiPaths: apiPathsOption, json: jsonOption, jobId: jobArg }

export type JobsShowFlags = Command.Command.ParseConfig<typeof showOptions>

const show = Command.make("show", showOptions, (flags) => Effect.flatMap(app(), (a) => a.show(flags))).pipe(
  Command.withDescription(
    describe("Show a job's ledger entry and, with UNIFY_API_KEY set, its live status on the server.", [
      "unify-explore jobs show 3f1c…",
      "unify-explore jobs show 3f1c… --resource enrollments --json"
    ])
  )
)

const cancelOptions = { db, resource: resourceOption, baseUrl: baseUrlOption, apiPaths: apiPathsOption, jobId: jobArg }

export type JobsCancelFlags = Command.Command.ParseConfig<typeof cancelOptions>

const cancel = Command.make("cancel", cancelOptions, (flags) => Effect.flatMap(app(), (a) => a.cancel(flags))).pipe(
  Command.withDescription(
    describe("Cancel an IN_PROGRESS job on the server (1 request/s) and record it in the ledger.", [
      "unify-explore jobs cancel 3f1c…",
      "unify-explore jobs cancel 3f1c… --resource enrollment-steps"
    ])
  )
)

export const jobs = Command.make("jobs").pipe(
  Command.withDescription("Inspect and manage query jobs: list, show, cancel."),
  Command.withSubcommands([list, show, cancel])
)
