import { assert, describe, it } from "@effect/vitest"
import * as Instant from "../../src/domain/Instant.js"
import {
  EnrollmentStatus,
  ReplyCategory,
  StepStatus,
  StepType
} from "../../src/domain/Resource.js"
import { makeDataset } from "../../src/sandbox/Data.js"

const ENROLLMENT_KEYS = [
  "id", "updated_at", "status", "is_blocked", "is_bounced", "is_canceled",
  "is_opted_out", "is_paused", "is_replied", "version", "started_at",
  "ended_at", "sequence", "mailbox", "person", "enrolled_by_play",
  "reply_email_message"
]

const STEP_KEYS = [
  "id", "updated_at", "type", "status", "is_blocked", "is_bounced",
  "is_canceled", "is_opted_out", "is_paused", "is_replied", "sequence",
  "step_number", "started_at", "ended_at", "enrollment", "email_message",
  "reply_email_message"
]

const MAILBOX_KEYS = [
  "id", "email_address", "forward_to_email_address",
  "secondary_forward_to_email_address", "user", "secondary_forward_to_user"
]

const PERSON_KEYS = [
  "id", "email", "first_name", "last_name", "linkedin_url", "company"
]

const EMAIL_KEYS = [
  "id", "subject", "sent_at", "from_email_address", "is_bounced",
  "is_opted_out", "clicks", "opens"
]

const dataset = makeDataset({ enrollments: 300, seed: 7 })
const enrollments = dataset.entries("enrollments").map((e) => ({
  ...e,
  text: e.line.toString("utf8"),
  parsed: JSON.parse(e.line.toString("utf8"))
}))
const steps = dataset.entries("enrollment-steps").map((e) => ({
  ...e,
  text: e.line.toString("utf8"),
  parsed: JSON.parse(e.line.toString("utf8"))
}))
const all = [...enrollments, ...steps]

const micros = (text: string) => {
  const parsed = Instant.parseMicros(text)
  if (parsed._tag === "None") throw new Error(`not an instant: ${text}`)
  return parsed.value
}

const timestamps = (row: any): Array<string> =>
  [
    row.updated_at,
    row.started_at,
    row.ended_at,
    row.email_message?.sent_at
  ].filter((t): t is string => typeof t === "string")

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("generated data", () => {
  it("gives byte-identical lines for a seed, other lines for another", () => {
    const again = makeDataset({ enrollments: 300, seed: 7 })
    const other = makeDataset({ enrollments: 300, seed: 8 })
    // Generating steps first must not change the enrollments.
    const againSteps = again.entries("enrollment-steps")

    const lines = (d: typeof dataset, r: "enrollments" | "enrollment-steps") =>
      d.entries(r).map((e) => e.line.toString("utf8"))
    assert.deepStrictEqual(
      lines(again, "enrollments"),
      lines(dataset, "enrollments")
    )
    assert.deepStrictEqual(
      againSteps.map((e) => e.line.toString("utf8")),
      steps.map((e) => e.text)
    )
    const otherIds = new Set(other.entries("enrollments").map((e) => e.id))
    assert.isFalse(enrollments.some((e) => otherIds.has(e.id)))
  })

  it("serves each row exactly as JSON.stringify would write it", () => {
    for (const entry of all) {
      assert.strictEqual(entry.text, JSON.stringify(entry.row))
      assert.strictEqual(entry.id, entry.parsed.id)
      assert.strictEqual(entry.updated_at, entry.parsed.updated_at)
      assert.strictEqual(entry.micros, micros(entry.updated_at))
    }
  })

  it("gives enrollment rows every documented key", () => {
    for (const { parsed: row } of enrollments) {
      assert.deepStrictEqual(Object.keys(row), ENROLLMENT_KEYS)
      assert.match(row.id, UUID)
      assert.include(EnrollmentStatus, row.status)
      assert.deepStrictEqual(Object.keys(row.sequence), ["id", "name"])
      assert.deepStrictEqual(Object.keys(row.mailbox), MAILBOX_KEYS)
      assert.deepStrictEqual(Object.keys(row.person), PERSON_KEYS)
      if (row.person.company !== null) {
        assert.deepStrictEqual(Object.keys(row.person.company), [
          "id", "name", "domain", "description", "linkedin_url"
        ])
      }
      if (row.enrolled_by_play !== null) {
        assert.deepStrictEqual(Object.keys(row.enrolled_by_play), ["id", "name"])
      }
      if (row.reply_email_message !== null) {
        for (const c of row.reply_email_message.classifications) {
          assert.include(ReplyCategory, c.category)
        }
      }
      assert.isTrue(row.version === null || Number.isInteger(row.version))
    }
  })

  it("gives step rows every documented key, companies without descriptions", () => {
    for (const { parsed: row } of steps) {
      assert.deepStrictEqual(Object.keys(row), STEP_KEYS)
      assert.include(StepStatus, row.status)
      assert.isTrue(row.type === null || StepType.includes(row.type))
      assert.deepStrictEqual(Object.keys(row.sequence), ["id", "name", "version"])
      assert.deepStrictEqual(Object.keys(row.enrollment), [
        "id", "mailbox", "person"
      ])
      assert.deepStrictEqual(Object.keys(row.enrollment.mailbox), MAILBOX_KEYS)
      if (row.enrollment.person.company !== null) {
        assert.notProperty(row.enrollment.person.company, "description")
      }
      if (row.email_message !== null) {
        assert.deepStrictEqual(Object.keys(row.email_message), EMAIL_KEYS)
        assert.isAtMost(row.email_message.clicks, row.email_message.opens)
      }
      assert.isTrue(row.step_number === null || row.step_number >= 1)
    }
  })

  it("gives every enrollment 1 to 6 steps that point back to it", () => {
    const counts = new Map<string, number>()
    for (const { parsed: row } of steps) {
      counts.set(row.enrollment.id, (counts.get(row.enrollment.id) ?? 0) + 1)
    }
    const byId = new Map(enrollments.map((e) => [e.id, e.parsed]))

    assert.strictEqual(counts.size, enrollments.length)
    for (const [id, count] of counts) {
      assert.isTrue(count >= 1 && count <= 6)
      assert.strictEqual(byId.get(id).mailbox.id, steps.find(
        (s) => s.parsed.enrollment.id === id
      )!.parsed.enrollment.mailbox.id)
    }
  })

  it("makes nullable keys sometimes null and sometimes not", () => {
    const rows = enrollments.map((e) => e.parsed)
    const both = (values: Array<unknown>) =>
      values.some((v) => v === null) && values.some((v) => v !== null)

    assert.isTrue(both(rows.map((r) => r.started_at)))
    assert.isTrue(both(rows.map((r) => r.ended_at)))
    assert.isTrue(both(rows.map((r) => r.version)))
    assert.isTrue(both(rows.map((r) => r.enrolled_by_play)))
    assert.isTrue(both(rows.map((r) => r.reply_email_message)))
    assert.isTrue(both(rows.map((r) => r.person.company)))
    assert.isTrue(both(rows.map((r) => r.mailbox.user)))
    assert.isTrue(both(steps.map((s) => s.parsed.step_number)))
    assert.isTrue(both(steps.map((s) => s.parsed.email_message)))
    assert.isTrue(both(steps.map((s) => s.parsed.type)))
  })

  it("keeps each row's timeline in order", () => {
    for (const { parsed: row } of all) {
      const updated = micros(row.updated_at)
      if (row.started_at !== null) {
        assert.isAtMost(micros(row.started_at), updated)
      }
      if (row.ended_at !== null && row.started_at !== null) {
        assert.isAtMost(micros(row.started_at), micros(row.ended_at))
      }
      if (row.ended_at !== null) assert.isAtMost(micros(row.ended_at), updated)
      assert.isTrue(row.updated_at.startsWith("2026-"))
    }
  })

  it("mixes timestamp spellings for the same kind of value", () => {
    const texts = all.flatMap((e) => timestamps(e.parsed))
    const has = (pattern: RegExp) => texts.some((t) => pattern.test(t))

    assert.isTrue(has(/:\d\dZ$/), "no fractional digits")
    assert.isTrue(has(/\.\d{3}Z$/), "three digits")
    assert.isTrue(has(/\.\d{6}Z$/), "six digits")
    assert.isTrue(has(/\+00:00$/), "+00:00")
    assert.isTrue(has(/[+-](0[1-9]|1\d):[0-5]\d$/), "another offset")
    assert.isTrue(has(/-0\d:30$/), "a negative half-hour offset")
    for (const text of texts) assert.isTrue(Instant.isInstant(text), text)
  })

  it("lets many rows share one instant, spelled differently", () => {
    const byInstant = new Map<number, Set<string>>()
    for (const { parsed: row } of enrollments) {
      const key = micros(row.updated_at)
      byInstant.set(key, (byInstant.get(key) ?? new Set()).add(row.updated_at))
    }
    const counts = new Map<number, number>()
    for (const { parsed: row } of enrollments) {
      const key = micros(row.updated_at)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    const sharing = [...counts.values()].filter((c) => c > 1)
      .reduce((sum, c) => sum + c, 0)

    assert.isAtLeast(sharing, enrollments.length * 0.03)
    assert.isTrue([...byInstant.values()].some((spellings) => spellings.size > 1))
  })

  it("carries awkward text: accents, CJK, emoji, RTL, U+2028, escapes", () => {
    const text = all.map((e) => e.text).join("\n")

    assert.match(text, /[éëøç]/)
    assert.match(text, /[\u3040-\u30ff\u4e00-\u9fff]/)
    assert.match(text, /\p{Extended_Pictographic}/u)
    assert.match(text, /[\u0590-\u06ff]/)
    assert.include(text, "\u2028")
    assert.include(text, "\\\"")
    assert.include(text, "\\n")
  })
})
