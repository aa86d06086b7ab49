import { assert, describe, it } from "@effect/vitest"
import * as Instant from "../../src/domain/Instant.js"
import {
  allLines,
  base,
  createJob,
  HOUR,
  NOW,
  request,
  sandboxPerTest
} from "./client.js"

const sandbox = sandboxPerTest()

const UUID_V4 =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const micros = (text: string) => {
  const parsed = Instant.parseMicros(text)
  if (parsed._tag === "None") throw new Error(`not an instant: ${text}`)
  return parsed.value
}

describe("authentication and routing", () => {
  it("answers 401 without the right X-Api-Key, before routing", async () => {
    const s = await sandbox()

    const missing = await fetch(`${s.url}${base()}`)
    const wrong = await request(s, "GET", "/nowhere", {
      headers: { "x-api-key": "nope" }
    })

    assert.strictEqual(missing.status, 401)
    const body: any = await missing.json()
    assert.strictEqual(body.status, "unauthorized")
    assert.isString(body.message)
    assert.strictEqual(wrong.status, 401)
  })

  it("creates jobs on both path spellings", async () => {
    const s = await sandbox()

    const current = await request(s, "POST", base())
    const old = await request(
      s,
      "POST",
      "/sequences/v1/enrollment-steps/jobs/query"
    )

    assert.strictEqual(current.status, 201)
    assert.strictEqual(old.status, 201)
    for (const answer of [current, old]) {
      assert.deepStrictEqual(Object.keys(answer.json), [
        "job_id",
        "status",
        "expires_at"
      ])
      assert.match(answer.json.job_id, UUID_V4)
      assert.strictEqual(answer.json.status, "IN_PROGRESS")
      assert.strictEqual(
        answer.json.expires_at,
        new Date(NOW + 24 * HOUR).toISOString()
      )
    }
  })

  it("serves the old spelling's get, list and results", async () => {
    const s = await sandbox()
    const id = await createJob(s)
    const old = "/sequences/v1/enrollments/jobs"

    const got = await request(s, "GET", `${old}/${id}`)
    const listed = await request(s, "GET", `${old}?limit=5`)
    const results = await request(s, "GET", `${old}/${id}/results?page=1`)

    assert.strictEqual(got.json.job_id, id)
    assert.strictEqual(listed.json.jobs[0].job_id, id)
    assert.strictEqual(results.json.total, 60)
  })

  it("answers 404 for a spelling that is switched off", async () => {
    const onlyNew = await sandbox({ paths: ["query-jobs"] })
    const onlyOld = await sandbox({ paths: ["jobs-query"] })

    const old = await request(
      onlyNew,
      "POST",
      "/sequences/v1/enrollments/jobs/query?x=1"
    )
    const current = await request(onlyOld, "POST", base())

    assert.strictEqual(old.status, 404)
    assert.deepStrictEqual(old.json, {
      status: "not_found",
      message: "no route for POST /sequences/v1/enrollments/jobs/query"
    })
    assert.strictEqual(current.status, 404)
  })

  it("has no cancel on the old spelling and no unknown routes", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    const cancel = await request(
      s,
      "POST",
      `/sequences/v1/enrollments/jobs/${id}/cancel`
    )
    const unknown = await request(s, "GET", "/sequences/v1/people/query-jobs")
    const method = await request(s, "DELETE", `${base()}/${id}`)

    assert.strictEqual(cancel.status, 404)
    assert.strictEqual(unknown.status, 404)
    assert.strictEqual(method.status, 404)
    assert.strictEqual(method.json.status, "not_found")
  })

  it("keeps a job to its resource", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    const other = await request(s, "GET", `${base("enrollment-steps")}/${id}`)
    const unknown = await request(s, "GET", `${base()}/no-such-job`)

    assert.strictEqual(other.status, 404)
    assert.strictEqual(other.json.status, "not_found")
    assert.isString(other.json.message)
    assert.strictEqual(unknown.status, 404)
  })

  it("answers 500 without details when a handler throws", async () => {
    let broken = false
    const s = await sandbox({
      now: () => {
        if (broken) throw new Error("secret stack detail")
        return NOW
      }
    })
    broken = true

    const answer = await request(s, "GET", base())

    assert.strictEqual(answer.status, 500)
    assert.deepStrictEqual(answer.json, {
      status: "error",
      message: "internal error"
    })
  })
})

describe("creating jobs", () => {
  it("rejects an invalid filter with errors naming the path", async () => {
    const s = await sandbox()

    const answer = await request(s, "POST", base(), {
      body: {
        filter: {
          updated_at: { gte: "yesterday" },
          status: { in: ["DONE"] }
        }
      }
    })

    assert.strictEqual(answer.status, 400)
    assert.strictEqual(answer.json.status, "bad_request")
    assert.isString(answer.json.message)
    const errors = answer.json.errors
    assert.deepStrictEqual(
      errors.map((e: any) => [e.code, e.path]),
      [
        ["invalid_filter", ["filter", "updated_at", "gte"]],
        ["invalid_filter", ["filter", "status", "in", 0]]
      ]
    )
    assert.isString(errors[0].message)
  })

  it("rejects unknown body keys, non-objects and broken JSON", async () => {
    const s = await sandbox()

    const unknown = await request(s, "POST", base(), {
      body: { filter: {}, sort: "updated_at" }
    })
    const array = await request(s, "POST", base(), { body: [] })
    const broken = await request(s, "POST", base(), { raw: "{\"filter\":" })

    assert.strictEqual(unknown.status, 400)
    assert.deepStrictEqual(unknown.json.errors[0].path, ["sort"])
    assert.strictEqual(unknown.json.errors[0].code, "unknown_key")
    assert.strictEqual(array.status, 400)
    assert.strictEqual(broken.status, 400)
    assert.strictEqual(broken.json.errors[0].code, "invalid_json")
    assert.strictEqual(s.stats().creations.length, 0)
  })

  it("treats an empty body and {} as no filter, and records both", async () => {
    const s = await sandbox()

    const empty = await createJob(s)
    const braces = await createJob(s, {})
    const filtered = await createJob(s, { filter: { is_paused: true } })

    const stats = s.stats()
    assert.deepStrictEqual(
      stats.creations.map((c) => [c.jobId, c.body, c.at, c.resource]),
      [
        [empty, null, NOW, "enrollments"],
        [braces, {}, NOW, "enrollments"],
        [filtered, { filter: { is_paused: true } }, NOW, "enrollments"]
      ]
    )
    const total = async (id: string) =>
      (await request(s, "GET", `${base()}/${id}`)).json.total_rows
    assert.strictEqual(await total(empty), 60)
    assert.strictEqual(await total(braces), 60)
    assert.isBelow(await total(filtered), 60)
    assert.strictEqual(stats.requests.create, 3)
  })
})

describe("job lifecycle", () => {
  it("stays IN_PROGRESS for the delay, then FINISHED", async () => {
    const s = await sandbox({ jobDelayMs: 300 })
    const id = await createJob(s)

    const before = await request(s, "GET", `${base()}/${id}`)
    s.advanceClock(300)
    const after = await request(s, "GET", `${base()}/${id}`)

    assert.deepStrictEqual(before.json, {
      job_id: id,
      status: "IN_PROGRESS",
      total_rows: null,
      error_code: null,
      created_at: new Date(NOW).toISOString(),
      expires_at: new Date(NOW + 24 * HOUR).toISOString(),
      canceled_at: null
    })
    assert.strictEqual(after.json.status, "FINISHED")
    assert.strictEqual(after.json.total_rows, 60)
  })

  it("answers 409 results_not_ready while the job runs", async () => {
    const s = await sandbox({ jobDelayMs: 300 })
    const id = await createJob(s)

    const answer = await request(s, "GET", `${base()}/${id}/results`)

    assert.strictEqual(answer.status, 409)
    assert.strictEqual(answer.json.status, "results_not_ready")
    assert.match(answer.json.message, /\.$/)
  })

  it("cancels only an IN_PROGRESS job", async () => {
    const s = await sandbox({ jobDelayMs: 300 })
    const id = await createJob(s)

    const cancel = await request(s, "POST", `${base()}/${id}/cancel`)
    const job = await request(s, "GET", `${base()}/${id}`)
    const again = await request(s, "POST", `${base()}/${id}/cancel`)
    const results = await request(s, "GET", `${base()}/${id}/results`)

    assert.deepStrictEqual(cancel.json, { job_id: id, status: "CANCELED" })
    assert.strictEqual(job.json.status, "CANCELED")
    assert.strictEqual(job.json.canceled_at, new Date(NOW).toISOString())
    assert.strictEqual(job.json.total_rows, null)
    assert.strictEqual(again.status, 409)
    assert.strictEqual(again.json.status, "job_not_cancelable")
    assert.strictEqual(results.status, 409)
    assert.strictEqual(results.json.status, "results_canceled")
  })

  it("cannot cancel a finished job", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    const cancel = await request(s, "POST", `${base()}/${id}/cancel`)

    assert.strictEqual(cancel.status, 409)
    assert.strictEqual(cancel.json.status, "job_not_cancelable")
  })

  it("answers 410 after expireJob and after 24 hours", async () => {
    const s = await sandbox()
    const forced = await createJob(s)
    const aged = await createJob(s)

    s.expireJob(forced)
    const early = await request(s, "GET", `${base()}/${forced}/results`)
    const stillFine = await request(s, "GET", `${base()}/${aged}/results`)
    s.advanceClock(24 * HOUR + 1)
    const late = await request(s, "GET", `${base()}/${aged}/results`)
    const job = await request(s, "GET", `${base()}/${aged}`)

    assert.strictEqual(early.status, 410)
    assert.strictEqual(early.json.status, "results_expired")
    assert.strictEqual(stillFine.status, 200)
    assert.strictEqual(late.status, 410)
    assert.strictEqual(job.json.status, "EXPIRED")
    assert.strictEqual(job.json.total_rows, 60)
  })

  it("reports a failed job and answers 409 results_failed", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    s.failJob(id, "query_timeout")
    const job = await request(s, "GET", `${base()}/${id}`)
    const results = await request(s, "GET", `${base()}/${id}/results`)

    assert.strictEqual(job.json.status, "FAILED")
    assert.strictEqual(job.json.error_code, "query_timeout")
    assert.strictEqual(results.status, 409)
    assert.strictEqual(results.json.status, "results_failed")
  })
})

describe("listing jobs", () => {
  it("pages newest first with an opaque cursor", async () => {
    const s = await sandbox()
    const ids = [await createJob(s), await createJob(s), await createJob(s)]
    await createJob(s, undefined, "enrollment-steps")

    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`
      const page = await request(s, "GET", `${base()}?limit=1${query}`)
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.json.jobs.length, 1)
      seen.push(page.json.jobs[0].job_id)
      cursor = page.json.next_cursor
    } while (cursor !== null)

    assert.deepStrictEqual(seen, [...ids].reverse())
  })

  it("filters by status and checks its parameters", async () => {
    const s = await sandbox({ jobDelayMs: 300 })
    const running = await createJob(s)
    s.advanceClock(300)
    const fresh = await createJob(s)

    const inProgress = await request(s, "GET", `${base()}?status=IN_PROGRESS`)
    const finished = await request(s, "GET", `${base()}?status=FINISHED`)
    const bad = await Promise.all(
      ["limit=0", "limit=101", "limit=x", "status=DONE", "cursor=%%%"].map(
        (q) => request(s, "GET", `${base()}?${q}`)
      )
    )

    assert.deepStrictEqual(
      inProgress.json.jobs.map((j: any) => j.job_id),
      [fresh]
    )
    assert.deepStrictEqual(
      finished.json.jobs.map((j: any) => j.job_id),
      [running]
    )
    assert.strictEqual(finished.json.next_cursor, null)
    assert.deepStrictEqual(bad.map((a) => a.status), [400, 400, 400, 400, 400])
    assert.deepStrictEqual(bad[3]!.json.errors[0].path, ["status"])
  })
})

describe("results", () => {
  it("wraps JSON pages in the documented envelope", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    const answer = await request(
      s,
      "GET",
      `${base()}/${id}/results?page=2&page_size=25`
    )

    assert.strictEqual(answer.status, 200)
    assert.strictEqual(answer.headers.get("content-type"), "application/json")
    assert.deepStrictEqual(Object.keys(answer.json), [
      "total",
      "page",
      "page_size",
      "data"
    ])
    assert.strictEqual(answer.json.total, 60)
    assert.strictEqual(answer.json.page, 2)
    assert.strictEqual(answer.json.page_size, 25)
    assert.strictEqual(answer.json.data.length, 25)
  })

  it("streams NDJSON with the paging headers", async () => {
    const s = await sandbox()
    const id = await createJob(s)

    const answer = await request(
      s,
      "GET",
      `${base()}/${id}/results?page=3&page_size=25`,
      { headers: { accept: "application/x-ndjson" } }
    )

    assert.strictEqual(answer.status, 200)
    assert.strictEqual(
      answer.headers.get("content-type"),
      "application/x-ndjson"
    )
    assert.strictEqual(answer.headers.get("x-total"), "60")
    assert.strictEqual(answer.headers.get("x-page"), "3")
    assert.strictEqual(answer.headers.get("x-page-size"), "25")
    assert.strictEqual(
      answer.headers.get("content-length"),
      String(Buffer.byteLength(answer.text))
    )
    const lines = answer.text.split("\n")
    assert.strictEqual(lines.pop(), "")
    assert.strictEqual(lines.length, 10)
    const ids = new Set(s.records("enrollments").map((r) => r.id))
    for (const line of lines) assert.isTrue(ids.has(JSON.parse(line).id))
  })

  it("streams a large NDJSON page in several chunks, intact", async () => {
    const s = await sandbox({ enrollments: 1500 })
    const steps = s.records("enrollment-steps")
    const id = await createJob(s, undefined, "enrollment-steps")

    const answer = await request(
      s,
      "GET",
      `${base("enrollment-steps")}/${id}/results?page_size=10000`,
      { headers: { accept: "application/x-ndjson" } }
    )

    const lines = answer.text.split("\n").slice(0, -1)
    assert.isAbove(steps.length, 3000)
    assert.strictEqual(answer.headers.get("x-total"), String(steps.length))
    assert.strictEqual(
      answer.headers.get("content-length"),
      String(Buffer.byteLength(answer.text))
    )
    assert.deepStrictEqual(
      [...lines].sort(),
      steps.map((r) => r.line).sort()
    )
  })

  it("serves exactly the matching records across all pages", async () => {
    const s = await sandbox({ enrollments: 400 })
    const gte = "2026-06-01T00:00:00+02:00"
    const statuses = ["IN_PROGRESS", "DRAFT"]
    const expected = s.records("enrollments").filter((record) => {
      const row = JSON.parse(record.line)
      return micros(row.updated_at) >= micros(gte) &&
        statuses.includes(row.status)
    }).map((record) => record.line).sort()
    const id = await createJob(s, {
      filter: { updated_at: { gte }, status: { in: statuses } }
    })

    const json = await allLines(s, id, "json", 7)
    const ndjson = await allLines(s, id, "ndjson", 50)

    assert.isAbove(expected.length, 50)
    assert.isBelow(expected.length, 400)
    assert.deepStrictEqual([...json].sort(), expected)
    assert.deepStrictEqual([...ndjson].sort(), expected)
    assert.deepStrictEqual(json, ndjson)
  })

  it("answers an empty page past the end", async () => {
    const s = await sandbox()
    const id = await createJob(s)
    const path = `${base()}/${id}/results?page=9&page_size=10`

    const json = await request(s, "GET", path)
    const ndjson = await request(s, "GET", path, {
      headers: { accept: "application/x-ndjson" }
    })

    assert.deepStrictEqual(json.json, {
      total: 60,
      page: 9,
      page_size: 10,
      data: []
    })
    assert.strictEqual(ndjson.status, 200)
    assert.strictEqual(ndjson.text, "")
    assert.strictEqual(ndjson.headers.get("x-total"), "60")
  })

  it("holds page_size to each format's maximum", async () => {
    const s = await sandbox()
    const id = await createJob(s)
    const results = `${base()}/${id}/results`
    const ndjson = { headers: { accept: "application/x-ndjson" } }

    const json2001 = await request(s, "GET", `${results}?page_size=2001`)
    const json2000 = await request(s, "GET", `${results}?page_size=2000`)
    const nd10001 = await request(s, "GET", `${results}?page_size=10001`, ndjson)
    const nd10000 = await request(s, "GET", `${results}?page_size=10000`, ndjson)
    const page0 = await request(s, "GET", `${results}?page=0`)
    const nonsense = await request(s, "GET", `${results}?page_size=1.5`)

    assert.strictEqual(json2001.status, 400)
    assert.strictEqual(json2001.json.status, "bad_request")
    assert.deepStrictEqual(json2001.json.errors[0].path, ["page_size"])
    assert.strictEqual(json2000.status, 200)
    assert.strictEqual(nd10001.status, 400)
    assert.deepStrictEqual(nd10001.json.errors[0].path, ["page_size"])
    assert.strictEqual(nd10000.status, 200)
    assert.deepStrictEqual(page0.json.errors[0].path, ["page"])
    assert.strictEqual(nonsense.status, 400)
  })

  it("answers 413 when a JSON page exceeds the byte cap", async () => {
    const s = await sandbox({ maxJsonBytes: 20_000 })
    const id = await createJob(s)
    const path = `${base()}/${id}/results?page_size=60`

    const json = await request(s, "GET", path)
    const small = await request(s, "GET", `${base()}/${id}/results?page_size=5`)
    const ndjson = await request(s, "GET", path, {
      headers: { accept: "application/x-ndjson" }
    })

    assert.strictEqual(json.status, 413)
    assert.strictEqual(json.json.status, "results_page_too_large")
    assert.isString(json.json.message)
    assert.strictEqual(small.status, 200)
    assert.strictEqual(ndjson.status, 200)
  })

  it("keeps a job's snapshot when records change later", async () => {
    const s = await sandbox()
    const id = await createJob(s)
    const before = await allLines(s, id, "ndjson", 100)

    s.touch("enrollments", 10, 5)
    const after = await allLines(s, id, "ndjson", 100)
    const fresh = await allLines(s, await createJob(s), "ndjson", 100)

    assert.deepStrictEqual(after, before)
    assert.strictEqual(fresh.length, 65)
    assert.notDeepEqual([...fresh].sort(), [...before].sort())
  })

  it("orders by updated_at when asked, shuffles by default", async () => {
    const sorted = await sandbox({ order: "updated-desc" })
    const shuffled = await sandbox()

    const a = await allLines(sorted, await createJob(sorted), "json", 100)
    const b = await allLines(shuffled, await createJob(shuffled), "json", 100)

    const instants = a.map((line) => micros(JSON.parse(line).updated_at))
    const descending = [...instants].sort((x, y) => y - x)
    assert.deepStrictEqual(instants, descending)
    assert.deepStrictEqual([...a].sort(), [...b].sort())
    assert.notDeepEqual(
      b.map((line) => micros(JSON.parse(line).updated_at)),
      descending
    )
  })
})

describe("rate limits", () => {
  it("refuses the 11th status call within a second", async () => {
    const s = await sandbox({ rateLimits: {} })
    const id = await createJob(s)

    const ok = []
    for (let i = 0; i < 10; i++) {
      ok.push((await request(s, "GET", `${base()}/${id}`)).status)
    }
    const refused = await request(s, "GET", base())
    s.advanceClock(1000)
    const later = await request(s, "GET", `${base()}/${id}`)

    assert.deepStrictEqual(ok, Array(10).fill(200))
    assert.strictEqual(refused.status, 429)
    assert.strictEqual(refused.json.status, "rate_limited")
    assert.isString(refused.json.message)
    assert.strictEqual(refused.headers.get("retry-after"), "1")
    assert.strictEqual(later.status, 200)
    assert.strictEqual(s.stats().rateLimited, 1)
  })

  it("limits results to 5 and cancels to 1 per second", async () => {
    const s = await sandbox({ rateLimits: {}, jobDelayMs: 300 })
    const first = await createJob(s)
    const second = await createJob(s)

    const cancels = [
      await request(s, "POST", `${base()}/${first}/cancel`),
      await request(s, "POST", `${base()}/${second}/cancel`)
    ].map((a) => a.status)
    s.advanceClock(1000)
    const results = []
    for (let i = 0; i < 6; i++) {
      results.push((await request(s, "GET", `${base()}/${second}/results`)).status)
    }

    assert.deepStrictEqual(cancels, [200, 429])
    assert.deepStrictEqual(results, [200, 200, 200, 200, 200, 429])
  })

  it("refuses the 101st creation until the oldest leaves 24 h", async () => {
    const s = await sandbox({ rateLimits: {}, enrollments: 5 })
    await createJob(s)
    s.advanceClock(HOUR)
    for (let i = 0; i < 99; i++) await createJob(s, {}, "enrollment-steps")

    const refused = await request(s, "POST", base())
    s.advanceClock(23 * HOUR)
    const allowed = await request(s, "POST", base())

    assert.strictEqual(refused.status, 429)
    assert.strictEqual(refused.json.status, "rate_limited")
    assert.strictEqual(refused.headers.get("retry-after"), String(23 * 3600))
    assert.strictEqual(allowed.status, 201)
    assert.strictEqual(s.stats().creations.length, 101)
  })

  it("does not spend a creation on a rejected body", async () => {
    const s = await sandbox({ rateLimits: { createPerDay: 1 } })

    const bad = await request(s, "POST", base(), { body: { nope: 1 } })
    const good = await request(s, "POST", base())
    const third = await request(s, "POST", base())

    assert.deepStrictEqual(
      [bad.status, good.status, third.status],
      [400, 201, 429]
    )
    assert.strictEqual(third.headers.get("retry-after"), String(24 * 3600))
  })

  it("can be switched off", async () => {
    const s = await sandbox({ rateLimits: false })
    const id = await createJob(s)

    const statuses = []
    for (let i = 0; i < 30; i++) {
      statuses.push((await request(s, "GET", `${base()}/${id}`)).status)
    }

    assert.deepStrictEqual(statuses, Array(30).fill(200))
  })
})

describe("touch", () => {
  it("makes touched rows strictly the newest, as instants", async () => {
    // A clock behind the data: touch must still move past every row.
    const s = await sandbox({ now: () => Date.UTC(2026, 0, 5) })
    const before = s.records("enrollment-steps")
    const latest = Math.max(...before.map((r) => micros(r.updated_at)))

    const ids = s.touch("enrollment-steps", 12, 3)
    const after = s.records("enrollment-steps")

    assert.strictEqual(ids.length, 15)
    assert.strictEqual(new Set(ids).size, 15)
    assert.strictEqual(after.length, before.length + 3)
    const touched = after.filter((r) => ids.includes(r.id))
    assert.strictEqual(touched.length, 15)
    for (const record of touched) {
      assert.isAbove(micros(record.updated_at), latest)
      assert.strictEqual(JSON.parse(record.line).updated_at, record.updated_at)
    }
    const old = new Map(before.map((r) => [r.id, r.line]))
    for (const record of after.filter((r) => !ids.includes(r.id))) {
      assert.strictEqual(record.line, old.get(record.id))
    }
  })

  it("stamps the clock's now, spelled more than one way", async () => {
    const s = await sandbox({ enrollments: 200 })

    const ids = new Set(s.touch("enrollments", 80))
    const touched = s.records("enrollments").filter((r) => ids.has(r.id))

    const instants = new Set(touched.map((r) => micros(r.updated_at)))
    const spellings = new Set(touched.map((r) => r.updated_at))
    assert.deepStrictEqual([...instants], [NOW * 1000])
    assert.isAbove(spellings.size, 2)
  })

  it("rejects negative counts", async () => {
    const s = await sandbox()

    assert.throws(() => s.touch("enrollments", -1))
    assert.throws(() => s.advanceClock(-5))
  })
})

describe("admin routes", () => {
  it("are off by default, like any unknown route", async () => {
    const s = await sandbox()

    const stats = await request(s, "GET", "/__sandbox/stats")

    assert.strictEqual(stats.status, 404)
    assert.strictEqual(stats.json.status, "not_found")
  })

  it("expose stats, touch, expire and advance when on", async () => {
    const s = await sandbox({ admin: true, jobDelayMs: 1000 })
    const id = await createJob(s)

    const stats = await request(s, "GET", "/__sandbox/stats")
    const touch = await request(s, "POST", "/__sandbox/touch", {
      body: { resource: "enrollments", count: 2, added: 1 }
    })
    const advance = await request(s, "POST", "/__sandbox/advance", {
      body: { ms: 1000 }
    })
    const finished = await request(s, "GET", `${base()}/${id}`)
    const expire = await request(s, "POST", `/__sandbox/expire/${id}`)
    const expired = await request(s, "GET", `${base()}/${id}`)
    const badTouch = await request(s, "POST", "/__sandbox/touch", {
      body: { resource: "people", count: 1 }
    })
    const noKey = await request(s, "GET", "/__sandbox/stats", {
      headers: { "x-api-key": "wrong" }
    })

    assert.strictEqual(stats.status, 200)
    assert.strictEqual(stats.json.creations[0].jobId, id)
    assert.deepStrictEqual(stats.json.requests, {
      create: 1,
      status: 0,
      list: 0,
      results: 0,
      cancel: 0
    })
    assert.strictEqual(touch.json.ids.length, 3)
    assert.strictEqual(advance.status, 204)
    assert.strictEqual(finished.json.status, "FINISHED")
    assert.strictEqual(expire.status, 204)
    assert.strictEqual(expired.json.status, "EXPIRED")
    assert.strictEqual(badTouch.status, 400)
    assert.strictEqual(noKey.status, 401)
  })
})
