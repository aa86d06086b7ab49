/**
 * `unify-explore sync`: the flags; the work is in app/sync.ts, loaded only
 * when the command runs so other commands start fast.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { defaultRates, resources } from "../domain/Resource.js"
import { describe } from "./help.js"
import { apiPathsOption, baseUrlOption, dbOption, jsonOption } from "./options.js"

export const options = {
  db: dbOption("./unify-explore.db"),
  baseUrl: baseUrlOption,
  resource: Options.choice("resource", ["all", ...resources]).pipe(
    Options.withDescription("Which resource to sync"),
    Options.withDefault("all" as const)
  ),
  full: Options.boolean("full").pipe(
    Options.withDescription("Ignore the checkpoint and fetch everything the filter matches")
  ),
  filter: Options.text("filter").pipe(
    Options.withDescription("Extra filter as JSON, e.g. '{\"status\":{\"in\":[\"IN_PROGRESS\"]}}'"),
    Options.optional
  ),
  format: Options.choice("format", ["ndjson", "json"]).pipe(
    Options.withDescription("Results format: ndjson (up to 10000 rows a page) or json (up to 2000)"),
    Options.withDefault("ndjson" as const)
  ),
  pageSize: Options.integer("page-size").pipe(
    Options.withDescription("Rows per results page (default: the format's maximum)"),
    Options.optional
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDescription("Result pages fetched at once"),
    Options.withDefault(2)
  ),
  apiPaths: apiPathsOption,
  maxWait: Options.integer("max-wait").pipe(
    Options.withDescription("Longest Retry-After (seconds) to wait out before stopping resumably"),
    Options.withDefault(300)
  ),
  requestTimeout: Options.integer("request-timeout").pipe(
    Options.withDescription("Seconds one request may take, body included, before it is retried"),
    Options.withDefault(120)
  ),
  retries: Options.integer("retries").pipe(
    Options.withDescription("Retries of a request after a 5xx answer or a dropped connection"),
    Options.withDefault(5)
  ),
  dailyJobs: Options.integer("daily-jobs").pipe(
    Options.withDescription("Job creations allowed per rolling 24 h (the API allows about 100)"),
    Options.withDefault(100)
  ),
  statusRate: Options.integer("status-rate").pipe(
    Options.withDescription("Job status and list requests per second"),
    Options.withDefault(defaultRates.statusPerSecond)
  ),
  resultsRate: Options.integer("results-rate").pipe(
    Options.withDescription("Result page requests per second"),
    Options.withDefault(defaultRates.resultsPerSecond)
  ),
  pollTimeout: Options.integer("poll-timeout").pipe(
    Options.withDescription("Seconds to wait for a job to finish before stopping resumably"),
    Options.withDefault(1800)
  ),
  waitLock: Options.boolean("wait-lock").pipe(
    Options.withDescription("If another sync holds the database, wait for it instead of stopping")
  ),
  json: jsonOption
}


export type SyncFlags = Command.Command.ParseConfig<typeof options>

export const sync = Command.make("sync", options, (flags) =>
  Effect.flatMap(Effect.promise(() => import("../app/sync.js")), (app) => app.run(flags))).pipe(
    Command.withDescription(
      describe(
        "Mirror enrollments and enrollment steps into the local SQLite file: resumes an unfinished job before spending a new one, then moves the checkpoint.",
        [
          "unify-explore sync",
          "unify-explore sync --resource enrollments --db ./mirror.db",
          "unify-explore sync --filter '{\"sequence\":{\"id\":\"…\"}}' --full",
          "unify-explore sync --base-url http://127.0.0.1:4010 --json"
        ]
      )
    )
  )
