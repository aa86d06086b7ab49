/**
 * Shared pieces for integration tests: a sandbox on 127.0.0.1, a temporary
 * database file, and the sync stack wired to both.
 */
import BetterSqlite3 from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Instant from "../../src/domain/Instant.js"
import { type Resource, tableOf } from "../../src/domain/Resource.js"
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/Sandbox.js"
import { type PageProgress, Progress } from "../../src/services/Progress.js"
import { syncLayer } from "../../src/app/sync.js"
import { defaultPlan, type SyncPlan } from "../../src/services/SyncWorkflow.js"
import { defaultSettings, type PathMode } from "../../src/services/UnifyApi.js"

export const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "unify-explore-test-"))

export const tempDb = () => path.join(tempDir(), "mirror.db")

/** A sandbox for the duration of the surrounding scope. */
export const sandbox = (options: SandboxOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startSandbox({ port: 0, jobDelayMs: 0, ...options })),
    (server) => Effect.promise(() => server.close())
  )

export const plan = (overrides: Partial<SyncPlan> = {}): SyncPlan => ({
  ...defaultPlan,
  poll: { initialMs: 20, maxMs: 100, timeoutMs: 30_000 },
  ...overrides
})

/** Progress that calls `onPage` after each committed page. */
export const watching = (onPage: (p: PageProgress) => Effect.Effect<void>) =>
  Layer.succeed(Progress, {
    note: () => Effect.void,
    waiting: () => Effect.void,
    pages: onPage,
    done: Effect.void
  })

export const layerFor = (
  server: Sandbox,
  db: string,
  options: { readonly paths?: PathMode; readonly progress?: Layer.Layer<Progress>; readonly apiKey?: string } = {}
) =>
  syncLayer(
    {
      db,
      api: {
        ...defaultSettings,
        baseUrl: server.url,
        apiKey: Redacted.make(options.apiKey ?? server.apiKey),
        paths: options.paths ?? "auto",
        // The sandbox enforces the documented limits; tests go as fast as they allow.
        statusPerSecond: 10,
        backoff: { baseMs: 10, capMs: 50 }
      }
    },
    options.progress ?? Progress.silent
  )

export interface MirrorRow {
  readonly id: string
  readonly updated_at: string
  readonly data: string
}

export const mirrorRows = (db: string, resource: Resource): Array<MirrorRow> => {
  const handle = new BetterSqlite3(db, { readonly: true })
  try {
    return handle.prepare(`SELECT id, updated_at, data FROM ${tableOf(resource)} ORDER BY id`).all() as Array<MirrorRow>
  } finally {
    handle.close()
  }
}

/** What the mirror must equal: the sandbox's rows, by id, JSON as served. */
export const expectedRows = (server: Sandbox, resource: Resource): Array<MirrorRow> =>
  server.records(resource)
    .map((r) => ({ id: r.id, updated_at: Option.getOrThrow(Instant.normalize(r.updated_at)), data: r.line }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

export const query = <A>(db: string, sql: string, ...params: ReadonlyArray<unknown>): Array<A> => {
  const handle = new BetterSqlite3(db, { readonly: true })
  try {
    return handle.prepare(sql).all(...params) as Array<A>
  } finally {
    handle.close()
  }
}
