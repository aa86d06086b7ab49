/**
 * The interactive SQL shell: multi-line statements ending with `;`,
 * dot-commands from a registry, completion, persistent history, and Ctrl-C
 * that cancels the running query (not the shell). Queries run in a worker
 * (see Executor); the shell only reads lines and prints.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import * as Engine from "./Engine.js"
import { Executor } from "./Executor.js"
import { defaultFormat, defaultWriterOptions, type Format, formats, writer } from "./Formats.js"

export interface ShellOptions {
  readonly db: string
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly output: NodeJS.WritableStream & { isTTY?: boolean }
  readonly errors: NodeJS.WritableStream
  readonly historyFile: string
  /** Extra lines for `.freshness` and `.jobs`, computed by the caller. */
  readonly freshness: () => Promise<string>
  readonly jobs: () => Promise<string>
}

interface State {
  format: Format
  headers: boolean
  timer: boolean
  once: string | undefined
  failed: boolean
}

export const defaultHistoryFile = () =>
  process.env.UNIFY_EXPLORE_HISTORY ??
    path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), ".local", "state"), "unify-explore", "history")

const KEYWORDS = (
  "SELECT FROM WHERE GROUP BY ORDER HAVING LIMIT OFFSET JOIN LEFT INNER CROSS ON USING AS AND OR NOT NULL IS IN " +
  "LIKE GLOB BETWEEN EXISTS DISTINCT ALL UNION INTERSECT EXCEPT WITH RECURSIVE CASE WHEN THEN ELSE END ASC DESC " +
  "COUNT SUM AVG MIN MAX TOTAL ROUND COALESCE IFNULL NULLIF LENGTH LOWER UPPER SUBSTR REPLACE TRIM STRFTIME DATE " +
  "DATETIME JULIANDAY JSON_EXTRACT JSON_EACH JSON_TREE JSON_ARRAY_LENGTH JSON_GROUP_ARRAY JSON_OBJECT EXPLAIN QUERY " +
  "PLAN PRAGMA CAST INTEGER REAL TEXT OVER PARTITION WINDOW FILTER"
).split(" ")

// === dot-commands

interface DotCommand {
  readonly usage: string
  readonly help: string
  readonly run: (args: ReadonlyArray<string>, shell: ShellSession) => Promise<void> | void
}

const onOff = (value: string | undefined) => (value === "on" ? true : value === "off" ? false : undefined)

const dotCommands: Record<string, DotCommand> = {
  ".help": {
    usage: ".help",
    help: "Show this list",
    run: (_, shell) =>
      shell.say(
        Object.values(dotCommands).map((c) => `${c.usage.padEnd(22)} ${c.help}`).join("\n") +
          "\nStatements end with ';' and may span lines. Ctrl-C cancels a running query; Ctrl-D exits."
      )
  },
  ".tables": {
    usage: ".tables",
    help: "List tables and views",
    run: (_, shell) => shell.say(shell.names("table", "view").join("  "))
  },
  ".schema": {
    usage: ".schema [TABLE]",
    help: "Show CREATE statements (of one table or view)",
    run: ([name], shell) => shell.say(shell.schema(name))
  },
  ".mode": {
    usage: ".mode FORMAT",
    help: `Output format: ${formats.join(", ")}`,
    run: ([format], shell) => {
      if (!formats.includes(format as Format)) return shell.fail(`.mode takes one of ${formats.join(", ")}`)
      shell.state.format = format as Format
    }
  },
  ".headers": {
    usage: ".headers on|off",
    help: "Show column names",
    run: ([value], shell) => {
      const on = onOff(value)
      if (on === undefined) return shell.fail(".headers takes on or off")
      shell.state.headers = on
    }
  },
  ".timer": {
    usage: ".timer on|off",
    help: "Show how long each statement took",
    run: ([value], shell) => {
      const on = onOff(value)
      if (on === undefined) return shell.fail(".timer takes on or off")
      shell.state.timer = on
    }
  },
  ".once": {
    usage: ".once FILE",
    help: "Send the next statement's rows to FILE",
    run: ([file], shell) => {
      if (file === undefined) return shell.fail(".once needs a file name")
      shell.state.once = file
    }
  },
  ".read": {
    usage: ".read FILE",
    help: "Run the statements in FILE",
    run: async ([file], shell) => {
      if (file === undefined) return shell.fail(".read needs a file name")
      let script: string
      try {
        script = fs.readFileSync(file, "utf8")
      } catch (error) {
        return shell.fail(`cannot read ${file}: ${(error as Error).message}`)
      }
      await shell.runLines(script)
    }
  },
  ".jobs": {
    usage: ".jobs",
    help: "Recent jobs from the ledger",
    run: async (_, shell) => shell.say(await shell.options.jobs())
  },
  ".freshness": {
    usage: ".freshness",
    help: "Per resource: rows, checkpoint, last sync and outcome",
    run: async (_, shell) => shell.say(await shell.options.freshness())
  },
  ".quit": {
    usage: ".quit",
    help: "Leave the shell (or Ctrl-D)",
    run: (_, shell) => shell.quit()
  }
}

// === the session

export class ShellSession {
  readonly state: State
  private readonly executor: Executor
  private readonly meta: ReturnType<typeof Engine.open>
  private rl: readline.Interface | undefined
  private running = false
  private closing = false

  constructor(readonly options: ShellOptions) {
    this.meta = Engine.open(options.db)
    this.executor = new Executor(options.db)
    this.state = {
      format: defaultFormat(options.output.isTTY === true),
      headers: true,
      timer: false,
      once: undefined,
      failed: false
    }
  }

  say(text: string) {
    if (text.length > 0) this.options.output.write(`${text}\n`)
  }

  fail(message: string) {
    this.state.failed = true
    this.options.errors.write(`Error: ${message}\n`)
  }

  quit() {
    this.closing = true
    this.rl?.close()
  }

  names(...types: ReadonlyArray<string>): Array<string> {
    return (this.meta.prepare(
      `SELECT name FROM sqlite_schema WHERE type IN (${types.map(() => "?").join(",")})
         AND name NOT LIKE 'sqlite_%' ORDER BY name`
    ).pluck().all(...types) as Array<string>)
  }

  schema(name: string | undefined): string {
    const rows = this.meta.prepare(
      `SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
         AND (@name IS NULL OR tbl_name = @name) ORDER BY type DESC, name`
    ).pluck().all({ name: name ?? null }) as Array<string>
    if (rows.length === 0 && name !== undefined) {
      this.fail(`no table or view named ${name}`)
      return ""
    }
    return rows.map((sql) => `${sql};`).join("\n")
  }

  private columnNames(): Array<string> {
    const names = new Set<string>()
    for (const table of this.names("table", "view")) {
      for (const row of this.meta.pragma(`table_info(${JSON.stringify(table)})`) as Array<{ name: string }>) {
        names.add(row.name)
      }
    }
    return [...names]
  }

  /** Completes the word under the cursor: dot-commands, keywords, names. */
  complete(line: string): [Array<string>, string] {
    if (/^\s*\.\S*$/.test(line)) {
      const word = line.trim()
      return [Object.keys(dotCommands).filter((c) => c.startsWith(word)), word]
    }
    const word = /[\w$]*$/.exec(line)?.[0] ?? ""
    if (word.length === 0) return [[], word]
    const lower = word === word.toLowerCase()
    const candidates = [
      ...this.names("table", "view"),
      ...this.columnNames(),
      ...KEYWORDS.map((k) => (lower ? k.toLowerCase() : k))
    ]
    const hits = [...new Set(candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase())))]
    return [hits.sort(), word]
  }

  /** Runs one statement, printing its rows or its error. */
  async execute(sql: string) {
    const started = performance.now()
    const target = this.state.once
    this.state.once = undefined
    let out: NodeJS.WritableStream = this.options.output
    if (target !== undefined) {
      try {
        out = fs.createWriteStream(target, { fd: fs.openSync(target, "w") })
      } catch (error) {
        return this.fail(`cannot write ${target}: ${(error as Error).message}`)
      }
    }
    this.running = true
    const outcome = await this.executor.run(
      sql,
      {},
      target === undefined ? this.state.format : this.state.format === "table" ? "csv" : this.state.format,
      { ...defaultWriterOptions, headers: this.state.headers },
      out
    )
    this.running = false
    if (target !== undefined) await new Promise((resolve) => (out as fs.WriteStream).end(resolve))
    if (outcome.cancelled) this.options.errors.write("Query cancelled.\n")
    else if (!outcome.ok) this.fail(outcome.message ?? "query failed")
    if (outcome.shortened) this.options.errors.write("(long values shortened with …; .mode csv or json shows them whole)\n")
    if (this.state.timer) this.options.errors.write(`Run Time: ${((performance.now() - started) / 1000).toFixed(3)} s\n`)
  }

  /** Runs a dot-command line. */
  async dot(line: string) {
    const [name, ...args] = line.trim().split(/\s+/)
    const command = dotCommands[name!]
    if (command === undefined) return this.fail(`unknown command ${name}; try .help`)
    await command.run(args, this)
  }

  /** Non-interactive: runs everything on stdin; resolves to the exit code. */
  async runScript(script: string): Promise<number> {
    await this.runLines(script)
    this.close()
    return this.state.failed ? 2 : 0
  }

  /** Runs a script's statements and dot-commands in order. */
  async runLines(script: string) {
    let buffer = ""
    for (const line of script.split(/\r?\n/)) {
      if (this.closing) break
      if (buffer.trim().length === 0 && line.trim().startsWith(".")) {
        await this.dot(line)
        continue
      }
      buffer += `${line}\n`
      if (Engine.isComplete(buffer)) {
        for (const statement of Engine.split(buffer)) await this.execute(statement)
        buffer = ""
      }
    }
    for (const statement of Engine.split(buffer)) await this.execute(statement)
  }

  /** Interactive: resolves when the user leaves. */
  interactive(): Promise<number> {
    const history = readHistory(this.options.historyFile)
    const rl = readline.createInterface({
      input: this.options.input,
      output: this.options.output,
      terminal: true,
      history,
      historySize: 1000,
      removeHistoryDuplicates: true,
      completer: (line: string) => this.complete(line)
    })
    this.rl = rl
    let buffer = ""
    const queue: Array<string> = []
    let busy = false
    const prompt = () => {
      rl.setPrompt(buffer.length === 0 ? "unify> " : "  ...> ")
      rl.prompt()
    }

    const handle = async (line: string) => {
      if (buffer.length === 0 && line.trim().startsWith(".")) {
        appendHistory(this.options.historyFile, line.trim())
        await this.dot(line)
        return
      }
      buffer += buffer.length === 0 ? line : `\n${line}`
      if (!Engine.isComplete(buffer)) return
      const statements = Engine.split(buffer)
      appendHistory(this.options.historyFile, buffer.replace(/\s*\n\s*/g, " ").trim())
      buffer = ""
      for (const statement of statements) await this.execute(statement)
    }
    const drain = async () => {
      if (busy) return
      busy = true
      while (queue.length > 0 && !this.closing) await handle(queue.shift()!)
      busy = false
      if (!this.closing) prompt()
    }

    rl.on("line", (line) => {
      queue.push(line)
      void drain()
    })
    rl.on("SIGINT", () => {
      if (this.running && this.executor.interrupt()) return
      buffer = ""
      queue.length = 0
      this.options.output.write("^C\n")
      rl.write(null, { ctrl: true, name: "u" })
      prompt()
    })
    // Closing the terminal (SIGHUP) must not leave a query process behind.
    process.once("SIGHUP", () => {
      this.close()
      process.exit(129)
    })
    this.say(`unify-explore shell on ${this.options.db}. Type .help for commands; statements end with ';'.`)
    prompt()
    return new Promise((resolve) => {
      rl.on("close", () => {
        this.closing = true
        this.options.output.write("\n")
        this.close()
        resolve(0)
      })
    })
  }

  close() {
    this.executor.close()
    this.meta.close()
  }
}

const readHistory = (file: string): Array<string> => {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).reverse().slice(0, 1000)
  } catch {
    return []
  }
}

const appendHistory = (file: string, entry: string) => {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.appendFileSync(file, `${entry}\n`)
  } catch {
    // A history that cannot be saved must not stop the shell.
  }
}

/** Formats rows read by the main thread (for .jobs and friends). */
export const renderRows = (format: Format, columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | null>>) => {
  const w = writer(format, columns)
  return rows.map(w.row).join("") + w.end(rows.length)
}
