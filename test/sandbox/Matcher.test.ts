import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Filter from "../../src/domain/Filter.js"
import * as Instant from "../../src/domain/Instant.js"
import type { Resource } from "../../src/domain/Resource.js"
import { makeDataset } from "../../src/sandbox/Data.js"
import { compile } from "../../src/sandbox/Matcher.js"

const data = makeDataset({ enrollments: 200, seed: 3 })
const rowsOf = (resource: Resource): Array<any> =>
  data.entries(resource).map((e) => e.row)

/** Ids the matcher keeps, after checking the filter is valid. */
const kept = (resource: Resource, filter: unknown) => {
  const valid = Filter.validate(resource, filter)
  if (Either.isLeft(valid)) throw new Error(JSON.stringify(valid.left))
  const matches = compile(resource, valid.right)
  return rowsOf(resource).filter(matches).map((row) => row.id)
}

const idsWhere = (resource: Resource, test: (row: any) => boolean) =>
  rowsOf(resource).filter(test).map((row) => row.id)

const micros = (text: string) =>
  Either.getOrThrow(Either.fromOption(Instant.parseMicros(text), () => text))

describe("Matcher", () => {
  it("matches everything without a filter", () => {
    assert.strictEqual(
      rowsOf("enrollments").filter(compile("enrollments", undefined)).length,
      200
    )
  })

  it("compares ranges as instants and leaves null timestamps out", () => {
    const gt = "2026-04-01T02:00:00+02:00"
    const lte = "2026-09-01T00:00:00.000000Z"

    const actual = kept("enrollments", { started_at: { gt, lte } })

    const expected = idsWhere("enrollments", (row) =>
      row.started_at !== null &&
      micros(row.started_at) > micros(gt) &&
      micros(row.started_at) <= micros(lte))
    assert.deepStrictEqual(actual, expected)
    assert.isAbove(actual.length, 0)
    assert.isBelow(
      actual.length,
      idsWhere("enrollments", (row) => row.started_at !== null).length
    )
  })

  it("leaves rows out of an upper bound when their timestamp is null", () => {
    const actual = kept("enrollments", {
      ended_at: { lt: "2027-01-01T00:00:00Z" }
    })

    const ended = idsWhere("enrollments", (row) => row.ended_at !== null)
    assert.deepStrictEqual(actual, ended)
    assert.isBelow(ended.length, 200)
  })

  it("finds a step's mailbox, person and company under its enrollment", () => {
    const sample = rowsOf("enrollment-steps").find((row) =>
      row.enrollment.person.company !== null &&
      row.enrollment.mailbox.email_address !== null
    )
    const { company } = sample.enrollment.person
    const email = sample.enrollment.mailbox.email_address.toUpperCase()

    const byCompany = kept("enrollment-steps", { company: { id: company.id } })
    const byMailbox = kept("enrollment-steps", {
      mailbox: { email_address: email }
    })

    assert.deepStrictEqual(
      byCompany,
      idsWhere("enrollment-steps", (r) =>
        r.enrollment.person.company?.id === company.id)
    )
    assert.deepStrictEqual(
      byMailbox,
      idsWhere("enrollment-steps", (r) =>
        r.enrollment.mailbox.id === sample.enrollment.mailbox.id)
    )
    assert.include(byCompany, sample.id)
  })

  it("ANDs fields: status, flags, sequence and step number", () => {
    const sequence = rowsOf("enrollment-steps")[0].sequence.id

    const actual = kept("enrollment-steps", {
      status: { in: ["FINISHED", "SCHEDULED"] },
      is_paused: false,
      sequence: { id: sequence },
      step_number: 1
    })

    assert.deepStrictEqual(
      actual,
      idsWhere("enrollment-steps", (r) =>
        ["FINISHED", "SCHEDULED"].includes(r.status) && !r.is_paused &&
        r.sequence.id === sequence && r.step_number === 1)
    )
    assert.isAbove(actual.length, 0)
  })

  it("keeps null types and plays out of `in` but inside `not_in`", () => {
    const types = kept("enrollment-steps", {
      type: { not_in: ["AUTOMATIC_EMAIL"] }
    })
    const plays = kept("enrollments", {
      enrolled_by_play: { in: [rowsOf("enrollments").find((r) =>
        r.enrolled_by_play !== null).enrolled_by_play.id] }
    })

    assert.deepStrictEqual(
      types,
      idsWhere("enrollment-steps", (r) => r.type !== "AUTOMATIC_EMAIL")
    )
    assert.isTrue(
      rowsOf("enrollment-steps").some((r) =>
        r.type === null && types.includes(r.id))
    )
    assert.isFalse(
      plays.some((id) =>
        rowsOf("enrollments").find((r) => r.id === id).enrolled_by_play === null)
    )
  })

  it("combines id in and not_in", () => {
    const ids = rowsOf("enrollments").slice(0, 5).map((r) => r.id)

    const actual = kept("enrollments", {
      id: { in: ids, not_in: [ids[0], "unknown"] }
    })

    assert.deepStrictEqual(actual, ids.slice(1))
  })
})
