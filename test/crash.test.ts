/**
 * The kill-and-restart script in a small form (the long form is
 * `node scripts/crash.mjs`, 20 trials by default).
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"

// Kills land 150–750 ms after a start. A sync of this size waits for two
// jobs of 200 ms and fetches about 20 pages, so it spans most of that window
// even on a fast machine: most attempts are killed (9 to 12 kills here).
describe("crash safety", () => {
  it("survives SIGKILL at seeded random moments: data equal, nothing abandoned, file intact", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ["scripts/crash.mjs", "--trials", "2", "--enrollments", "600", "--kills", "3", "--kill-window", "600", "--seed", "7"],
        { timeout: 240_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })
      )
    )

    const summary = JSON.parse(stdout) as { kills: number; problems: Array<string> }
    assert.deepStrictEqual(summary.problems, [], stderr)
    assert.strictEqual(code, 0)
    assert.isAtLeast(summary.kills, 2)
  }, 300_000)
})
