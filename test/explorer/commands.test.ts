/**
 * sql, shell, status and jobs as a user runs them: the built CLI against a
 * mirror filled from the sandbox.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { resources } from "../../src/domain/Resource.js"
import { BIN, cli, withSandbox } from "../layers/cli.js"
import { query, tempDir } from "../layers/harness.js"

/** A mirror synced from a fresh sandbox, shared by the read-only tests. */
const mirror = (() => {
  let made: Promise<string> | undefined
  return () =>
    (made ??= withSandbox({ enrollments: 150, seed: 3 }, async (server) => {
      const db = path.join(tempDir(), "m.db")
      const r = await cli(["sync", "--db", db], { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url })
      assert.strictEqual(r.code, 0, r.stderr)
      return db
    }))
})()

const drive = (steps: ReadonlyArray<{ expect: string; send: string }>, args: ReadonlyArray<string>, env = {}) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      "python3",
      ["test/fixtures/pty_drive.py", JSON.stringify(steps), "--", process.execPath, BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout) => (error === null ? resolve(stdout) : reject(error))
    )
  )

/** The prompt as a terminal shows it (readline may move the cursor after it). */
const PROMPT = "unify> (\\x1b\\[\\d+G)?$"

describe("sql", () => {
  it("stops a running query on Ctrl-C", async () => {
    const db = await mirror()
    const child = spawn(process.execPath, [
      BIN,
      "sql",
      "--db",
      db,
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
    ])
    setTimeout(() => child.kill("SIGINT"), 1500)
    const started = Date.now()
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_, s) => resolve(s)))

    assert.strictEqual(signal, "SIGINT")
    assert.isBelow(Date.now() - started, 10_000)
  })

  it("streams JSON with SQLite's types and binds parameters", async () => {
    const db = await mirror()

    const r = await cli([
      "sql",
      "--db",
      db,
      "--format",
      "json",
      "--param",
      "big=9007199254740993",
      "SELECT :big AS big, 1.0 AS r, NULL AS n, count(*) AS rows FROM enrollments"
    ])

    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(r.stdout, "[\n{\"big\":9007199254740993,\"r\":1.0,\"n\":null,\"rows\":150}\n]\n")
  })

  it("reads SQL from stdin and writes CSV when piped", async () => {
    const db = await mirror()
    const child = execFile(process.execPath, [BIN, "sql", "--db", db])
    child.stdin!.end("SELECT id, data FROM enrollments ORDER BY id LIMIT 3;")
    const out = await new Promise<string>((resolve) => {
      let text = ""
      child.stdout!.on("data", (c) => (text += c))
      child.on("close", () => resolve(text))
    })

    const expected = query<{ id: string; data: string }>(db, "SELECT id, data FROM enrollments ORDER BY id LIMIT 3")
    const csv = (s: string) => `"${s.replace(/"/g, "\"\"")}"`
    assert.strictEqual(out, `id,data\r\n${expected.map((e) => `${e.id},${csv(e.data)}\r\n`).join("")}`)
  })

  it("refuses writes with a clear message and exit code 2", async () => {
    const db = await mirror()

    const r = await cli(["sql", "--db", db, "DELETE FROM enrollments"])

    assert.strictEqual(r.code, 2)
    assert.include(r.stderr, "read-only")
    assert.strictEqual(query<{ n: number }>(db, "SELECT count(*) AS n FROM enrollments")[0]!.n, 150)
  })

  it("says where a bad statement is wrong", async () => {
    const r = await cli(["sql", "--db", await mirror(), "SELEC id FROM enrollments"])

    assert.strictEqual(r.code, 2)
    assert.include(r.stderr, "near \"SELEC\": syntax error")
  })

  it("stops at --max-rows and says so on stderr", async () => {
    const r = await cli(["sql", "--db", await mirror(), "--max-rows", "5", "--format", "ndjson", "SELECT id FROM enrollments"])

    assert.strictEqual(r.stdout.trimEnd().split("\n").length, 5)
    assert.include(r.stderr, "stopped after 5 rows")
  })
})

describe("status and jobs", () => {
  it("says a file is not a mirror, and that a job id is unknown, with exit code 2", async () => {
    const other = path.join(tempDir(), "other.db")
    fs.writeFileSync(other, "")
    const status = await cli(["status", "--db", other])
    const unknown = await withSandbox({ enrollments: 5 }, (server) =>
      cli(["jobs", "cancel", "00000000-0000-0000-0000-000000000000", "--resource", "enrollments"], {
        UNIFY_API_KEY: server.apiKey,
        UNIFY_BASE_URL: server.url
      }))

    assert.strictEqual(status.code, 2)
    assert.include(status.stderr, "not a unify-explore database")
    assert.strictEqual(unknown.code, 2)
  })

  it("reports rows, checkpoint, last sync and budget as JSON", async () => {
    const db = await mirror()

    const r = await cli(["status", "--db", db, "--json"])

    assert.strictEqual(r.code, 0, r.stderr)
    const status = JSON.parse(r.stdout)
    assert.deepStrictEqual(status.resources.map((s: { resource: string }) => s.resource), [...resources])
    assert.strictEqual(status.resources[0].rows, 150)
    assert.strictEqual(
      status.resources[0].checkpoint.updatedAt,
      query<{ m: string }>(db, "SELECT max(updated_at) AS m FROM enrollments")[0]!.m
    )
    assert.strictEqual(status.resources[1].lastSync.rowsReceived, status.resources[1].rows)
    assert.isNull(status.resources[0].unfinishedJob)
    assert.strictEqual(status.jobBudget.used, 2)
  })

  it("shows an unfinished job and cancels it; a finished job cannot be canceled", async () => {
    await withSandbox({ enrollments: 20, jobDelayMs: 600_000 }, async (server) => {
      const db = path.join(tempDir(), "m.db")
      const env = { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url }

      const sync = await cli(["sync", "--db", db, "--resource", "enrollments", "--poll-timeout", "1"], env)
      const status = await cli(["status", "--db", db], env)
      const jobId = server.stats().creations[0]!.jobId
      const remote = await cli(["jobs", "list", "--remote", "--db", db, "--format", "json"], env)
      const canceled = await cli(["jobs", "cancel", jobId, "--db", db], env)
      const again = await cli(["jobs", "cancel", jobId, "--db", db], env)
      const shown = await cli(["jobs", "show", jobId, "--db", db, "--json"], env)

      assert.strictEqual(sync.code, 7)
      assert.include(status.stdout, `resumes: poll job ${jobId}`)
      assert.deepStrictEqual(JSON.parse(remote.stdout).map((j: { job_id: string }) => j.job_id), [jobId])
      assert.strictEqual(canceled.code, 0, canceled.stderr)
      assert.include(canceled.stdout, "is CANCELED")
      assert.strictEqual(again.code, 5)
      assert.include(again.stderr, "409 job_not_cancelable")
      const view = JSON.parse(shown.stdout)
      assert.strictEqual(view.ledger.status, "CANCELED")
      assert.strictEqual(view.server.status, "CANCELED")
    })
  })
})

describe("shell", () => {
  it("completes, takes multi-line statements, runs dot-commands and keeps history", async () => {
    const db = await mirror()
    const history = path.join(tempDir(), "history")

    const out = await drive(
      [
        { expect: PROMPT, send: ".mo\t" },
        { expect: "\\.mode", send: " csv\r" },
        { expect: PROMPT, send: "SELECT count(*) AS n\r" },
        { expect: "\\.\\.\\.> (\\x1b\\[\\d+G)?$", send: "FROM enrollm\t" },
        { expect: "enrollment", send: "s;\r" },
        { expect: "n\\r*\\n150", send: ".tables\r" },
        { expect: "v_step_engagement", send: ".freshness\r" },
        { expect: "enrollment-steps", send: "\x04" }
      ],
      ["shell", "--db", db],
      { UNIFY_EXPLORE_HISTORY: history }
    )

    assert.notInclude(out, "EXPECT-FAILED")
    assert.include(out, "SELECT count(*) AS n")
    assert.include(fs.readFileSync(history, "utf8"), "SELECT count(*) AS n FROM enrollments;")

    const recalled = await drive(
      [{ expect: PROMPT, send: "\x1b[A\x1b[A\x1b[A" }, { expect: "FROM enrollments;", send: "\r" }, { expect: "150", send: "\x04" }],
      ["shell", "--db", db],
      { UNIFY_EXPLORE_HISTORY: history }
    )
    assert.notInclude(recalled, "EXPECT-FAILED")
  })

  it("cancels a runaway query with Ctrl-C and stays usable", async () => {
    const db = await mirror()

    const out = await drive(
      [
        { expect: PROMPT, send: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;\r" },
        { expect: "FROM c;", send: "\x03" },
        { expect: "Query cancelled\\.", send: "SELECT 6 * 7 AS answer;\r" },
        { expect: "42", send: "typed but not sent\x03" },
        { expect: "\\^C", send: ".quit\r" }
      ],
      ["shell", "--db", db],
      { UNIFY_EXPLORE_HISTORY: path.join(tempDir(), "h") }
    )

    assert.notInclude(out, "EXPECT-FAILED")
    assert.include(out, "answer")
    // The runaway statement really stopped: the shell could leave at once.
    assert.notInclude(out, "DID-NOT-EXIT")
  })

  it("reports an unwritable .once target and carries on; .read runs dot-commands too", async () => {
    const db = await mirror()
    const script = path.join(tempDir(), "script.sql")
    fs.writeFileSync(script, ".mode ndjson\nSELECT 2 AS two;\n")
    const child = execFile(process.execPath, [BIN, "shell", "--db", db])
    child.stdin!.end(`.once /nonexistent-dir/x.csv\nSELECT 1 AS one;\n.read ${script}\n`)
    const [out, err] = await new Promise<[string, string]>((resolve) => {
      let o = ""
      let e = ""
      child.stdout!.on("data", (c) => (o += c))
      child.stderr!.on("data", (c) => (e += c))
      child.on("close", () => resolve([o, e]))
    })

    assert.include(err, "cannot write /nonexistent-dir/x.csv")
    assert.include(out, "{\"two\":2}")
  })

  it("runs piped statements and exits non-zero when one fails", async () => {
    const db = await mirror()
    const run = (script: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = execFile(process.execPath, [BIN, "shell", "--db", db], (error, out, err) =>
          resolve({ code: error === null ? 0 : (error.code as number), out, err }))
        child.stdin!.end(script)
      })

    const ok = await run(".mode ndjson\nSELECT count(*) AS n\n  FROM enrollments;\n")
    const bad = await run("SELECT nope;\nSELECT 1 AS one;\n")

    assert.strictEqual(ok.code, 0)
    assert.strictEqual(ok.out, "{\"n\":150}\n")
    assert.strictEqual(bad.code, 2)
    assert.include(bad.err, "no such column: nope")
    assert.include(bad.out, "one")
  })
})
