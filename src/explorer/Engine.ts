/**
 * The read-only query engine behind `sql` and `shell`: a read-only
 * connection, statements checked before they run, rows pulled lazily.
 * It knows SQLite, not terminals: callers format what it yields.
 */
import BetterSqlite3 from "better-sqlite3"
import * as fs from "node:fs"
import type { Value } from "./Formats.js"

export class QueryError extends Error {
  readonly _tag = "QueryError"
}

/** Opens the mirror read-only; it must exist. */
export const open = (file: string): BetterSqlite3.Database => {
  if (!fs.existsSync(file)) {
    throw new QueryError(
      `no database at ${file}; run \`unify-explore sync\` (or \`unify-explore demo\`) first, or pass --db`
    )
  }
  try {
    const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
    db.pragma("busy_timeout = 5000")
    db.defaultSafeIntegers(true)
    return db
  } catch (error) {
    throw new QueryError(`cannot open ${file}: ${(error as Error).message}`)
  }
}

/**
 * Splits a script into statements at semicolons outside quotes, brackets
 * and comments. Empty statements are dropped.
 */
export const split = (script: string): Array<string> => {
  const out: Array<string> = []
  let start = 0
  let i = 0
  const n = script.length
  while (i < n) {
    const c = script[i]!
    if (c === "'" || c === "\"" || c === "`") {
      i = script.indexOf(c, i + 1)
      while (i >= 0 && script[i + 1] === c) i = script.indexOf(c, i + 2)
      i = i < 0 ? n : i + 1
    } else if (c === "[") {
      const end = script.indexOf("]", i + 1)
      i = end < 0 ? n : end + 1
    } else if (c === "-" && script[i + 1] === "-") {
      const end = script.indexOf("\n", i)
      i = end < 0 ? n : end + 1
    } else if (c === "/" && script[i + 1] === "*") {
      const end = script.indexOf("*/", i + 2)
      i = end < 0 ? n : end + 2
    } else if (c === ";") {
      out.push(script.slice(start, i + 1))
      start = i + 1
      i++
    } else {
      i++
    }
  }
  out.push(script.slice(start))
  return out.filter((s) => stripComments(s).replace(/;/g, "").trim().length > 0).map((s) => s.trim())
}

const stripComments = (sql: string) => sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?(\*\/|$)/g, "")

/** Whether `script` ends a complete statement (for multi-line input). */
export const isComplete = (script: string) => {
  const statements = split(script)
  if (statements.length === 0) return false
  const last = stripComments(script).trimEnd()
  return last.endsWith(";") && split(`${script}\nSELECT 1`).length === statements.length + 1
}

const WRITING_PRAGMAS = /^(wal_checkpoint|optimize|incremental_vacuum|shrink_memory|integrity_check\s*\(\s*\w+\s*\)\s*=)/i

/** Refuses what could change the file or the connection's view of others. */
const refuse = (sql: string, statement: BetterSqlite3.Statement) => {
  const head = stripComments(sql).trim()
  if (/^(attach|detach)\b/i.test(head)) {
    throw new QueryError("refused: ATTACH and DETACH are not allowed; this command only reads the mirror")
  }
  // EXPLAIN only describes a statement; it never runs it.
  if (/^explain\b/i.test(head)) return
  const pragma = /^pragma\s+(?:\w+\.)?(.*)$/is.exec(head)
  if (pragma !== null) {
    if (pragma[1]!.includes("=") || WRITING_PRAGMAS.test(pragma[1]!)) {
      const name = head.split(/\s+/).slice(0, 2).join(" ")
      throw new QueryError(`refused: ${name} can change settings or data; only reading pragmas are allowed`)
    }
    return
  }
  if (!statement.readonly) {
    throw new QueryError(
      `refused: "${head.split(/\s+/)[0]}" would write; the mirror is read-only here (sync is the only writer)`
    )
  }
}

export type Params = Record<string, Value>

/** A checked statement, ready to run. */
export interface Prepared {
  readonly columns: ReadonlyArray<string>
  readonly returnsRows: boolean
  /** Rows as arrays, pulled one at a time. */
  readonly rows: () => IterableIterator<ReadonlyArray<Value>>
}

export const prepare = (db: BetterSqlite3.Database, sql: string, params: Params = {}): Prepared => {
  let statement: BetterSqlite3.Statement
  try {
    statement = db.prepare(sql)
  } catch (error) {
    throw new QueryError((error as Error).message)
  }
  refuse(sql, statement)
  const wanted = bindable(sql, params)
  if (!statement.reader) {
    return { columns: [], returnsRows: false, rows: () => [][Symbol.iterator]() }
  }
  statement.raw(true)
  return {
    columns: statement.columns().map((c) => c.name),
    returnsRows: true,
    rows: () => {
      try {
        return statement.iterate(wanted) as IterableIterator<ReadonlyArray<Value>>
      } catch (error) {
        throw new QueryError((error as Error).message)
      }
    }
  }
}

/** Only the parameters the statement names (better-sqlite3 refuses extras). */
const bindable = (sql: string, params: Params): Params =>
  Object.fromEntries(
    Object.entries(params).filter(([name]) =>
      new RegExp(`[:@$]${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}_$])`, "u").test(sql)
    )
  )

/**
 * A `--param NAME=VALUE`: integers and reals when the value looks like one,
 * NULL for `null`, text otherwise (prefix `text:` to force text).
 */
export const parseParam = (spec: string): [string, Value] => {
  const eq = spec.indexOf("=")
  if (eq <= 0) throw new QueryError(`--param ${JSON.stringify(spec)} must look like NAME=VALUE`)
  const name = spec.slice(0, eq).replace(/^[:@$]/, "")
  const raw = spec.slice(eq + 1)
  if (raw.startsWith("text:")) return [name, raw.slice(5)]
  if (raw === "null") return [name, null]
  if (/^-?(0|[1-9]\d*)$/.test(raw)) return [name, BigInt(raw)]
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return [name, Number(raw)]
  return [name, raw]
}
