/**
 * `unify-explore sandbox`: the local Bulk API on 127.0.0.1, until Ctrl-C.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Output from "../Output.js"
import { describe } from "./help.js"
import { startSandbox } from "../sandbox/Sandbox.js"

export const DEFAULT_SANDBOX_KEY = "sandbox-key"

const options = {
  port: Options.integer("port").pipe(
    Options.withDescription("Port on 127.0.0.1 (0 picks a free one)"),
    Options.withDefault(4010)
  ),
  enrollments: Options.integer("enrollments").pipe(
    Options.withDescription("Enrollments to generate (each gets 1–6 steps)"),
    Options.withDefault(1000)
  ),
  seed: Options.integer("seed").pipe(
    Options.withDescription("Seed of the generated data (same seed, same data)"),
    Options.withDefault(1)
  ),
  jobDelayMs: Options.integer("job-delay-ms").pipe(
    Options.withDescription("How long a job stays IN_PROGRESS"),
    Options.withDefault(300)
  ),
  apiKey: Options.text("api-key").pipe(
    Options.withDescription(`API key the sandbox accepts (default ${DEFAULT_SANDBOX_KEY})`),
    Options.optional
  ),
  noRateLimits: Options.boolean("no-rate-limits").pipe(
    Options.withDescription("Turn off the documented per-operation rate limits")
  ),
  paths: Options.choice("paths", ["both", "query-jobs", "jobs-query"]).pipe(
    Options.withDescription("Path spellings to serve"),
    Options.withDefault("both" as const)
  ),
  admin: Options.boolean("admin").pipe(
    Options.withDescription("Enable /__sandbox/* routes (stats, touch, expire, advance)")
  )
}

export const sandbox = Command.make("sandbox", options, (flags) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startSandbox({
          port: flags.port,
          enrollments: flags.enrollments,
          seed: flags.seed,
          jobDelayMs: flags.jobDelayMs,
          apiKey: Option.getOrElse(flags.apiKey, () => DEFAULT_SANDBOX_KEY),
          rateLimits: flags.noRateLimits ? false : undefined,
          paths: flags.paths === "both" ? ["query-jobs", "jobs-query"] : [flags.paths],
          admin: flags.admin
        })
      ),
      (server) => Effect.promise(() => server.close())
    )
    const key = Option.isSome(flags.apiKey) ? "the key given with --api-key" : DEFAULT_SANDBOX_KEY
    yield* Output.line(
      `Sandbox Bulk API listening on ${server.url} (API key: ${key}). Ctrl-C stops it.\n` +
        `Try: UNIFY_API_KEY=${Option.isSome(flags.apiKey) ? "..." : DEFAULT_SANDBOX_KEY} ` +
        `unify-explore sync --base-url ${server.url} --db ./sandbox.db`
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(
      describe(
        "Run the local sandbox of the Bulk API (both path spellings, job lifecycle, limits, documented errors) with deterministic generated data. Listens on 127.0.0.1 only.",
        [
          "unify-explore sandbox",
          "unify-explore sandbox --port 0 --enrollments 25000 --seed 7",
          "unify-explore sandbox --no-rate-limits --job-delay-ms 0 --admin"
        ]
      )
    )
  )
