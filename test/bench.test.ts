/**
 * A smoke run of `npm run bench` (scripts/bench.mjs --quick) so the
 * benchmark never rots. It checks that every figure was produced, never how
 * fast anything was. `npm test` builds dist/ first (pretest).
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { tempDir } from "./layers/harness.js"

interface Figure {
  readonly label: string
  readonly value: number | null
  readonly unit: string
}

interface Report {
  readonly commit: string | null
  readonly node: string
  readonly machine: { readonly cpus: number }
  readonly sizes: { readonly rows: number; readonly pages: number }
  readonly anchor: { readonly skipped: boolean }
  readonly figures: Record<string, Figure>
  readonly targets: ReadonlyArray<{ readonly key: string; readonly note: string }>
}

const BENCH = path.resolve("scripts/bench.mjs")

const runBench = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BENCH, ...args],
      { timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null
          ? 0
          : typeof error.code === "number"
          ? error.code
          : -1
        resolve({ code, stdout, stderr })
      }
    )
  })

/** Figures that exist only when sqlite-utils is installed. */
const anchorOnly = (key: string) =>
  key.startsWith("anchor.") || key === "ratio.syncOverAnchor"

const EXPECTED = [
  "sync.wallS",
  "sync.rowsPerS",
  "sync.mbPerS",
  "sync.peakRssMb",
  "floor.wallS",
  "floor.rowsPerS",
  "floor.peakRssMb",
  "ratio.syncOverFloor",
  "rateLimited.wallS",
  "rateLimited.lowerBoundS",
  "rateLimited.overLowerBound",
  "memory.peakRssNMb",
  "memory.peakRss4NMb",
  "memory.growthPct",
  "coldStart.sqlMedianMs",
  "coldStart.helpMedianMs"
]

describe("npm run bench", () => {
  it("produces every figure in a quick run, as one table and as JSON", async () => {
    const out = path.join(tempDir(), "bench.json")

    const r = await runBench(["--quick", "--out", out])

    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /^figure\s+value\s+unit$/m)
    assert.match(r.stdout, /^sync\/floor throughput\s+[\d.,]+\s+×$/m)
    assert.match(r.stdout, /^target\s+value\s+result$/m)
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as Report
    assert.includeMembers(Object.keys(report.figures), EXPECTED)
    for (const [key, figure] of Object.entries(report.figures)) {
      if (report.anchor.skipped && anchorOnly(key)) {
        assert.isNull(figure.value, key)
      } else {
        assert.isTrue(Number.isFinite(figure.value), `${key} = ${figure.value}`)
        assert.isAbove(figure.unit.length, 0, key)
      }
    }
    if (report.anchor.skipped) {
      assert.include(r.stdout, "sqlite-utils is not installed")
    }
    assert.isAbove(report.sizes.rows, 0)
    assert.strictEqual(report.node, process.version)
    assert.strictEqual(report.targets.length, 6)
  }, 180_000)

  it("refuses an unknown flag with a message and exit code 1", async () => {
    const r = await runBench(["--enrolments", "10"])

    assert.strictEqual(r.code, 1)
    assert.include(r.stderr, "enrolments")
  })
})
