/**
 * The built CLI as a user runs it: a child process, its exit code, stdout
 * and stderr. `npm test` builds first (pretest).
 */
import { assert, describe, it } from "@effect/vitest"
import BetterSqlite3 from "better-sqlite3"
import { spawn } from "node:child_process"
import * as os from "node:os"
import * as fs from "node:fs"
import * as path from "node:path"
import { resources } from "../src/domain/Resource.js"
import { BIN, cli, type Result, withSandbox } from "./layers/cli.js"
import { expectedRows, mirrorRows, tempDir } from "./layers/harness.js"

const noStackTrace = (r: Result) => assert.notMatch(r.stderr + r.stdout, /\n\s+at .+\(.*:\d+:\d+\)/)

describe("unify-explore CLI", () => {
  it("shows help with examples for every command", async () => {
    for (const command of ["sync", "sql", "shell", "status", "demo", "sandbox"]) {
      const r = await cli([command, "--help"])

      assert.strictEqual(r.code, 0, command)
      assert.include(r.stdout, "EXAMPLES", command)
      assert.include(r.stdout, `unify-explore ${command}`, command)
    }
  })

  it("names UNIFY_API_KEY when it is missing", async () => {
    const r = await cli(["sync"])

    assert.strictEqual(r.code, 2)
    assert.include(r.stderr, "UNIFY_API_KEY is not set")
    noStackTrace(r)
  })

  it("explains bad input precisely, with exit code 2 and nothing written", async () => {
    const dir = tempDir()
    const db = path.join(dir, "m.db")
    const env = { UNIFY_API_KEY: "k" }
    const cases: ReadonlyArray<[ReadonlyArray<string>, string]> = [
      [["--filter", "{\"status\": {\"in\": [\"DONE\"]}"], "line 1, column 28"],
      [["--filter", "{\"updatedAt\": {}}", "--resource", "enrollments"], "valid enrollments filter fields: updated_at"],
      [["--filter", "{\"updated_at\": {\"since\": \"2026-01-01T00:00:00Z\"}}"], "valid operators: gt, gte, lt, lte"],
      [["--format", "json", "--page-size", "5000"], "Use 1 to 2000"],
      [["--base-url", "ftp://x"], "not an http(s) URL"]
    ]

    for (const [args, expected] of cases) {
      const r = await cli(["sync", "--db", db, ...args], env)

      assert.strictEqual(r.code, 2, args.join(" "))
      assert.include(r.stderr, expected)
      noStackTrace(r)
    }
    assert.isFalse(fs.existsSync(db))
  })

  it("says so when the database path cannot be written", async () => {
    const r = await cli(["sync", "--db", "/nonexistent-dir/m.db"], { UNIFY_API_KEY: "k" })

    assert.strictEqual(r.code, 2)
    assert.include(r.stderr, "/nonexistent-dir does not exist")
  })

  it("syncs against the sandbox, prints only the summary on stdout, and never shows the key", async () => {
    const key = "secret-key-7f3a9c1e"
    await withSandbox({ enrollments: 120, apiKey: key }, async (server) => {
      const db = path.join(tempDir(), "m.db")

      const r = await cli(["sync", "--db", db, "--json"], { UNIFY_API_KEY: key, UNIFY_BASE_URL: server.url })

      assert.strictEqual(r.code, 0, r.stderr)
      const summary = JSON.parse(r.stdout) as {
        jobsCreated: number
        resources: Array<{ resource: string; jobsCreated: number; resumed: boolean }>
      }
      assert.strictEqual(summary.jobsCreated, 2)
      assert.deepStrictEqual(summary.resources.map((o) => o.resource), [...resources])
      assert.include(r.stderr, "enrollments: creating a query job")
      for (const resource of resources) {
        assert.deepStrictEqual(mirrorRows(db, resource), expectedRows(server, resource))
      }
      // The steps job was under way before the first enrollments page landed.
      const handle = new BetterSqlite3(db, { readonly: true })
      const [stepsRequested, firstPage] = handle.prepare(
        `SELECT (SELECT requested_at FROM jobs WHERE resource = 'enrollment-steps'),
                (SELECT min(committed_at) FROM job_pages JOIN jobs USING (job_id) WHERE resource = 'enrollments')`
      ).raw().get() as [string, string]
      handle.close()
      assert.isBelow(stepsRequested.localeCompare(firstPage), 0, `${stepsRequested} vs ${firstPage}`)
      assert.deepStrictEqual(summary.resources.map((o) => [o.jobsCreated, o.resumed]), [[1, false], [1, false]])
      assert.notInclude(r.stdout + r.stderr, key)
      assert.notInclude(fs.readFileSync(db).toString("latin1"), key)
    })
  })

  it("exits 3 when the API refuses the key", async () => {
    await withSandbox({ enrollments: 5 }, async (server) => {
      const r = await cli(["sync", "--db", path.join(tempDir(), "m.db")], {
        UNIFY_API_KEY: "not-the-key",
        UNIFY_BASE_URL: server.url
      })

      assert.strictEqual(r.code, 3)
      assert.include(r.stderr, "refused the API key")
      const json = await cli(["sync", "--db", path.join(tempDir(), "n.db"), "--json"], {
        UNIFY_API_KEY: "not-the-key",
        UNIFY_BASE_URL: server.url
      })
      assert.deepStrictEqual(JSON.parse(json.stdout).error.exitCode, 3)
      assert.notInclude(r.stderr, "not-the-key")
    })
  })

  it("exits 4 without creating a job once the local daily budget is spent", async () => {
    await withSandbox({ enrollments: 5 }, async (server) => {
      const db = path.join(tempDir(), "m.db")
      const env = { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url }

      const r = await cli(["sync", "--db", db, "--daily-jobs", "1"], env)

      assert.strictEqual(r.code, 4)
      assert.include(r.stderr, "The next slot frees at")
      assert.strictEqual(server.stats().creations.length, 1)
      // The one job went to the resource synced first.
      assert.deepStrictEqual(mirrorRows(db, "enrollments"), expectedRows(server, "enrollments"))
    })
  })

  it("runs the demo end to end without a key and reports what it did", async () => {
    const dir = tempDir()

    const r = await cli(["demo", "--enrollments", "300", "--seed", "5"], {}, dir)

    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, "2 jobs created")
    assert.match(r.stdout, /enrollments 300 rows/)
    assert.include(r.stdout, "Try next:")
    await withSandbox({ enrollments: 300, seed: 5 }, async (server) => {
      for (const resource of resources) {
        assert.deepStrictEqual(mirrorRows(path.join(dir, "unify-demo.db"), resource), expectedRows(server, resource))
      }
    })
  })

  it("documents every command and option in the README", async () => {
    const readme = fs.readFileSync("README.md", "utf8")
    const commands = ["sync", "sql", "shell", "status", "jobs list", "jobs show", "jobs cancel", "demo", "sandbox"]
    for (const command of commands) {
      const help = (await cli([...command.split(" "), "--help"])).stdout

      assert.include(readme, `unify-explore ${command}`)
      const usage = help.split("\n").find((l) => l.startsWith(`$ ${command.split(" ").pop()}`)) ?? ""
      assert.notStrictEqual(usage, "", `no usage line for ${command}`)
      for (const flag of usage.match(/--[a-z][a-z-]*/g) ?? []) {
        assert.include(readme, `\`${flag}`, `${command} ${flag} is not in the README`)
      }
    }
  })
})

describe("one writer per database", () => {
  const lockRow = (db: string, pid: number) => {
    const handle = new BetterSqlite3(db)
    handle.prepare("INSERT OR REPLACE INTO sync_lock (id, pid, host, since) VALUES (1, ?, ?, ?)")
      .run(pid, os.hostname(), "2026-12-04T10:00:00.000000Z")
    handle.close()
  }

  it("stops a second sync at once, naming the running one, and takes over a dead one's lock", async () => {
    await withSandbox({ enrollments: 10 }, async (server) => {
      const db = path.join(tempDir(), "m.db")
      const env = { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url }
      const first = await cli(["sync", "--db", db], env)
      lockRow(db, process.pid)

      const blocked = await cli(["sync", "--db", db], env)
      lockRow(db, 2 ** 22 + 12345)
      const afterDeath = await cli(["sync", "--db", db], env)

      assert.strictEqual(first.code, 0, first.stderr)
      assert.strictEqual(blocked.code, 8)
      assert.include(blocked.stderr, `pid ${process.pid}, running since 2026-12-04T10:00:00.000000Z`)
      assert.strictEqual(server.stats().creations.length, 4)
      assert.strictEqual(afterDeath.code, 0, afterDeath.stderr)
    })
  })
})

describe("signals", () => {
  it("exits 143 on SIGTERM with the ledger consistent, and the next run resumes", async () => {
    await withSandbox({ enrollments: 30, jobDelayMs: 3000 }, async (server) => {
      const db = path.join(tempDir(), "m.db")
      const env = { ...process.env, UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url }
      const child = spawn(process.execPath, [BIN, "sync", "--db", db, "--resource", "enrollments"], { env })
      let stderr = ""
      child.stderr.on("data", (c) => {
        stderr += c
        if (stderr.includes("in progress") && !child.killed) child.kill("SIGTERM")
      })
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve))

      const again = await cli(["sync", "--db", db, "--resource", "enrollments"], env)

      assert.strictEqual(code, 143)
      assert.include(again.stderr, "resuming job")
      assert.strictEqual(again.code, 0, again.stderr)
      assert.strictEqual(server.stats().creations.length, 1)
    })
  })
})

describe("one file, one origin", () => {
  it("refuses to sync a file from another API into it", async () => {
    const db = path.join(tempDir(), "m.db")
    await withSandbox({ enrollments: 10 }, async (server) => {
      const r = await cli(["sync", "--db", db], { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url })
      assert.strictEqual(r.code, 0, r.stderr)
    })

    await withSandbox({ enrollments: 10 }, async (other) => {
      const r = await cli(["sync", "--db", db], { UNIFY_API_KEY: other.apiKey, UNIFY_BASE_URL: other.url })

      assert.strictEqual(r.code, 2)
      assert.include(r.stderr, "one file per account")
      assert.strictEqual(other.stats().creations.length, 0)
    })
  })

  it("starts a demo afresh when its sample data changes, and never overwrites a real mirror", async () => {
    const dir = tempDir()
    const first = await cli(["demo", "--enrollments", "50"], {}, dir)
    const second = await cli(["demo", "--enrollments", "80", "--seed", "2"], {}, dir)
    const real = path.join(dir, "real.db")
    await withSandbox({ enrollments: 5 }, async (server) => {
      await cli(["sync", "--db", real], { UNIFY_API_KEY: server.apiKey, UNIFY_BASE_URL: server.url })
    })
    const refused = await cli(["demo", "--db", real], {}, dir)

    assert.strictEqual(first.code, 0, first.stderr)
    assert.match(second.stdout, /enrollments 80 rows/)
    assert.strictEqual(refused.code, 2)
    assert.include(refused.stderr, "is not a demo database")
  })
})
