/**
 * Options shared by several commands, so each reads the same everywhere.
 * Only light modules here: a command's definition must load fast.
 */
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import { formats } from "../explorer/Formats.js"

export const DEFAULT_BASE_URL = "https://api.unifygtm.com"

export const dbOption = (fallback: string) =>
  Options.text("db").pipe(
    Options.withDescription(`SQLite file of the mirror (env UNIFY_EXPLORE_DB; default ${fallback})`),
    Options.withFallbackConfig(Config.string("UNIFY_EXPLORE_DB")),
    Options.withDefault(fallback)
  )

export const jsonOption = Options.boolean("json").pipe(
  Options.withDescription("Print the summary as JSON on stdout")
)

export const baseUrlOption = Options.text("base-url").pipe(
  Options.withDescription(`API base URL (env UNIFY_BASE_URL; default ${DEFAULT_BASE_URL})`),
  Options.withFallbackConfig(Config.string("UNIFY_BASE_URL")),
  Options.withDefault(DEFAULT_BASE_URL)
)

export const apiPathsOption = Options.choice("api-paths", ["auto", "query-jobs", "jobs-query"]).pipe(
  Options.withDescription("Path spelling: query-jobs (OpenAPI), jobs-query (older guide), or auto"),
  Options.withDefault("auto" as const)
)

export const formatOption = Options.choice("format", formats).pipe(
  Options.withDescription("Output format (default: table on a terminal, csv when piped)"),
  Options.optional
)
