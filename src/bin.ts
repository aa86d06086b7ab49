/**
 * Entry point: runs the CLI, turns a failure into one line on stderr and
 * its exit code (see ExitCodes.ts), and Ctrl-C / SIGTERM into 130 / 143.
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { run } from "./Cli.js"
import { ExitCode, exitCodeOf } from "./ExitCodes.js"
import * as Output from "./Output.js"

const report = (error: unknown) =>
  Effect.gen(function*() {
    // @effect/cli has already printed its own validation message.
    if (ValidationError.isValidationError(error)) {
      process.exitCode = ExitCode.usage
      return
    }
    yield* Output.stderr(`unify-explore: ${(error as Error).message ?? String(error)}`)
    process.exitCode = exitCodeOf(error)
  })

const level = process.env.UNIFY_EXPLORE_LOG === "debug" ? LogLevel.Debug : LogLevel.Warning

const program = run(process.argv).pipe(
  Effect.catchAll(report),
  Effect.catchAllDefect((defect) =>
    Effect.zipRight(
      Output.stderr(`unify-explore: internal error: ${defect instanceof Error ? defect.message : String(defect)}`),
      Effect.sync(() => void (process.exitCode = ExitCode.internal))
    )
  ),
  Logger.withMinimumLogLevel(level),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))),
  Effect.provide(NodeContext.layer)
)

// runMain turns both signals into interruption; remember which one came so
// the exit code says it (128 + signal number, as shells do).
let signal: "SIGINT" | "SIGTERM" = "SIGINT"
process.once("SIGTERM", () => void (signal = "SIGTERM"))

// A reader that went away (`| head`) is not an error: stop writing quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error
  })
}

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) {
      onExit(signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted)
    } else {
      onExit(Option.getOrElse(Option.fromNullable(process.exitCode as number | undefined), () => 0))
    }
  }
})
