import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { faultProfileOf } from "../../src/commands/sandbox.js"
import type { Sandbox } from "../../src/sandbox/Sandbox.js"
import { startSandbox } from "../../src/sandbox/Sandbox.js"
import { base, createJob, NOW, request, sandboxPerTest } from "./client.js"

const sandbox = sandboxPerTest()

const NDJSON = { headers: { accept: "application/x-ndjson" } }

/** Statuses of `count` get-job calls, in order. */
const statuses = async (s: Sandbox, id: string, count: number) => {
  const seen: Array<number> = []
  for (let i = 0; i < count; i++) {
    seen.push((await request(s, "GET", `${base()}/${id}`)).status)
  }
  return seen
}

interface RawAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  /** Every body byte that arrived before the server closed. */
  readonly body: Buffer
}

/**
 * A GET over a bare socket, read until the server closes it. `fetch`
 * would throw away what arrived before a cut; this keeps every byte.
 */
const raw = (
  s: Sandbox,
  path: string,
  headers: Record<string, string> = {}
): Promise<RawAnswer> =>
  new Promise((resolve) => {
    const socket = net.connect(s.port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    // A reset after the cut is one more way to end; the bytes count.
    socket.on("error", () => undefined)
    socket.on("close", () => resolve(parseRaw(Buffer.concat(chunks))))
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`)
    socket.write(
      `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `x-api-key: ${s.apiKey}\r\nconnection: close\r\n${extra.join("")}\r\n`
    )
  })

const parseRaw = (bytes: Buffer): RawAnswer => {
  const end = bytes.indexOf("\r\n\r\n")
  const [statusLine, ...lines] = bytes.subarray(0, end).toString().split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return {
    status: Number(statusLine!.split(" ")[1]),
    headers,
    body: bytes.subarray(end + 4)
  }
}

/** Whether the bytes end inside a multi-byte UTF-8 character. */
const endsMidCharacter = (bytes: Buffer) => {
  let i = bytes.length - 1
  while (i >= 0 && (bytes[i]! & 0xc0) === 0x80) i--
  if (i < 0) return false
  const lead = bytes[i]!
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return bytes.length - i < size
}

describe("fault profile", () => {
  it("is off by default and counts nothing", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    await request(s, "GET", `${base()}/${id}/results`)

    const faults = s.stats().faults
    assert.isTrue(Object.values(faults).every((count) => count === 0))
    assert.include(Object.keys(faults), "dropConnection")
  })

  it("refuses a profile with a bad value or an unknown key", async () => {
    const bad = [{ rateLimit: 2 }, { ratelimit: 0.1 }, { slowJob: { x: 1 } }]

    const outcomes = await Promise.allSettled(
      bad.map((faults) => startSandbox({ faults: faults as never }))
    )

    for (const outcome of outcomes) {
      assert.strictEqual(outcome.status, "rejected")
      if (outcome.status === "rejected") {
        assert.match(String(outcome.reason), /invalid fault profile/)
      }
    }
  })
})

describe("spurious 429s and 5xx", () => {
  it("answers 429 rate_limited for the operations named", async () => {
    const s = await sandbox({
      faults: { rateLimit: { status: 1 }, retryAfterStyle: "seconds" }
    })
    const id = await createJob(s)

    const got = await request(s, "GET", `${base()}/${id}`)
    const listed = await request(s, "GET", base())

    assert.strictEqual(got.status, 429)
    assert.strictEqual(got.json.status, "rate_limited")
    assert.isString(got.json.message)
    assert.strictEqual(got.headers.get("retry-after"), "1")
    assert.strictEqual(listed.status, 200)
    assert.strictEqual(s.stats().faults.rateLimit, 1)
    assert.strictEqual(s.stats().rateLimited, 0)
  })

  it("spells Retry-After as seconds or as an HTTP-date", async () => {
    const seconds = await sandbox({
      faults: {
        rateLimit: 1,
        retryAfterStyle: "seconds",
        retryAfterSeconds: 7
      }
    })
    const dated = await sandbox({
      now: () => NOW + 400,
      faults: {
        rateLimit: 1,
        retryAfterStyle: "http-date",
        retryAfterSeconds: 7
      }
    })
    const mixed = await sandbox({ faults: { rateLimit: 1 } })

    const plain = await request(seconds, "GET", base())
    const date = await request(dated, "GET", base())
    const spellings = new Set<string>()
    for (let i = 0; i < 30; i++) {
      const value = (await request(mixed, "GET", base())).headers
        .get("retry-after")!
      spellings.add(/^\d+$/.test(value) ? "seconds" : "date")
    }

    assert.strictEqual(plain.headers.get("retry-after"), "7")
    const retryAt = Date.parse(date.headers.get("retry-after")!)
    const serverNow = Date.parse(date.headers.get("date")!)
    assert.match(date.headers.get("retry-after")!, /GMT$/)
    assert.strictEqual(serverNow, NOW)
    assert.isAtLeast(retryAt - (NOW + 400), 7000)
    assert.isAtLeast(retryAt - serverNow, 7000)
    assert.deepStrictEqual([...spellings].sort(), ["date", "seconds"])
  })

  it("answers create 429 for a day's spent budget, creating nothing", async () => {
    const s = await sandbox({
      faults: { createBudgetSpent: 1, retryAfterStyle: "seconds" }
    })

    const answers = [
      await request(s, "POST", base()),
      await request(s, "POST", base(), { body: { filter: {} } })
    ]

    for (const answer of answers) {
      assert.strictEqual(answer.status, 429)
      assert.strictEqual(answer.json.status, "rate_limited")
      const wait = Number(answer.headers.get("retry-after"))
      assert.isAtLeast(wait, 3600)
      assert.isAtMost(wait, 24 * 3600)
    }
    assert.strictEqual(s.stats().creations.length, 0)
    assert.strictEqual(s.stats().faults.createBudgetSpent, 2)
    assert.strictEqual(
      (await request(s, "GET", base())).json.jobs.length,
      0
    )
  })

  it("answers 500 as documented, 502 and 503 as a proxy would", async () => {
    const s = await sandbox({ faults: { serverError: { list: 1 } } })

    const answers = []
    for (let i = 0; i < 30; i++) answers.push(await request(s, "GET", base()))

    const codes = new Set(answers.map((a) => a.status))
    assert.deepStrictEqual([...codes].sort(), [500, 502, 503])
    const five = answers.find((a) => a.status === 500)!
    const bad = answers.find((a) => a.status === 502)!
    const unavailable = answers.find((a) => a.status === 503)!
    assert.deepStrictEqual(five.json, { status: "error", message: "internal error" })
    assert.strictEqual(bad.headers.get("content-type"), "text/html")
    assert.include(bad.text, "502 Bad Gateway")
    assert.isString(unavailable.headers.get("retry-after"))
    assert.strictEqual(s.stats().faults.serverError, 30)
  })
})

describe("determinism", () => {
  const profile = { rateLimit: { status: 0.25 }, serverError: { status: 0.25 } }

  it("gives the same answers for the same profile and seed", async () => {
    const a = await sandbox({ faults: { ...profile, seed: 5 } })
    const b = await sandbox({ faults: { ...profile, seed: 5 } })
    const c = await sandbox({ faults: { ...profile, seed: 6 } })

    const [x, y, z] = await Promise.all(
      [a, b, c].map(async (s) => statuses(s, await createJob(s), 40))
    )

    assert.deepStrictEqual(x, y)
    assert.notDeepEqual(x, z)
    assert.include(x, 200)
    assert.include(x, 429)
  })

  it("defaults the fault seed to the data seed", async () => {
    const a = await sandbox({ seed: 3, faults: profile })
    const b = await sandbox({ seed: 7, faults: { ...profile, seed: 3 } })

    const x = await statuses(a, await createJob(a), 30)
    const y = await statuses(b, await createJob(b), 30)

    assert.deepStrictEqual(x, y)
  })

  it("keeps one fault's draws when another fault is added", async () => {
    const alone = await sandbox({ faults: { rateLimit: { status: 0.3 } } })
    const both = await sandbox({
      faults: { rateLimit: { status: 0.3 }, serverError: { status: 0.3 } }
    })

    const x = await statuses(alone, await createJob(alone), 40)
    const y = await statuses(both, await createJob(both), 40)

    const limited = (seen: Array<number>) =>
      seen.flatMap((status, i) => (status === 429 ? [i] : []))
    assert.deepStrictEqual(limited(x), limited(y))
    assert.isTrue(y.some((status) => status >= 500))
  })
})

describe("job fates", () => {
  it("keeps a slow job IN_PROGRESS for the extra time", async () => {
    const s = await sandbox({
      faults: { slowJob: { probability: 1, extraMs: 5000 } }
    })
    const id = await createJob(s)

    const before = await request(s, "GET", `${base()}/${id}`)
    s.advanceClock(4999)
    const still = await request(s, "GET", `${base()}/${id}`)
    s.advanceClock(1)
    const after = await request(s, "GET", `${base()}/${id}`)

    assert.strictEqual(before.json.status, "IN_PROGRESS")
    assert.strictEqual(still.json.status, "IN_PROGRESS")
    assert.strictEqual(after.json.status, "FINISHED")
    assert.strictEqual(s.stats().faults.slowJob, 1)
  })

  it("fails a job with the error code once it would have finished", async () => {
    const s = await sandbox({
      jobDelayMs: 300,
      faults: { failJob: { probability: 1, errorCode: "query_timeout" } }
    })
    const id = await createJob(s)

    const running = await request(s, "GET", `${base()}/${id}`)
    s.advanceClock(300)
    const failed = await request(s, "GET", `${base()}/${id}`)
    const results = await request(s, "GET", `${base()}/${id}/results`)

    assert.strictEqual(running.json.status, "IN_PROGRESS")
    assert.strictEqual(running.json.error_code, null)
    assert.strictEqual(failed.json.status, "FAILED")
    assert.strictEqual(failed.json.error_code, "query_timeout")
    assert.strictEqual(failed.json.total_rows, null)
    assert.strictEqual(results.status, 409)
    assert.strictEqual(results.json.status, "results_failed")
  })

  it("cancels a job when it would have finished, with canceled_at", async () => {
    const s = await sandbox({ jobDelayMs: 300, faults: { cancelJob: 1 } })
    const id = await createJob(s)

    s.advanceClock(1000)
    const job = await request(s, "GET", `${base()}/${id}`)
    const results = await request(s, "GET", `${base()}/${id}/results`)
    const listed = await request(s, "GET", `${base()}?status=CANCELED`)

    assert.strictEqual(job.json.status, "CANCELED")
    assert.strictEqual(job.json.canceled_at, new Date(NOW + 300).toISOString())
    assert.strictEqual(results.json.status, "results_canceled")
    assert.strictEqual(listed.json.jobs[0].job_id, id)
    assert.strictEqual(s.stats().faults.cancelJob, 1)
  })

  it("draws each job's fate by its creation number", async () => {
    const faults = {
      slowJob: { probability: 0.5, extraMs: 1000 },
      failJob: { probability: 0.3 },
      cancelJob: 0.3
    }
    const fates = async () => {
      const s = await sandbox({ faults })
      const ids = []
      for (let i = 0; i < 12; i++) ids.push(await createJob(s))
      const status = async (id: string) =>
        (await request(s, "GET", `${base()}/${id}`)).json.status
      const early = await Promise.all(ids.map(status))
      s.advanceClock(1000)
      const late = await Promise.all(ids.map(status))
      return early.map((status, i) => `${status}>${late[i]}`)
    }

    const first = await fates()
    const second = await fates()

    assert.deepStrictEqual(first, second)
    assert.isAbove(new Set(first).size, 2)
  })
})

describe("jobs that go away", () => {
  it("expires a job after K results calls", async () => {
    const s = await sandbox({ faults: { expireAfterResultCalls: 2 } })
    const id = await createJob(s)
    const results = `${base()}/${id}/results?page_size=10`

    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await request(s, "GET", results)).status)
    const gone = await request(s, "GET", results)
    const job = await request(s, "GET", `${base()}/${id}`)

    assert.deepStrictEqual(codes, [200, 200, 410])
    assert.strictEqual(gone.json.status, "results_expired")
    assert.strictEqual(job.json.status, "EXPIRED")
    assert.strictEqual(s.stats().faults.expireAfterResultCalls, 1)
  })

  it("forgets a job for good: 404 on every later call", async () => {
    const s = await sandbox({ faults: { forgetJob: 0.3 } })
    const id = await createJob(s)

    const seen = await statuses(s, id, 30)
    const results = await request(s, "GET", `${base()}/${id}/results`)
    const listed = await request(s, "GET", base())

    const first = seen.indexOf(404)
    assert.isAbove(first, -1)
    assert.deepStrictEqual(seen.slice(0, first), Array(first).fill(200))
    assert.deepStrictEqual(seen.slice(first), Array(30 - first).fill(404))
    assert.strictEqual(results.status, 404)
    assert.strictEqual(results.json.status, "not_found")
    assert.deepStrictEqual(listed.json.jobs, [])
    assert.strictEqual(s.stats().faults.forgetJob, 1)
  })
})

describe("short pages", () => {
  it("leaves out the same row on every refetch, in either format", async () => {
    const s = await sandbox({ faults: { shortPage: 1 } })
    const id = await createJob(s)
    const path = `${base()}/${id}/results?page=2&page_size=20`

    const first = await request(s, "GET", path)
    const again = await request(s, "GET", path)
    const ndjson = await request(s, "GET", path, NDJSON)

    assert.strictEqual(first.json.total, 60)
    assert.strictEqual(first.json.page_size, 20)
    assert.strictEqual(first.json.data.length, 19)
    assert.strictEqual(again.text, first.text)
    assert.strictEqual(ndjson.headers.get("x-total"), "60")
    assert.deepStrictEqual(
      ndjson.text.split("\n").slice(0, -1),
      first.json.data.map((row: unknown) => JSON.stringify(row))
    )
    assert.strictEqual(s.stats().faults.shortPage, 3)
  })

  it("shortens only some pages, the same ones each time", async () => {
    const s = await sandbox({ enrollments: 200, faults: { shortPage: 0.4 } })
    const id = await createJob(s)
    const sizes = async () => {
      const counts = []
      for (let page = 1; page <= 20; page++) {
        const path = `${base()}/${id}/results?page=${page}&page_size=10`
        counts.push((await request(s, "GET", path)).json.data.length)
      }
      return counts
    }

    const first = await sizes()
    const second = await sizes()

    assert.deepStrictEqual(second, first)
    assert.include(first, 9)
    assert.include(first, 10)
  })
})

describe("dropped connections", () => {
  it("cuts NDJSON short of its length, mid-line and mid-character", async () => {
    const s = await sandbox({ enrollments: 200, faults: { dropConnection: 1 } })
    const id = await createJob(s)

    const answers: Array<RawAnswer> = []
    for (let page = 1; page <= 20; page++) {
      const path = `${base()}/${id}/results?page=${page % 4 + 1}&page_size=50`
      answers.push(await raw(s, path, { accept: "application/x-ndjson" }))
    }

    for (const answer of answers) {
      assert.strictEqual(answer.status, 200)
      assert.isBelow(answer.body.length, Number(answer.headers["content-length"]))
    }
    const bodies = answers.map((a) => a.body)
    const midLine = bodies.filter((b) => b[b.length - 1] !== 0x0a)
    const midChar = bodies.filter(endsMidCharacter)
    const clean = bodies.filter((b) => b[b.length - 1] === 0x0a)
    assert.isNotEmpty(midLine)
    assert.isNotEmpty(midChar)
    assert.isNotEmpty(clean)
    assert.strictEqual(s.stats().faults.dropConnection, 20)
  })

  it("cuts JSON pages too, which fetch reports as an error", async () => {
    const s = await sandbox({ faults: { dropConnection: 1 } })
    const id = await createJob(s)
    const path = `${base()}/${id}/results?page_size=30`

    const answer = await raw(s, path)
    const response = await fetch(`${s.url}${path}`, {
      headers: { "x-api-key": s.apiKey }
    })
    const read = await response.text().then(() => "read", () => "failed")

    assert.isBelow(answer.body.length, Number(answer.headers["content-length"]))
    assert.throws(() => JSON.parse(answer.body.toString("utf8")))
    assert.strictEqual(response.status, 200)
    assert.strictEqual(read, "failed")
  })

  it("leaves an empty page alone", async () => {
    const s = await sandbox({ faults: { dropConnection: 1 } })
    const id = await createJob(s)

    const answer = await raw(
      s,
      `${base()}/${id}/results?page=9&page_size=10`,
      { accept: "application/x-ndjson" }
    )

    assert.strictEqual(answer.headers["content-length"], "0")
    assert.strictEqual(answer.body.length, 0)
    assert.strictEqual(s.stats().faults.dropConnection, 0)
  })
})

describe("huge rows", () => {
  it("gives a few rows a field over 1 MiB with U+2028 and U+2029", async () => {
    const s = await sandbox({ faults: { hugeRows: 0.3 } })
    const id = await createJob(s)

    const records = s.records("enrollments")
    const path = `${base()}/${id}/results?page_size=60`
    const ndjson = await request(s, "GET", path, NDJSON)

    const huge = records.filter((r) => Buffer.byteLength(r.line) > 1024 * 1024)
    assert.isNotEmpty(huge)
    assert.isBelow(huge.length, 60)
    assert.strictEqual(s.stats().faults.hugeRows, huge.length)
    const name: string = JSON.parse(huge[0]!.line).sequence.name
    assert.isAbove(Buffer.byteLength(name), 1024 * 1024)
    assert.include(name, "\u2028")
    assert.include(name, "\u2029")
    const lines = ndjson.text.split("\n").slice(0, -1)
    assert.strictEqual(lines.length, 60)
    assert.include(ndjson.text, "\u2028")
    assert.deepStrictEqual(
      lines.map((line) => JSON.parse(line).id).sort(),
      records.map((r) => r.id).sort()
    )
  })

  it("makes the 413 reachable at a realistic JSON page size", async () => {
    const s = await sandbox({ faults: { hugeRows: 0.3 } })
    const id = await createJob(s)

    const whole = await request(s, "GET", `${base()}/${id}/results?page_size=60`)
    const small = await request(s, "GET", `${base()}/${id}/results?page_size=2`)

    assert.strictEqual(whole.status, 413)
    assert.strictEqual(whole.json.status, "results_page_too_large")
    assert.strictEqual(small.status, 200)
  })

  it("picks the same rows for the same seed", async () => {
    const a = await sandbox({ faults: { hugeRows: 0.05 } })
    const b = await sandbox({ faults: { hugeRows: 0.05 } })

    const hugeIds = (s: Sandbox) =>
      s.records("enrollment-steps")
        .filter((r) => Buffer.byteLength(r.line) > 1024 * 1024)
        .map((r) => r.id)

    assert.deepStrictEqual(hugeIds(a), hugeIds(b))
    assert.isNotEmpty(hugeIds(a))
  })
})

describe("the --faults and --fault-seed flags", () => {
  const flags = (faults?: string, faultSeed?: number) => ({
    faults: Option.fromNullable(faults),
    faultSeed: Option.fromNullable(faultSeed)
  })

  it.effect("read a profile inline or from a file, with the flag's seed", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"))
      const file = path.join(dir, "faults.json")
      fs.writeFileSync(file, JSON.stringify({ shortPage: 0.5, seed: 4 }))

      const text = " {\"rateLimit\":{\"results\":0.2}}"
      const inline = yield* faultProfileOf(flags(text))
      const fromFile = yield* faultProfileOf(flags(file))
      const reseeded = yield* faultProfileOf(flags(file, 9))
      const none = yield* faultProfileOf(flags())
      fs.rmSync(dir, { recursive: true })

      assert.deepStrictEqual(inline, { rateLimit: { results: 0.2 } })
      assert.deepStrictEqual(fromFile, { shortPage: 0.5, seed: 4 })
      assert.deepStrictEqual(reseeded, { shortPage: 0.5, seed: 9 })
      assert.isUndefined(none)
    }))

  it.effect("name what is wrong as a usage error", () =>
    Effect.gen(function*() {
      const problems = yield* Effect.forEach([
        flags("{\"rateLimit\":"),
        flags("{\"dropConnection\":1.5}"),
        flags("{\"shortpage\":0.1}"),
        flags("/no/such/faults.json"),
        flags(undefined, 3)
      ], (f) => Effect.flip(faultProfileOf(f)))

      const tags = problems.map((e) => e._tag)
      assert.deepStrictEqual(tags, Array(5).fill("UsageError"))
      assert.match(problems[0]!.problem, /not valid JSON/)
      assert.match(problems[1]!.problem, /dropConnection/)
      assert.match(problems[2]!.problem, /shortpage/)
      assert.match(problems[3]!.problem, /ENOENT/)
      assert.match(problems[4]!.problem, /--fault-seed needs --faults/)
    }))
})
