/**
 * The API key never shows: not on stdout or stderr (debug logs included),
 * not in the database or its WAL, on success and on every failure path.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { cli, type Result, withSandbox } from "./layers/cli.js"
import { tempDir } from "./layers/harness.js"

const KEY = "uex-secret-9f8e7d6c5b4a3928"

const everything = (results: ReadonlyArray<Result>, dir: string) =>
  results.map((r) => r.stdout + r.stderr).join("\n") +
  fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)).toString("latin1")).join("")

describe("the API key", () => {
  it("appears nowhere the tool writes, whatever happens", async () => {
    const dir = tempDir()
    const db = path.join(dir, "m.db")
    const env = { UNIFY_API_KEY: KEY, UNIFY_EXPLORE_LOG: "debug" }
    const results: Array<Result> = []

    await withSandbox({ enrollments: 40, apiKey: KEY }, async (server) => {
      results.push(await cli(["sync", "--db", db], { ...env, UNIFY_BASE_URL: server.url }))
      results.push(await cli(["sync", "--db", db, "--filter", "{\"oops\": 1}"], { ...env, UNIFY_BASE_URL: server.url }))
      results.push(await cli(["jobs", "list", "--remote", "--db", db], { ...env, UNIFY_BASE_URL: server.url }))
    })
    await withSandbox({ enrollments: 5 }, async (server) => {
      results.push(await cli(["sync", "--db", path.join(dir, "b.db")], { ...env, UNIFY_BASE_URL: server.url }))
    })
    await withSandbox({ enrollments: 5, apiKey: KEY, rateLimits: { createPerDay: 0 } }, async (server) => {
      results.push(await cli(["sync", "--db", path.join(dir, "c.db")], { ...env, UNIFY_BASE_URL: server.url }))
    })
    results.push(
      await cli(["sync", "--db", path.join(dir, "d.db"), "--retries", "1"], { ...env, UNIFY_BASE_URL: "http://127.0.0.1:1" })
    )

    assert.deepStrictEqual(results.map((r) => r.code), [0, 2, 0, 3, 4, 7])
    assert.notInclude(everything(results, dir), KEY)
    assert.notInclude(everything(results, dir), KEY.slice(4, 20))
  })
})
