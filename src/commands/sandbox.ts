/**
 * `unify-explore sandbox`: the local Bulk API on 127.0.0.1, until Ctrl-C.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import { UsageError } from "../domain/errors.js"
import * as Output from "../Output.js"
import { describe } from "./help.js"
import {
  type FaultProfile,
  parseFaultProfile,
  startSandbox
} from "../sandbox/Sandbox.js"

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
  ),
  faults: Options.text("faults").pipe(
    Options.withDescription(
      "Seeded fault profile: a JSON object, or the path of a JSON file " +
        "(e.g. '{\"rateLimit\":0.1,\"dropConnection\":0.05}'); off by default"
    ),
    Options.optional
  ),
  faultSeed: Options.integer("fault-seed").pipe(
    Options.withDescription("Seed of the fault streams (default: the profile's seed, else --seed)"),
    Options.optional
  )
}

const usage = (problem: string, fix: string) => new UsageError({ problem, fix })

/** Inline JSON starts with `{`; anything else names a file. */
const faultsText = (arg: string) =>
  arg.trimStart().startsWith("{")
    ? Effect.succeed(arg)
    : Effect.try({
      try: () => fs.readFileSync(arg, "utf8"),
      catch: (error) =>
        usage(
          `--faults ${JSON.stringify(arg)} is neither a JSON object nor a readable file ` +
            `(${(error as NodeJS.ErrnoException).code ?? String(error)})`,
          "Pass a JSON object such as '{\"rateLimit\":0.1}' or the path of a JSON file"
        )
    })

const loadFaults = (arg: string, seed: Option.Option<number>) =>
  Effect.gen(function*() {
    const text = yield* faultsText(arg)
    const value = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => usage(`--faults is not valid JSON: ${(error as Error).message}`, "Fix the JSON")
    })
    const profile = parseFaultProfile(value)
    if (Either.isLeft(profile)) {
      return yield* usage(`--faults is not a valid fault profile: ${profile.left}`, "See the README's fault table")
    }
    return Option.match(seed, {
      onNone: () => profile.right,
      onSome: (s): FaultProfile => ({ ...profile.right, seed: s })
    })
  })

/** The checked profile of `--faults`, with `--fault-seed` as its seed. */
export const faultProfileOf = (flags: {
  readonly faults: Option.Option<string>
  readonly faultSeed: Option.Option<number>
}) =>
  Option.match(flags.faults, {
    onNone: () =>
      Option.isSome(flags.faultSeed)
        ? Effect.fail(usage("--fault-seed needs --faults", "Add a --faults profile or drop --fault-seed"))
        : Effect.succeed(undefined),
    onSome: (arg) => loadFaults(arg, flags.faultSeed)
  })

export const sandbox = Command.make("sandbox", options, (flags) =>
  Effect.gen(function*() {
    const faults = yield* faultProfileOf(flags)
    if (flags.enrollments < 0 || flags.port < 0 || flags.port > 65535 || flags.jobDelayMs < 0) {
      return yield* new UsageError({
        problem: "--enrollments and --job-delay-ms cannot be negative, and --port must be 0 to 65535",
        fix: "Fix the number"
      })
    }
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          startSandbox({
          port: flags.port,
          enrollments: flags.enrollments,
          seed: flags.seed,
          jobDelayMs: flags.jobDelayMs,
          apiKey: Option.getOrElse(flags.apiKey, () => DEFAULT_SANDBOX_KEY),
          rateLimits: flags.noRateLimits ? false : undefined,
          paths: flags.paths === "both" ? ["query-jobs", "jobs-query"] : [flags.paths],
          admin: flags.admin,
          faults
        }),
        catch: (error) =>
          new UsageError({
            problem: `the sandbox cannot listen on 127.0.0.1:${flags.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
            fix: "Pick another --port, or 0 for any free one"
          })
      }),
      (server) => Effect.promise(() => server.close())
    )
    const key = Option.isSome(flags.apiKey) ? "the key given with --api-key" : DEFAULT_SANDBOX_KEY
    yield* Output.line(
      `Sandbox Bulk API listening on ${server.url} (API key: ${key}). Ctrl-C stops it.\n` +
        `Try: UNIFY_API_KEY=${Option.isSome(flags.apiKey) ? "..." : DEFAULT_SANDBOX_KEY} ` +
        `unify-explore sync --base-url ${server.url} --db ./sandbox.db`
    )
    if (faults !== undefined) {
      const seed = faults.seed ?? flags.seed
      yield* Output.line(`Fault profile on (fault seed ${seed}): some answers fail on purpose.`)
    }
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(
      describe(
        "Run the local sandbox of the Bulk API (both path spellings, job lifecycle, limits, documented errors) with deterministic generated data. Listens on 127.0.0.1 only.",
        [
          "unify-explore sandbox",
          "unify-explore sandbox --port 0 --enrollments 25000 --seed 7",
          "unify-explore sandbox --no-rate-limits --job-delay-ms 0 --admin",
          "unify-explore sandbox --faults '{\"rateLimit\":0.2,\"dropConnection\":0.05}' --fault-seed 3",
          "unify-explore sandbox --faults ./faults.json"
        ]
      )
    )
  )
