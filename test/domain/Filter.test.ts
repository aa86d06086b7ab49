import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Filter from "../../src/domain/Filter.js"

const issues = (resource: "enrollments" | "enrollment-steps", value: unknown) =>
  Either.match(Filter.validate(resource, value), { onLeft: (i) => i, onRight: () => [] })

describe("Filter", () => {
  it("accepts the documented fields of each resource", () => {
    const enrollment = {
      updated_at: { gte: "2026-07-01T00:00:00Z", lt: "2026-08-01T00:00:00+02:00" },
      sequence: { id: "s1" },
      mailbox: { email_address: "a@b.c" },
      id: { not_in: ["x"] },
      is_replied: true,
      status: { in: ["IN_PROGRESS"] },
      enrolled_by_play: { in: ["p1"] }
    }
    const step = { type: { in: ["PHONE_CALL"] }, step_number: 2, enrollment: { id: "e1" } }

    assert.deepStrictEqual(issues("enrollments", enrollment), [])
    assert.deepStrictEqual(issues("enrollment-steps", step), [])
  })

  it("names the valid fields when a field is unknown", () => {
    const [issue] = issues("enrollments", { update_at: { gte: "2026-01-01T00:00:00Z" } })

    assert.strictEqual(issue?.path, "filter.update_at")
    assert.include(issue?.message, "updated_at")
    assert.include(issue?.message, "enrolled_by_play")
  })

  it("names the valid operators when an operator is unknown", () => {
    const [issue] = issues("enrollments", { updated_at: { after: "2026-01-01T00:00:00Z" } })

    assert.strictEqual(issue?.path, "filter.updated_at.after")
    assert.include(issue?.message, "gt, gte, lt, lte")
  })

  it("refuses what the schema forbids", () => {
    const cases: ReadonlyArray<[unknown, string]> = [
      [{ updated_at: {} }, "at least one bound"],
      [{ updated_at: { gt: "2026-01-01T00:00:00Z", gte: "2026-01-01T00:00:00Z" } }, "gt and gte"],
      [{ updated_at: { gte: "last week" } }, "RFC 3339"],
      [{ id: { in: [] } }, "non-empty array"],
      [{ status: { in: ["DONE"] } }, "DRAFT, IN_PROGRESS, FINISHED"],
      [{ is_paused: "yes" }, "true or false"],
      [[1], "expected an object"]
    ]
    for (const [value, expected] of cases) {
      assert.include(issues("enrollments", value).map((i) => i.message).join(" | "), expected)
    }
    assert.include(issues("enrollment-steps", { step_number: 0 })[0]?.message, "at least 1")
    assert.include(issues("enrollments", { step_number: 1 })[0]?.message, "unknown")
  })

  it("adds the checkpoint as a lower bound unless the user's is later", () => {
    const checkpoint = "2026-05-01T00:00:00.000000Z"

    assert.deepStrictEqual(Filter.withLowerBound({}, checkpoint), { updated_at: { gte: checkpoint } })
    assert.deepStrictEqual(
      Filter.withLowerBound({ updated_at: { gt: "2026-01-01T00:00:00Z", lt: "2027-01-01T00:00:00Z" } }, checkpoint),
      { updated_at: { lt: "2027-01-01T00:00:00Z", gte: checkpoint } }
    )
    const later = { updated_at: { gte: "2026-06-01T00:00:00+02:00" } }
    assert.deepStrictEqual(Filter.withLowerBound(later, checkpoint), later)
  })

  it("gives equal filters equal canonical text", () => {
    assert.strictEqual(
      Filter.canonical({ b: 1, a: { y: 2, x: 1 } }),
      Filter.canonical({ a: { x: 1, y: 2 }, b: 1 })
    )
  })
})
