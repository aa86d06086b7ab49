/**
 * The shell's side of the query process: runs a statement, streams its rows
 * into a format writer, and can cancel it by killing the process and
 * starting another.
 */
import { type ChildProcess, fork } from "node:child_process"
import type { Params } from "./Engine.js"
import type { Format, Value, WriterOptions } from "./Formats.js"
import { writer } from "./Formats.js"
import type { Reply } from "./QueryWorker.js"

export interface Outcome {
  readonly ok: boolean
  readonly rows: number
  readonly cancelled: boolean
  readonly message?: string
  readonly shortened: boolean
}

export class Executor {
  private worker: ChildProcess
  private cancel: (() => void) | undefined

  constructor(private readonly db: string) {
    this.worker = this.spawn()
    // However this process ends, a query it started must not outlive it.
    process.once("exit", () => this.close())
  }

  private spawn() {
    // "advanced" serialization keeps bigint and Buffer values intact.
    return fork(new URL("./QueryWorker.js", import.meta.url), [this.db], {
      serialization: "advanced",
      stdio: ["ignore", "ignore", "inherit", "ipc"]
    })
  }

  /** Stops the running query (if any) within the time it takes to kill a thread. */
  interrupt(): boolean {
    if (this.cancel === undefined) return false
    this.cancel()
    return true
  }

  close() {
    this.worker.kill("SIGKILL")
  }

  run(sql: string, params: Params, format: Format, options: WriterOptions, out: NodeJS.WritableStream) {
    return new Promise<Outcome>((resolve) => {
      const worker = this.worker
      let columns: ReadonlyArray<string> = []
      let returnsRows = false
      let count = 0
      let w: ReturnType<typeof writer> | undefined
      const finish = (outcome: Outcome) => {
        worker.off("message", onMessage)
        worker.off("exit", onExit)
        this.cancel = undefined
        resolve(outcome)
      }
      const onExit = (code: number | null) => {
        this.worker = this.spawn()
        finish({ ok: false, rows: count, cancelled: false, message: `the query process ended (${code})`, shortened: false })
      }
      const onMessage = (reply: Reply) => {
        if (reply.type === "columns") {
          columns = reply.columns
          returnsRows = reply.returnsRows
          w = writer(format, columns, options)
        } else if (reply.type === "rows") {
          count += reply.rows.length
          const text = (reply.rows as ReadonlyArray<ReadonlyArray<Value>>).map(w!.row).join("")
          if (out.write(text)) worker.send("more")
          else out.once("drain", () => worker.send("more"))
        } else if (reply.type === "done") {
          if (returnsRows && w !== undefined) out.write(w.end(count))
          finish({ ok: true, rows: count, cancelled: false, shortened: w?.shortened() ?? false })
        } else {
          finish({ ok: false, rows: count, cancelled: false, message: reply.message, shortened: false })
        }
      }
      this.cancel = () => {
        worker.off("exit", onExit)
        worker.kill("SIGKILL")
        this.worker = this.spawn()
        finish({ ok: false, rows: count, cancelled: true, shortened: false })
      }
      worker.on("message", onMessage)
      worker.on("exit", onExit)
      worker.send({ sql, params })
    })
  }
}
