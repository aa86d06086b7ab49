/**
 * The sandbox's deterministic data: the same seed gives byte-identical rows.
 * Each resource is generated on first use (a benchmark of 100,000
 * enrollments never pays for the ~350,000 steps it does not ask for), and
 * every row is serialized once: the stored line is what the server sends.
 */
import type { Buffer } from "node:buffer"
import {
  EnrollmentStatus,
  ReplyCategory,
  type Resource,
  StepType
} from "../domain/Resource.js"
import { type Lines, makeLines } from "./Lines.js"
import {
  makePools,
  type Pools,
  subjectFor,
  withoutDescription
} from "./Pools.js"
import {
  chance,
  int,
  orNull,
  pick,
  type Random,
  sample,
  stream,
  uuid,
  weighted
} from "./Random.js"
import type {
  EmailMessage,
  EnrollmentRow,
  Person,
  Reply,
  Row,
  StepRow
} from "./Rows.js"
import {
  drawShared,
  type Micros,
  type Stamp,
  stampBetween,
  stampMaybeShared,
  stampOf
} from "./Stamps.js"

/** One stored row; replaced, never mutated, so job snapshots stay valid. */
export interface Entry {
  readonly id: string
  readonly updated_at: string
  readonly micros: Micros
  /**
   * The exact JSON served for the row, as UTF-8. Bytes rather than a string:
   * half the memory of V8's two-byte strings, and no encoding per request.
   */
  readonly line: Buffer
  readonly row: Row
}

export interface Dataset {
  readonly entries: (resource: Resource) => ReadonlyArray<Entry>
  /** See `Sandbox.touch`; `nowMs` is the sandbox clock. */
  readonly touch: (
    resource: Resource,
    count: number,
    added: number,
    nowMs: number
  ) => ReadonlyArray<string>
}

/** Generated rows fall in 2026, before the day this was written. */
const WINDOW_START: Micros = Date.UTC(2026, 0, 1) * 1000
const WINDOW_END: Micros = Date.UTC(2026, 10, 30) * 1000
const DAY: Micros = 86_400_000_000

const entryOf = (ctx: Context, row: Row, micros: Micros): Entry => ({
  id: row.id,
  updated_at: row.updated_at,
  micros,
  line: "enrollment" in row ? ctx.lines.step(row) : ctx.lines.enrollment(row),
  row
})

interface Context {
  readonly random: Random
  readonly pools: Pools
  /** Instants many rows share. */
  readonly shared: ReadonlyArray<Micros>
  readonly parts: StepParts
  readonly lines: Lines
}

/** What step generation needs to know about an enrollment as generated. */
interface Plan {
  readonly row: EnrollmentRow
  readonly started: Micros | null
  readonly updated: Micros
}

const makeReply = (random: Random, person: Person): Reply => {
  const subject = subjectFor(random, person)
  return {
    id: uuid(random),
    subject: subject === null ? null : `Re: ${subject}`,
    classifications: Array.from({ length: int(random, 3) }, () => ({
      id: uuid(random),
      category: pick(random, ReplyCategory)
    }))
  }
}

const enrollmentTimes = (
  random: Random,
  status: EnrollmentRow["status"],
  ends: boolean,
  updated: Stamp
) => {
  if (status === "DRAFT") return { started: null, ended: null }
  const ended = ends ? stampBetween(random, WINDOW_START, updated.micros) : null
  const started = stampBetween(
    random,
    WINDOW_START,
    ended?.micros ?? updated.micros
  )
  return { started, ended }
}

/** An enrollment as of `updated`; the rest of its timeline comes before. */
const makeEnrollment = (
  ctx: Context,
  updated: Stamp
): { row: EnrollmentRow; started: Micros | null } => {
  const { pools, random } = ctx
  const status = weighted(random, [
    [EnrollmentStatus[0], 1],
    [EnrollmentStatus[1], 5],
    [EnrollmentStatus[2], 4]
  ])
  const isCanceled = status !== "FINISHED" && chance(random, 0.06)
  const { ended, started } = enrollmentTimes(
    random,
    status,
    status === "FINISHED" || (isCanceled && status !== "DRAFT"),
    updated
  )
  const sequence = pick(random, pools.sequences)
  const person = pick(random, pools.people)
  const reply = status === "DRAFT"
    ? null
    : orNull(random, 0.8, () => makeReply(random, person))
  const row: EnrollmentRow = {
    id: uuid(random),
    updated_at: updated.text,
    status,
    is_blocked: chance(random, 0.01),
    is_bounced: status !== "DRAFT" && chance(random, 0.03),
    is_canceled: isCanceled,
    is_opted_out: reply !== null && chance(random, 0.1),
    is_paused: status === "IN_PROGRESS" && chance(random, 0.04),
    is_replied: reply !== null,
    version: orNull(random, 0.1, () => sequence.version),
    started_at: started?.text ?? null,
    ended_at: ended?.text ?? null,
    sequence: sequence.summary,
    mailbox: pick(random, pools.mailboxes),
    person,
    enrolled_by_play: orNull(random, 0.4, () => pick(random, pools.plays)),
    reply_email_message: reply
  }
  return { row, started: started?.micros ?? null }
}

/** A resource's rows plus the latest instant any of them carries. */
interface Table {
  readonly entries: Array<Entry>
  latest: Micros
}

const tableOf = (entries: Array<Entry>): Table => ({
  entries,
  latest: entries.reduce((max, e) => Math.max(max, e.micros), WINDOW_START)
})

/**
 * Enrollments as first generated, for their steps: the rows, and their
 * instants in flat arrays (an object per row would only feed the GC).
 */
interface Originals {
  readonly rows: ReadonlyArray<EnrollmentRow>
  /** NaN where `started_at` is null. */
  readonly started: Float64Array
  readonly updated: Float64Array
}

const generateEnrollments = (ctx: Context, count: number) => {
  const rows: Array<EnrollmentRow> = []
  const started = new Float64Array(count)
  const updated = new Float64Array(count)
  const entries: Array<Entry> = []
  for (let i = 0; i < count; i++) {
    const stamp = stampMaybeShared(
      ctx.random,
      ctx.shared,
      WINDOW_START,
      WINDOW_END
    )
    const made = makeEnrollment(ctx, stamp)
    rows.push(made.row)
    started[i] = made.started ?? NaN
    updated[i] = stamp.micros
    entries.push(entryOf(ctx, made.row, stamp.micros))
  }
  const originals: Originals = { rows, started, updated }
  return { originals, table: tableOf(entries) }
}

const plansOf = function*(originals: Originals): Generator<Plan> {
  const { rows, started, updated } = originals
  for (let i = 0; i < rows.length; i++) {
    const begin = started[i]!
    yield {
      row: rows[i]!,
      started: Number.isNaN(begin) ? null : begin,
      updated: updated[i]!
    }
  }
}

// ---------------------------------------------------------------------------
// Steps

const EMAIL_TYPES: ReadonlyArray<string> = ["AUTOMATIC_EMAIL", "MANUAL_EMAIL"]

const drawType = (random: Random, position: number): StepRow["type"] => {
  if (chance(random, 0.02)) return null
  if (position === 0 && chance(random, 0.8)) return "AUTOMATIC_EMAIL"
  return weighted(random, [
    [StepType[0], 5],
    [StepType[1], 2],
    [StepType[2], 1],
    [StepType[3], 0.3],
    [StepType[4], 1],
    [StepType[5], 0.5],
    [StepType[6], 0.5],
    [StepType[7], 0.7]
  ])
}

/** Steps before the current one are done, the current one is queued. */
const drawStatus = (
  random: Random,
  enrollment: EnrollmentRow,
  position: number,
  current: number
): StepRow["status"] => {
  if (position < current) {
    return weighted(random, [
      ["FINISHED", 95],
      ["ERRORED", 3],
      ["UNREACHABLE", 2]
    ])
  }
  if (enrollment.is_canceled) return "CANCELED"
  if (position === current && enrollment.status === "IN_PROGRESS") {
    return chance(random, 0.7) ? "SCHEDULED" : "PENDING"
  }
  return "NOT_STARTED"
}

interface StepTimes {
  readonly started: Stamp | null
  readonly ended: Stamp | null
  readonly updated: Stamp
}

/** Step `position` of `count` runs in its share of the enrollment's span. */
const stepTimes = (
  ctx: Context,
  plan: Plan,
  status: StepRow["status"],
  position: number,
  count: number
): StepTimes => {
  const { random } = ctx
  const begin = plan.started ?? WINDOW_START
  const slot = (plan.updated - begin) / count
  const runs = status !== "NOT_STARTED" && status !== "CANCELED" &&
    plan.started !== null
  if (!runs) {
    const updated = stampMaybeShared(random, ctx.shared, begin, plan.updated)
    return { started: null, ended: null, updated }
  }
  const from = Math.floor(begin + slot * position)
  const started = stampBetween(random, from, Math.floor(from + slot))
  const done = status !== "SCHEDULED" && status !== "PENDING"
  const ended = done
    ? stampBetween(random, started.micros, started.micros + DAY / 24)
    : null
  const after = ended ?? started
  const updated = stampMaybeShared(
    random,
    ctx.shared,
    after.micros,
    Math.min(WINDOW_END, after.micros + 3 * DAY)
  )
  return { started: status === "SCHEDULED" ? null : started, ended, updated }
}

const makeEmail = (
  random: Random,
  plan: Plan,
  status: StepRow["status"],
  sent: Stamp | null
): EmailMessage | null => {
  if (status === "NOT_STARTED" || status === "CANCELED") return null
  const opens = status === "FINISHED" ? int(random, 8) : 0
  return {
    id: uuid(random),
    subject: subjectFor(random, plan.row.person),
    sent_at: status === "FINISHED" ? sent?.text ?? null : null,
    from_email_address: plan.row.mailbox.email_address,
    is_bounced: status === "ERRORED" && chance(random, 0.5),
    is_opted_out: plan.row.is_opted_out && chance(random, 0.3),
    clicks: opens === 0 ? 0 : int(random, opens + 1),
    opens
  }
}

/** One result per key, so rows share objects (and their JSON text). */
const memo = <K, V>(make: (key: K) => V) => {
  const cache = new Map<K, V>()
  return (key: K): V => {
    let value = cache.get(key)
    if (value === undefined) {
      value = make(key)
      cache.set(key, value)
    }
    return value
  }
}

/** Step rows embed people without company descriptions, and versions. */
export interface StepParts {
  readonly person: (person: Person) => Person
  readonly sequence: (enrollment: EnrollmentRow) => StepRow["sequence"]
}

const makeStepParts = (): StepParts => {
  const versions = memo((_: EnrollmentRow["sequence"]) =>
    new Map<number | null, StepRow["sequence"]>()
  )
  return {
    person: memo(withoutDescription),
    sequence: ({ sequence, version }) => {
      const byVersion = versions(sequence)
      let summary = byVersion.get(version)
      if (summary === undefined) {
        summary = { ...sequence, version }
        byVersion.set(version, summary)
      }
      return summary
    }
  }
}

interface StepInput {
  readonly plan: Plan
  readonly position: number
  readonly status: StepRow["status"]
  readonly replied: boolean
}

const makeStep = (ctx: Context, input: StepInput, count: number): Entry => {
  const { random } = ctx
  const { plan, position, status } = input
  const enrollment = plan.row
  const type = drawType(random, position)
  const times = stepTimes(ctx, plan, status, position, count)
  const email = type !== null && EMAIL_TYPES.includes(type)
    ? makeEmail(random, plan, status, times.ended)
    : null
  const row: StepRow = {
    id: uuid(random),
    updated_at: times.updated.text,
    type,
    status,
    is_blocked: enrollment.is_blocked,
    is_bounced: email?.is_bounced ?? false,
    is_canceled: status === "CANCELED",
    is_opted_out: email?.is_opted_out ?? false,
    is_paused: enrollment.is_paused && status !== "FINISHED",
    is_replied: input.replied,
    sequence: ctx.parts.sequence(enrollment),
    step_number: status === "NOT_STARTED" && chance(random, 0.3)
      ? null
      : position + 1,
    started_at: times.started?.text ?? null,
    ended_at: times.ended?.text ?? null,
    enrollment: {
      id: enrollment.id,
      mailbox: enrollment.mailbox,
      person: ctx.parts.person(enrollment.person)
    },
    email_message: email,
    reply_email_message: input.replied ? enrollment.reply_email_message : null
  }
  return entryOf(ctx, row, times.updated.micros)
}

/** 1–6 steps per enrollment; the reply lands on the last step that ran. */
const stepsOf = (ctx: Context, plan: Plan): Array<Entry> => {
  const { random } = ctx
  const count = 1 + int(random, 6)
  const current = plan.row.status === "DRAFT"
    ? 0
    : plan.row.status === "FINISHED"
    ? count
    : int(random, count)
  const statuses = Array.from(
    { length: count },
    (_, position) => drawStatus(random, plan.row, position, current)
  )
  const replyAt = plan.row.is_replied ? statuses.lastIndexOf("FINISHED") : -1
  return statuses.map((status, position) =>
    makeStep(ctx, {
      plan,
      position,
      status,
      replied: position === replyAt
    }, count)
  )
}

const generateSteps = (ctx: Context, originals: Originals) => {
  const entries: Array<Entry> = []
  for (const plan of plansOf(originals)) {
    for (const entry of stepsOf(ctx, plan)) entries.push(entry)
  }
  return tableOf(entries)
}

// ---------------------------------------------------------------------------
// Touch: the next version of a row, as a later sync would see it

const evolveEnrollment = (
  ctx: Context,
  row: EnrollmentRow,
  at: Stamp
): EnrollmentRow => {
  const { random } = ctx
  const base = { ...row, updated_at: at.text }
  if (row.status === "DRAFT") {
    return { ...base, status: "IN_PROGRESS", started_at: at.text }
  }
  if (row.status === "IN_PROGRESS" && chance(random, 0.5)) {
    return { ...base, status: "FINISHED", ended_at: at.text, is_paused: false }
  }
  if (!row.is_replied) {
    const reply = makeReply(random, row.person)
    return { ...base, is_replied: true, reply_email_message: reply }
  }
  return row.status === "IN_PROGRESS"
    ? { ...base, is_paused: !row.is_paused }
    : { ...base, is_opted_out: !row.is_opted_out }
}

const evolveStep = (ctx: Context, row: StepRow, at: Stamp): StepRow => {
  const { random } = ctx
  const base = { ...row, updated_at: at.text }
  if (row.status === "NOT_STARTED") {
    return {
      ...base,
      status: "SCHEDULED",
      step_number: row.step_number ?? 1 + int(random, 6)
    }
  }
  if (row.status === "SCHEDULED" || row.status === "PENDING") {
    const email = row.email_message === null
      ? null
      : { ...row.email_message, sent_at: at.text }
    return {
      ...base,
      status: "FINISHED",
      started_at: row.started_at ?? at.text,
      ended_at: at.text,
      email_message: email
    }
  }
  if (row.email_message !== null) {
    const opens = row.email_message.opens + 1
    const clicks = row.email_message.clicks + (chance(random, 0.3) ? 1 : 0)
    return { ...base, email_message: { ...row.email_message, opens, clicks } }
  }
  return { ...base, is_paused: !row.is_paused }
}

const newStep = (ctx: Context, parent: EnrollmentRow, at: Stamp): StepRow => {
  const { random } = ctx
  return {
    id: uuid(random),
    updated_at: at.text,
    type: drawType(random, 1),
    status: "SCHEDULED",
    is_blocked: false,
    is_bounced: false,
    is_canceled: false,
    is_opted_out: false,
    is_paused: false,
    is_replied: false,
    sequence: ctx.parts.sequence(parent),
    step_number: orNull(random, 0.2, () => 1 + int(random, 6)),
    started_at: null,
    ended_at: null,
    enrollment: {
      id: parent.id,
      mailbox: parent.mailbox,
      person: ctx.parts.person(parent.person)
    },
    email_message: null,
    reply_email_message: null
  }
}

/**
 * The instant a touch stamps: the clock's now, or one millisecond past the
 * latest stored instant when the clock is behind the data, so touched rows
 * are always strictly the newest.
 */
const touchInstant = (table: Table, nowMs: number): Micros =>
  Math.max(
    Math.floor(nowMs) * 1000,
    (Math.floor(table.latest / 1000) + 1) * 1000
  )

// ---------------------------------------------------------------------------

/** What every stream of one dataset shares. */
const makeCommon = (seed: number, enrollments: number) => {
  const random = stream(seed, "pools")
  return {
    pools: makePools(random, enrollments),
    shared: drawShared(random, WINDOW_START, WINDOW_END, 4),
    parts: makeStepParts(),
    lines: makeLines()
  }
}

export interface DataOptions {
  readonly enrollments: number
  readonly seed: number
}

/** Nothing is generated until a resource is first asked for. */
export const makeDataset = (options: DataOptions): Dataset => {
  const { seed } = options
  let common: Omit<Context, "random"> | undefined
  const context = (name: string): Context => {
    common ??= makeCommon(seed, options.enrollments)
    return { ...common, random: stream(seed, name) }
  }
  let touchContext: Context | undefined
  let enrollments: ReturnType<typeof generateEnrollments> | undefined
  let steps: Table | undefined

  const enrollmentData = () =>
    (enrollments ??= generateEnrollments(
      context("enrollments"),
      options.enrollments
    ))
  const table = (resource: Resource): Table =>
    resource === "enrollments"
      ? enrollmentData().table
      : (steps ??= generateSteps(context("steps"), enrollmentData().originals))

  const evolve = (ctx: Context, resource: Resource, row: Row, at: Stamp) =>
    resource === "enrollments"
      ? evolveEnrollment(ctx, row as EnrollmentRow, at)
      : evolveStep(ctx, row as StepRow, at)

  const create = (ctx: Context, resource: Resource, at: Stamp): Row => {
    if (resource === "enrollments") return makeEnrollment(ctx, at).row
    const parents = enrollmentData().table.entries
    const parent = pick(ctx.random, parents).row as EnrollmentRow
    return newStep(ctx, parent, at)
  }

  const touch: Dataset["touch"] = (resource, count, added, nowMs) => {
    const t = table(resource)
    const ctx = (touchContext ??= context("touch"))
    const micros = touchInstant(t, nowMs)
    const stamp = () => stampOf(ctx.random, micros)
    const ids: Array<string> = []
    for (const index of sample(ctx.random, t.entries.length, count)) {
      const row = evolve(ctx, resource, t.entries[index]!.row, stamp())
      t.entries[index] = entryOf(ctx, row, micros)
      ids.push(row.id)
    }
    for (let i = 0; i < added; i++) {
      const row = create(ctx, resource, stamp())
      t.entries.push(entryOf(ctx, row, micros))
      ids.push(row.id)
    }
    if (ids.length > 0) t.latest = micros
    return ids
  }

  return { entries: (resource) => table(resource).entries, touch }
}
