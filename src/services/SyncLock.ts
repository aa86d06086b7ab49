/**
 * One writer per database file. The lock is a row taken inside a write
 * transaction, so two syncs racing for it are serialized by SQLite itself;
 * a row left by a process that no longer runs on this host is taken over.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as os from "node:os"
import { SyncLockedError } from "../domain/errors.js"
import * as Instant from "../domain/Instant.js"
import { Database } from "./Database.js"

interface Holder {
  readonly pid: number
  readonly host: string
  readonly since: string
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export class SyncLock extends Context.Tag("unify-explore/SyncLock")<
  SyncLock,
  Effect.Effect.Success<typeof make>
>() {
  static layer = Layer.effect(SyncLock, Effect.suspend(() => make))
}

const make = Effect.gen(function*() {
  const database = yield* Database
  const me = { pid: process.pid, host: os.hostname() }

  /** Takes the lock, or names its live holder. */
  const tryTake = database.transaction("lock", () => {
    const holder = database.db.prepare("SELECT pid, host, since FROM sync_lock WHERE id = 1").get() as
      | Holder
      | undefined
    if (holder !== undefined && holder.pid !== me.pid && (holder.host !== me.host || alive(holder.pid))) {
      return holder
    }
    database.db.prepare(
      `INSERT INTO sync_lock (id, pid, host, since) VALUES (1, @pid, @host, @since)
       ON CONFLICT (id) DO UPDATE SET pid = @pid, host = @host, since = @since`
    ).run({ ...me, since: Instant.fromDate(new Date()) })
    return undefined
  })

  const release = database.use("unlock", (db) =>
    db.prepare("DELETE FROM sync_lock WHERE id = 1 AND pid = ? AND host = ?").run(me.pid, me.host)).pipe(
      Effect.ignore
    )

  /** Holds the lock for the scope; with `wait`, polls until it is free. */
  const hold = (wait: boolean) =>
    Effect.acquireRelease(
      Effect.gen(function*() {
        while (true) {
          const holder = yield* tryTake
          if (holder === undefined) return
          if (!wait) {
            return yield* new SyncLockedError({ path: database.path, pid: holder.pid, since: holder.since })
          }
          yield* Effect.sleep(1000)
        }
      }),
      () => release
    )

  return { hold } as const
})
