/**
 * Where a sync tells the person what it is doing: a live line on a
 * terminal, plain lines otherwise, nothing in tests. Always stderr: stdout
 * is kept for the final summary.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface PageProgress {
  readonly resource: string
  readonly jobId: string
  readonly pagesDone: number
  readonly pagesTotal: number
  readonly rowsDone: number
  readonly rowsTotal: number
  readonly elapsedMs: number
}

export class Progress extends Context.Tag("unify-explore/Progress")<Progress, {
  /** A phase change worth a line of its own ("creating job", "job finished"). */
  readonly note: (resource: string, message: string) => Effect.Effect<void>
  /** Why we are idle, and for how long if known. */
  readonly waiting: (resource: string, reason: string, ms?: number) => Effect.Effect<void>
  readonly pages: (progress: PageProgress) => Effect.Effect<void>
  /** Ends any live line, before the summary is printed. */
  readonly done: Effect.Effect<void>
}>() {
  static silent = Layer.succeed(Progress, {
    note: () => Effect.void,
    waiting: () => Effect.void,
    pages: () => Effect.void,
    done: Effect.void
  })

  static stderr = Layer.sync(Progress, () => makeStderr(process.stderr))
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`

const rate = (p: PageProgress) => {
  const perSecond = p.elapsedMs > 0 ? (p.rowsDone * 1000) / p.elapsedMs : 0
  const left = p.rowsTotal - p.rowsDone
  const eta = perSecond > 0 && left > 0 ? `, ETA ${seconds((left / perSecond) * 1000)}` : ""
  return `${Math.round(perSecond).toLocaleString("en-US")} rows/s${eta}`
}

const makeStderr = (stream: NodeJS.WriteStream) => {
  const live = stream.isTTY === true
  let lineOpen = false
  let lastPlain = 0
  let lastWaiting = ""

  const write = (text: string) =>
    Effect.sync(() => {
      if (live) {
        stream.write(`\r\x1b[2K${text}`)
        lineOpen = true
      } else {
        stream.write(`${text}\n`)
      }
    })
  const line = (text: string) =>
    Effect.sync(() => {
      stream.write(`${live && lineOpen ? "\r\x1b[2K" : ""}${text}\n`)
      lineOpen = false
    })

  return {
    note: (resource: string, message: string) => line(`${resource}: ${message}`),
    waiting: (resource: string, reason: string, ms?: number) => {
      const text = `${resource}: ${reason}${ms === undefined ? "" : `: retrying in ${seconds(ms)}`}`
      // Without a terminal, say it once, not at every poll.
      if (!live && text === lastWaiting) return Effect.void
      lastWaiting = text
      return write(text)
    },
    pages: (p: PageProgress) => {
      const text = `${p.resource}: page ${p.pagesDone}/${p.pagesTotal}, ` +
        `${p.rowsDone.toLocaleString("en-US")}/${p.rowsTotal.toLocaleString("en-US")} rows, ${rate(p)}`
      if (live) return write(text)
      // Without a terminal, a line every few seconds (and the last page) is enough.
      const now = Date.now()
      if (p.pagesDone < p.pagesTotal && now - lastPlain < 2000) return Effect.void
      lastPlain = now
      return line(text)
    },
    done: Effect.sync(() => {
      if (lineOpen) stream.write("\n")
      lineOpen = false
    })
  }
}
