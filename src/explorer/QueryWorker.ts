/**
 * Runs one query at a time in a child process, so the shell can stop a long
 * query by killing it. (better-sqlite3 cannot be interrupted, and a worker
 * thread cannot be stopped while SQLite runs: terminate() waits for the
 * statement, which for a runaway query is forever.) Rows go back in
 * batches; the next batch waits for "more", so a slow terminal never piles
 * rows up. Started with the database path as its only argument.
 */
import * as Engine from "./Engine.js"

export type Request = { readonly sql: string; readonly params: Engine.Params }

export type Reply =
  | { readonly type: "columns"; readonly columns: ReadonlyArray<string>; readonly returnsRows: boolean }
  | { readonly type: "rows"; readonly rows: ReadonlyArray<ReadonlyArray<unknown>> }
  | { readonly type: "done" }
  | { readonly type: "error"; readonly message: string }

const BATCH = 500

const port = process.send === undefined ? null : { postMessage: (reply: Reply) => process.send!(reply) }
if (port !== null) {
  const db = Engine.open(process.argv[2]!)
  let waiting: (() => void) | undefined

  process.on("message", (message: Request | "more") => {
    if (message === "more") {
      waiting?.()
      return
    }
    void run(message)
  })

  const more = () => new Promise<void>((resolve) => (waiting = resolve))

  process.on("disconnect", () => process.exit(0))

  const run = async (request: Request) => {
    try {
      const prepared = Engine.prepare(db, request.sql, request.params)
      port.postMessage({ type: "columns", columns: prepared.columns, returnsRows: prepared.returnsRows } satisfies Reply)
      let batch: Array<ReadonlyArray<unknown>> = []
      for (const row of prepared.rows()) {
        batch.push(row)
        if (batch.length === BATCH) {
          port.postMessage({ type: "rows", rows: batch } satisfies Reply)
          batch = []
          await more()
        }
      }
      if (batch.length > 0) port.postMessage({ type: "rows", rows: batch } satisfies Reply)
      port.postMessage({ type: "done" } satisfies Reply)
    } catch (error) {
      port.postMessage({ type: "error", message: (error as Error).message } satisfies Reply)
    }
  }
}
