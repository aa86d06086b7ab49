/**
 * The SQLite file: opened once per process in WAL mode with a busy timeout,
 * migrated to the latest schema. Other services borrow its handle.
 */
import BetterSqlite3 from "better-sqlite3"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import { StoreError } from "../domain/errors.js"
import { migrations } from "./Migrations.js"

export interface DatabaseOptions {
  readonly path: string
  readonly readonly?: boolean
}

export class Database extends Context.Tag("unify-explore/Database")<Database, {
  readonly path: string
  readonly db: BetterSqlite3.Database
  /** Runs `f` inside one write transaction (IMMEDIATE), as an Effect. */
  readonly transaction: <A>(label: string, f: () => A) => Effect.Effect<A, StoreError>
  /** Runs a synchronous read or write, translating SQLite errors. */
  readonly use: <A>(label: string, f: (db: BetterSqlite3.Database) => A) => Effect.Effect<A, StoreError>
}>() {
  static layer = (options: DatabaseOptions) => Layer.scoped(Database, make(options))
}

const explain = (file: string, error: unknown, reason: "unusable" | "failed" = "failed") =>
  new StoreError({ path: file, reason, detail: error instanceof Error ? error.message : String(error) })

const checkWritable = (file: string) =>
  Effect.try({
    try: () => {
      const dir = path.dirname(path.resolve(file))
      if (!fs.existsSync(dir)) {
        throw new Error(`the folder ${dir} does not exist; create it or choose another --db`)
      }
      fs.accessSync(dir, fs.constants.W_OK)
      if (fs.existsSync(file)) fs.accessSync(file, fs.constants.W_OK)
    },
    catch: (error) =>
      (error as NodeJS.ErrnoException).code === "EACCES"
        ? new StoreError({
          path: file,
          reason: "unusable",
          detail: "cannot write there (permission denied); choose a writable --db path"
        })
        : explain(file, error, "unusable")
  })

/** Brings the schema up to `through` (the latest unless told; tests stop earlier). */
export const migrate = (db: BetterSqlite3.Database, through = Number.POSITIVE_INFINITY) => {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as Array<string>
  if (tables.length > 0 && !tables.includes("schema_migrations")) {
    // Someone else's SQLite file: never add our tables to it.
    throw new Error("not a unify-explore database (it has other tables); choose another --db")
  }
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
  const current = () => (db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0
  for (const migration of migrations) {
    if (migration.version > through) break
    db.transaction(() => {
      // Read under the write lock: another process may have just applied it.
      if (migration.version <= current()) return
      db.exec(migration.sql)
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
        .run(migration.version, new Date().toISOString())
    }).immediate()
  }
}

/** Bytes per database page of a new mirror (SQLite's default is 4096). */
export const PAGE_SIZE = 32_768

const open = (options: DatabaseOptions) =>
  Effect.try({
    try: () => {
      const db = new BetterSqlite3(options.path, { readonly: options.readonly ?? false })
      try {
        db.pragma("busy_timeout = 5000")
        if (!options.readonly) {
          // Takes effect only while the file is still empty. Rows are about
          // 1.3 KB of JSON each: 32 KB pages load them a third faster than
          // 4 KB ones, build indexes in half the time and waste less space.
          db.pragma(`page_size = ${PAGE_SIZE}`)
          db.pragma("journal_mode = WAL")
          db.pragma("synchronous = NORMAL")
          db.pragma("foreign_keys = ON")
          migrate(db)
        } else if (db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'").pluck().get() === 0) {
          throw new Error("not a unify-explore database (no schema_migrations table); pass the mirror's --db")
        }
        return db
      } catch (error) {
        db.close()
        throw error
      }
    },
    catch: (error) => explain(options.path, error, "unusable")
  })

const make = (options: DatabaseOptions) =>
  Effect.gen(function*() {
    if (options.readonly && !fs.existsSync(options.path)) {
      return yield* new StoreError({
        path: options.path,
        reason: "unusable",
        detail: "no such file; run `unify-explore sync` (or `unify-explore demo`) first, or pass --db"
      })
    }
    if (!options.readonly) yield* checkWritable(options.path)
    const db = yield* Effect.acquireRelease(open(options), (db) => Effect.sync(() => db.close()))

    const use = <A>(_label: string, f: (db: BetterSqlite3.Database) => A) =>
      Effect.try({ try: () => f(db), catch: (error) => explain(options.path, error) })

    const transaction = <A>(label: string, f: () => A) =>
      use(label, (db) => db.transaction(f).immediate())

    return { path: options.path, db, transaction, use }
  })
