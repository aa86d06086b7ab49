/**
 * A seeded fault profile: spurious 429s and 5xx answers, bodies cut short,
 * short pages, jobs that are slow, fail, are canceled, expire early or are
 * forgotten, and rows big enough to hurt. Off unless `SandboxOptions.faults`
 * is set. Every decision draws from its own stream, named by the fault and
 * by what it concerns (operation and request number, job, page), so the
 * same profile, seed and requests give the same faults, and turning one
 * fault on never reshuffles the others.
 *
 * Order: after the API key, routing and the real rate limits come
 * createBudgetSpent, rateLimit and serverError (the first that fires
 * answers); then, in the handler, forgetJob, expireAfterResultCalls,
 * shortPage and dropConnection. A job's slowJob, failJob and cancelJob
 * are drawn once, at creation.
 */
import type { Buffer } from "node:buffer"
import type { ServerResponse } from "node:http"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Resource } from "../domain/Resource.js"
import { type Headers, sendError, sendRaw } from "./Http.js"
import type { Ending } from "./Jobs.js"
import { int, pick, type Random, stream } from "./Random.js"
import type { Operation } from "./State.js"

/** One probability for every operation, or one per operation (others 0). */
export type PerOperation = number | Partial<Record<Operation, number>>

export interface FaultProfile {
  /** Seed of every fault stream; default the data seed. */
  readonly seed?: number
  /** Probability (0–1) that a request answers a spurious 429. */
  readonly rateLimit?: PerOperation
  /**
   * How fault 429s and 503s spell `Retry-After`: delay-seconds, an
   * HTTP-date (with a `Date` header from the sandbox clock to measure it
   * against), or either, drawn per answer. Default "mixed".
   */
  readonly retryAfterStyle?: "seconds" | "http-date" | "mixed"
  /** Whole seconds that spurious 429s and 503s ask for; default 1. */
  readonly retryAfterSeconds?: number
  /**
   * Probability that a create answers 429 as if the day's budget were
   * spent: `Retry-After` 1–24 h (drawn), no job created.
   */
  readonly createBudgetSpent?: number
  /**
   * Probability of a 5xx instead of the answer: 500 with the contract's
   * body, or 502/503 with a proxy's HTML page (status drawn per answer).
   */
  readonly serverError?: PerOperation
  /**
   * Probability that a results body stops part-way: the headers promise
   * the full `content-length`, then the socket closes after a clean row
   * boundary, inside a row, or inside a multi-byte character (drawn).
   */
  readonly dropConnection?: number
  /** With this probability a job stays IN_PROGRESS `extraMs` longer. */
  readonly slowJob?: {
    readonly probability: number
    readonly extraMs: number
  }
  /**
   * With this probability a job ends FAILED (default error_code
   * "sandbox_failure") when it would have finished.
   */
  readonly failJob?: {
    readonly probability: number
    readonly errorCode?: string
  }
  /**
   * Probability that a job ends CANCELED (by someone else) when it would
   * have finished; `canceled_at` is that moment. failJob wins a tie.
   */
  readonly cancelJob?: number
  /** A job serves this many results calls, then expires (410). */
  readonly expireAfterResultCalls?: number
  /**
   * Probability that a get-job or results call answers 404 not_found for
   * a job the server knows; from then on the job is gone everywhere.
   */
  readonly forgetJob?: number
  /**
   * Probability that a results page (a job and a row range) serves one
   * row fewer than it should while `total` stays; the same page is always
   * short by the same row, in either format.
   */
  readonly shortPage?: number
  /**
   * Probability per stored row that its `sequence.name` is over 1 MiB of
   * text with U+2028/U+2029, escapes and multi-byte characters (about
   * 1 MiB of memory per such row); enough of them make a JSON page 413.
   */
  readonly hugeRows?: number
}

// ---------------------------------------------------------------------------
// Checking a profile

const Probability = Schema.Number.pipe(Schema.between(0, 1, {
  message: () => "expected a probability from 0 to 1"
}))

/** Absent, but never `undefined`: JSON has no such value. */
const optional = <S extends Schema.Schema.All>(schema: S) =>
  Schema.optionalWith(schema, { exact: true })

const PerOperationSchema = Schema.Union(
  Probability,
  Schema.Struct({
    create: optional(Probability),
    status: optional(Probability),
    list: optional(Probability),
    results: optional(Probability),
    cancel: optional(Probability)
  })
)

const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

const ProfileSchema: Schema.Schema<FaultProfile> = Schema.Struct({
  seed: optional(Schema.Number.pipe(Schema.int())),
  rateLimit: optional(PerOperationSchema),
  retryAfterStyle: optional(Schema.Literal("seconds", "http-date", "mixed")),
  retryAfterSeconds: optional(Count),
  createBudgetSpent: optional(Probability),
  serverError: optional(PerOperationSchema),
  dropConnection: optional(Probability),
  slowJob: optional(Schema.Struct({
    probability: Probability,
    extraMs: Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
  })),
  failJob: optional(Schema.Struct({
    probability: Probability,
    errorCode: optional(Schema.NonEmptyString)
  })),
  cancelJob: optional(Probability),
  expireAfterResultCalls: optional(Count),
  forgetJob: optional(Probability),
  shortPage: optional(Probability),
  hugeRows: optional(Probability)
})

const decodeProfile = Schema.decodeUnknownEither(ProfileSchema, {
  errors: "all",
  // A misspelled fault would otherwise be a fault that silently never fires.
  onExcessProperty: "error"
})

const isPlainObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The profile, or a message naming every problem in it. */
export const parseFaultProfile = (
  input: unknown
): Either.Either<FaultProfile, string> => {
  if (!isPlainObject(input)) {
    return Either.left("a fault profile is a JSON object")
  }
  return Either.mapLeft(decodeProfile(input), (error) =>
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; "))
}

// ---------------------------------------------------------------------------
// Counting

export const FAULT_NAMES = [
  "rateLimit",
  "createBudgetSpent",
  "serverError",
  "dropConnection",
  "slowJob",
  "failJob",
  "cancelJob",
  "expireAfterResultCalls",
  "forgetJob",
  "shortPage",
  "hugeRows"
] as const

export type FaultName = (typeof FAULT_NAMES)[number]

/** How often each fault fired (hugeRows: rows made huge). */
export type FaultCounts = Record<FaultName, number>

export const noFaults = (): FaultCounts =>
  Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as FaultCounts

// ---------------------------------------------------------------------------
// Drawing

/** What happens to a job, decided once when it is created. */
export interface JobFate {
  readonly extraMs: number
  readonly ending: Ending | null
}

/** Where to cut a results body, or undefined when it is too short to. */
export type Cutter = (body: Buffer, ndjson: boolean) => number | undefined

export interface Faults {
  readonly counts: FaultCounts
  /** Answers a fault 429 or 5xx before the handler; true if it did. */
  readonly intercept: (
    op: Operation,
    n: number,
    res: ServerResponse,
    now: number
  ) => boolean
  /** The fate of the job with this creation number. */
  readonly fate: (seq: number) => JobFate
  /** Whether the nth call of `op` finds its job forgotten. */
  readonly forgets: (op: Operation, n: number) => boolean
  /** Counts a results call on a finished job; true once it must expire. */
  readonly expiresNow: (jobId: string) => boolean
  /** The index, in [from, to), of the row this page leaves out, if any. */
  readonly shortPage: (
    seq: number,
    from: number,
    to: number
  ) => number | undefined
  /** How the nth results call's body is cut, when it is. */
  readonly dropConnection: (n: number) => Cutter | undefined
  /**
   * Decides, row after row in stored order, which rows of a resource are
   * huge; undefined when none are.
   */
  readonly hugeRows: (resource: Resource) => (() => boolean) | undefined
}

const probabilityFor = (p: PerOperation | undefined, op: Operation) =>
  typeof p === "number" ? p : p?.[op] ?? 0

const HOUR_S = 60 * 60
const DAY_S = 24 * HOUR_S

const PROXY_PAGES = {
  502: "Bad Gateway",
  503: "Service Unavailable"
} as const

const proxyPage = (status: 502 | 503) =>
  `<html><head><title>${status} ${PROXY_PAGES[status]}</title></head>` +
  `<body><h1>${status} ${PROXY_PAGES[status]}</h1></body></html>\n`

export const makeFaults = (profile: FaultProfile, seed: number): Faults => {
  const counts = noFaults()
  const resultCalls = new Map<string, number>()
  const random = (name: string) => stream(seed, `faults/${name}`)

  /** The fault's stream for `key` when it fires, else undefined. */
  const draw = (name: FaultName, key: string, p: number | undefined) => {
    if (p === undefined || p <= 0) return undefined
    const r = random(`${name}/${key}`)
    return r() < p ? r : undefined
  }
  const fired = (name: FaultName) => {
    counts[name]++
  }

  /** An HTTP-date counts whole seconds: round up so none is lost. */
  const retryAfter = (r: Random, seconds: number, now: number): Headers => {
    const style = profile.retryAfterStyle ?? "mixed"
    const dated = style === "http-date" || (style === "mixed" && r() < 0.5)
    if (!dated) return { "retry-after": seconds }
    const at = Math.ceil((now + seconds * 1000) / 1000) * 1000
    return {
      "retry-after": new Date(at).toUTCString(),
      // The sandbox clock may not be the wall clock; this is what to
      // measure the date against.
      date: new Date(now).toUTCString()
    }
  }

  const budgetSpent = (r: Random, res: ServerResponse, now: number) => {
    const seconds = HOUR_S + int(r, DAY_S - HOUR_S + 1)
    sendError(
      res,
      429,
      "rate_limited",
      "Rate limit reached: the day's query job creations are spent. " +
        `Retry after ${seconds} s.`,
      retryAfter(r, seconds, now)
    )
  }

  const rateLimited = (r: Random, res: ServerResponse, now: number) => {
    const seconds = profile.retryAfterSeconds ?? 1
    sendError(
      res,
      429,
      "rate_limited",
      `Rate limit reached. Retry after ${seconds} s.`,
      retryAfter(r, seconds, now)
    )
  }

  const serverError = (r: Random, res: ServerResponse, now: number) => {
    const status = pick(r, [500, 502, 503] as const)
    if (status === 500) return sendError(res, 500, "error", "internal error")
    const headers = status === 503
      ? retryAfter(r, profile.retryAfterSeconds ?? 1, now)
      : {}
    sendRaw(res, status, proxyPage(status), {
      "content-type": "text/html",
      ...headers
    })
  }

  const intercept: Faults["intercept"] = (op, n, res, now) => {
    const key = `${op}/${n}`
    const budget = op === "create"
      ? draw("createBudgetSpent", key, profile.createBudgetSpent)
      : undefined
    if (budget !== undefined) {
      fired("createBudgetSpent")
      budgetSpent(budget, res, now)
      return true
    }
    const limited = draw("rateLimit", key, probabilityFor(profile.rateLimit, op))
    if (limited !== undefined) {
      fired("rateLimit")
      rateLimited(limited, res, now)
      return true
    }
    const failed = draw(
      "serverError",
      key,
      probabilityFor(profile.serverError, op)
    )
    if (failed === undefined) return false
    fired("serverError")
    serverError(failed, res, now)
    return true
  }

  const ending = (key: string): Ending | null => {
    const failJob = profile.failJob
    if (draw("failJob", key, failJob?.probability) !== undefined) {
      fired("failJob")
      return {
        kind: "fail",
        errorCode: failJob?.errorCode ?? "sandbox_failure"
      }
    }
    if (draw("cancelJob", key, profile.cancelJob) === undefined) return null
    fired("cancelJob")
    return { kind: "cancel" }
  }

  const fate = (seq: number): JobFate => {
    const key = `job/${seq}`
    const slow = draw("slowJob", key, profile.slowJob?.probability)
    if (slow !== undefined) fired("slowJob")
    return {
      extraMs: slow === undefined ? 0 : profile.slowJob?.extraMs ?? 0,
      ending: ending(key)
    }
  }

  const forgets = (op: Operation, n: number) => {
    const hit = draw("forgetJob", `${op}/${n}`, profile.forgetJob) !== undefined
    if (hit) fired("forgetJob")
    return hit
  }

  const expiresNow = (jobId: string) => {
    const limit = profile.expireAfterResultCalls
    if (limit === undefined) return false
    const calls = (resultCalls.get(jobId) ?? 0) + 1
    resultCalls.set(jobId, calls)
    if (calls <= limit) return false
    fired("expireAfterResultCalls")
    return true
  }

  // Keyed by the rows, not the request: results are immutable, so a
  // refetch must meet the same short page.
  const shortPage = (seq: number, from: number, to: number) => {
    if (to <= from) return undefined
    const r = draw("shortPage", `${seq}/${from}/${to}`, profile.shortPage)
    if (r === undefined) return undefined
    fired("shortPage")
    return from + int(r, to - from)
  }

  const dropConnection = (n: number): Cutter | undefined => {
    const r = draw("dropConnection", `results/${n}`, profile.dropConnection)
    if (r === undefined) return undefined
    return (body, ndjson) => {
      const at = cutPoint(r, body, ndjson)
      if (at !== undefined) fired("dropConnection")
      return at
    }
  }

  const hugeRows = (resource: Resource) => {
    const p = profile.hugeRows ?? 0
    if (p <= 0) return undefined
    const r = random(`hugeRows/${resource}`)
    return () => {
      const hit = r() < p
      if (hit) fired("hugeRows")
      return hit
    }
  }

  return {
    counts,
    intercept,
    fate,
    forgets,
    expiresNow,
    shortPage,
    dropConnection,
    hugeRows
  }
}

// ---------------------------------------------------------------------------
// Cutting a body

const NL = 0x0a

/** Just past the lead byte of a multi-byte UTF-8 character, if any. */
const midCharacter = (r: Random, body: Buffer): number | undefined => {
  const start = int(r, body.length)
  for (let k = 0; k < body.length; k++) {
    const i = (start + k) % body.length
    const byte = body[i]!
    if (byte >= 0xc2 && byte <= 0xf4 && i + 1 < body.length) return i + 1
  }
  return undefined
}

/**
 * After a whole NDJSON line but before the last, which only the length
 * gives away; in JSON just before the closing `]}`.
 */
const rowBoundary = (
  r: Random,
  body: Buffer,
  ndjson: boolean
): number | undefined => {
  if (!ndjson) return body.length > 2 ? body.length - 2 : undefined
  let nl = body.indexOf(NL, int(r, body.length))
  if (nl === body.length - 1) nl = body.indexOf(NL)
  return nl >= 0 && nl < body.length - 1 ? nl + 1 : undefined
}

/** Anywhere strictly inside a line. */
const midRow = (r: Random, body: Buffer): number | undefined => {
  let at = 1 + int(r, body.length - 1)
  if (body[at - 1] === NL) at++
  return at < body.length ? at : undefined
}

const CUTS = ["row-boundary", "mid-row", "mid-character"] as const

const cutPoint = (
  r: Random,
  body: Buffer,
  ndjson: boolean
): number | undefined => {
  if (body.length < 2) return undefined
  const kind = pick(r, CUTS)
  const at = kind === "mid-character"
    ? midCharacter(r, body)
    : kind === "row-boundary"
    ? rowBoundary(r, body, ndjson)
    : undefined
  return at ?? midRow(r, body)
}
