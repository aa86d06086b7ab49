/**
 * Versioned schema migrations, applied in order, each in its own
 * transaction. Append new versions; never edit one that has shipped.
 */
import { columnsOf } from "../domain/Rows.js"
import type { Resource } from "../domain/Resource.js"
import { tableOf } from "../domain/Resource.js"

const INTEGER_COLUMNS = new Set([
  "is_blocked",
  "is_bounced",
  "is_canceled",
  "is_opted_out",
  "is_paused",
  "is_replied",
  "version",
  "sequence_version",
  "step_number",
  "email_opens",
  "email_clicks"
])

/** Secondary indexes as migration 1 creates them (shipped, so frozen). */
const V1_INDEXED: Record<Resource, ReadonlyArray<string>> = {
  enrollments: ["updated_at", "status", "sequence_id", "mailbox_id", "person_id", "company_id", "play_id"],
  "enrollment-steps": [
    "updated_at",
    "enrollment_id",
    "sequence_id, step_number",
    "status",
    "type",
    "mailbox_id",
    "person_id"
  ]
}

/**
 * Secondary indexes since migration 4: the columns people pick a few rows
 * by, and the steps' join to their enrollment. Columns with a handful of
 * values (status, type, mailbox, play) have none: a lookup by them returns
 * a large share of the table, which a scan reads faster, and each index
 * costs every write and every first load a table scan.
 */
const INDEXED: Record<Resource, ReadonlyArray<string>> = {
  enrollments: ["updated_at", "sequence_id", "person_id", "company_id"],
  "enrollment-steps": ["updated_at", "enrollment_id", "sequence_id, step_number", "person_id"]
}

type Index = { readonly name: string; readonly create: string }

const indexesFrom = (lists: Record<Resource, ReadonlyArray<string>>, resource: Resource): ReadonlyArray<Index> => {
  const table = tableOf(resource)
  return lists[resource].map((cols) => {
    const name = `${table}_${cols.replace(/, /g, "_")}`
    return { name, create: `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${cols});` }
  })
}

/** A record table's secondary indexes, by name, with their CREATE statements. */
export const indexesOf = (resource: Resource): ReadonlyArray<Index> => indexesFrom(INDEXED, resource)

/** Migration 1's indexes that migration 4 drops. */
const droppedIndexes = (resource: Resource) => {
  const kept = new Set(indexesOf(resource).map((index) => index.name))
  return indexesFrom(V1_INDEXED, resource).filter((index) => !kept.has(index.name))
}

const recordTable = (resource: Resource) => {
  const table = tableOf(resource)
  const columns = columnsOf(resource).map((name) =>
    `  ${name} ${INTEGER_COLUMNS.has(name) ? "INTEGER" : "TEXT"}`
  )
  const indexes = indexesFrom(V1_INDEXED, resource).map((index) => index.create)
  return [
    `CREATE TABLE ${table} (`,
    "  id TEXT PRIMARY KEY NOT NULL,",
    "  updated_at TEXT NOT NULL,",
    ...columns.map((c) => `${c},`),
    "  data TEXT NOT NULL,",
    "  job_id TEXT NOT NULL,",
    "  synced_at TEXT NOT NULL",
    ");",
    ...indexes
  ].join("\n")
}

/**
 * The analysts' views. Migration 2 grouped by plain columns; migration 4
 * groups by `+column`, which keeps SQLite from walking an index and fetching
 * every row out of table order (measured: 1.9× slower than a scan).
 */
const analystViews = (plus: "" | "+") =>
  `CREATE VIEW v_sequence_funnel AS
SELECT sequence_id, max(sequence_name) AS sequence_name,
  count(*) AS enrollments,
  sum(status = 'DRAFT') AS draft,
  sum(status = 'IN_PROGRESS') AS in_progress,
  sum(status = 'FINISHED') AS finished,
  sum(is_replied) AS replied,
  sum(reply_category = 'POSITIVE') AS positive_replies
FROM enrollments GROUP BY ${plus}sequence_id;

CREATE VIEW v_sequence_rates AS
SELECT sequence_id, max(sequence_name) AS sequence_name,
  count(*) AS enrollments,
  round(avg(is_replied), 4) AS reply_rate,
  round(avg(is_bounced), 4) AS bounce_rate,
  round(avg(is_opted_out), 4) AS opt_out_rate
FROM enrollments WHERE status <> 'DRAFT' GROUP BY ${plus}sequence_id;

CREATE VIEW v_mailbox_rates AS
SELECT mailbox_id, max(mailbox_email) AS mailbox_email,
  count(*) AS enrollments,
  round(avg(is_replied), 4) AS reply_rate,
  round(avg(is_bounced), 4) AS bounce_rate,
  round(avg(is_opted_out), 4) AS opt_out_rate
FROM enrollments WHERE status <> 'DRAFT' GROUP BY ${plus}mailbox_id;

CREATE VIEW v_step_engagement AS
SELECT sequence_id, max(sequence_name) AS sequence_name, step_number,
  count(*) AS steps,
  sum(email_sent_at IS NOT NULL) AS emails_sent,
  sum(coalesce(email_opens, 0)) AS opens,
  sum(coalesce(email_clicks, 0)) AS clicks,
  sum(is_replied) AS replied,
  sum(is_bounced) AS bounced
FROM enrollment_steps WHERE step_number IS NOT NULL
GROUP BY ${plus}sequence_id, ${plus}step_number;`

export const migrations: ReadonlyArray<{ readonly version: number; readonly sql: string }> = [
  {
    version: 1,
    sql: [
      recordTable("enrollments"),
      recordTable("enrollment-steps"),
      `CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY NOT NULL,
  resource TEXT NOT NULL,
  scope TEXT NOT NULL,
  filter TEXT NOT NULL,
  api_paths TEXT NOT NULL,
  status TEXT NOT NULL,
  total_rows INTEGER,
  error_code TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  canceled_at TEXT,
  requested_at TEXT NOT NULL,
  format TEXT,
  page_size INTEGER,
  pages_done INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  completed_at TEXT,
  replaced_by TEXT
);
CREATE INDEX jobs_resource_status ON jobs (resource, status);
CREATE INDEX jobs_requested_at ON jobs (requested_at);
CREATE TABLE job_pages (
  job_id TEXT NOT NULL REFERENCES jobs (job_id),
  page INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  max_updated_at TEXT,
  committed_at TEXT NOT NULL,
  PRIMARY KEY (job_id, page)
);
CREATE TABLE checkpoints (
  resource TEXT NOT NULL,
  scope TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  job_id TEXT NOT NULL,
  advanced_at TEXT NOT NULL,
  PRIMARY KEY (resource, scope)
);
CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY,
  resource TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL,
  job_id TEXT,
  jobs_created INTEGER NOT NULL DEFAULT 0,
  rows_received INTEGER NOT NULL DEFAULT 0,
  rows_changed INTEGER NOT NULL DEFAULT 0,
  message TEXT
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);`
    ].join("\n")
  },
  {
    // Views for the questions analysts ask first; see the README.
    version: 2,
    sql: analystViews("")
  },
  {
    // One writer per file: the row names the sync that holds the file.
    version: 3,
    sql: `CREATE TABLE sync_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  since TEXT NOT NULL
);`
  },
  {
    // Fewer indexes, and views that scan instead of walking an index.
    version: 4,
    sql: [
      ...(["enrollments", "enrollment-steps"] as const).flatMap(droppedIndexes).map((i) => `DROP INDEX IF EXISTS ${i.name};`),
      "DROP VIEW IF EXISTS v_sequence_funnel;",
      "DROP VIEW IF EXISTS v_sequence_rates;",
      "DROP VIEW IF EXISTS v_mailbox_rates;",
      "DROP VIEW IF EXISTS v_step_engagement;",
      analystViews("+")
    ].join("\n")
  }
]
