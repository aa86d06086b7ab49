/**
 * Everything one sandbox remembers: its settings, data, jobs, rate windows,
 * counters and clock. Handlers receive it; nothing here touches HTTP.
 */
import * as Either from "effect/Either"
import { type Dataset, makeDataset } from "./Data.js"
import { type Faults, makeFaults, parseFaultProfile } from "./Faults.js"
import { withHugeRows } from "./HugeRows.js"
import { type Jobs, makeJobs, type Order } from "./Jobs.js"
import { slidingWindow, type Window } from "./RateLimit.js"
import type {
  SandboxCreation,
  SandboxOptions,
  SandboxRateLimits
} from "./Sandbox.js"

export type PathSpelling = "query-jobs" | "jobs-query"

export type Operation = "create" | "status" | "list" | "results" | "cancel"

/** The documented per-account limits (bulk guide, rate limiting). */
export const defaultRateLimits: SandboxRateLimits = {
  createPerDay: 100,
  statusPerSecond: 10,
  resultsPerSecond: 5,
  cancelPerSecond: 1
}

/** The guide's "maximum raw payload size" for a JSON results page. */
export const MAX_JSON_BYTES = 8 * 1024 * 1024

export interface Config {
  readonly apiKey: string
  readonly paths: ReadonlySet<PathSpelling>
  readonly admin: boolean
  readonly maxJsonBytes: number
}

export interface Limits {
  readonly create: Window
  readonly status: Window
  readonly results: Window
  readonly cancel: Window
  readonly settings: SandboxRateLimits
}

export interface State {
  readonly config: Config
  readonly data: Dataset
  readonly jobs: Jobs
  readonly limits: Limits | null
  /** null without a fault profile: the fast path checks only this. */
  readonly faults: Faults | null
  readonly now: () => number
  readonly advance: (ms: number) => void
  readonly creations: Array<SandboxCreation>
  readonly requests: Record<Operation, number>
  rateLimited: number
}

const SECOND = 1000
const DAY = 24 * 60 * 60 * SECOND

const makeLimits = (
  options: SandboxOptions["rateLimits"]
): Limits | null => {
  if (options === false) return null
  const settings = { ...defaultRateLimits, ...options }
  return {
    create: slidingWindow(settings.createPerDay, DAY),
    status: slidingWindow(settings.statusPerSecond, SECOND),
    results: slidingWindow(settings.resultsPerSecond, SECOND),
    cancel: slidingWindow(settings.cancelPerSecond, SECOND),
    settings
  }
}

const makeClock = (base: () => number) => {
  let offset = 0
  return {
    now: () => base() + offset,
    advance: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`the clock only moves forward, got ${ms} ms`)
      }
      offset += ms
    }
  }
}

/** Throws on a profile that does not check, like any bad option. */
const makeFaultsOf = (options: SandboxOptions, seed: number) => {
  if (options.faults === undefined) return null
  const parsed = parseFaultProfile(options.faults)
  if (Either.isLeft(parsed)) {
    throw new RangeError(`invalid fault profile: ${parsed.left}`)
  }
  return makeFaults(parsed.right, parsed.right.seed ?? seed)
}

export const makeState = (options: SandboxOptions): State => {
  const seed = options.seed ?? 1
  const order: Order = options.order ?? "shuffled"
  const faults = makeFaultsOf(options, seed)
  const data = makeDataset({ enrollments: options.enrollments ?? 1000, seed })
  const jobDelayMs = options.jobDelayMs ?? 300
  return {
    config: {
      apiKey: options.apiKey ?? "sandbox-key",
      paths: new Set(options.paths ?? ["query-jobs", "jobs-query"]),
      admin: options.admin ?? false,
      maxJsonBytes: options.maxJsonBytes ?? MAX_JSON_BYTES
    },
    data: faults === null ? data : withHugeRows(data, faults.hugeRows),
    jobs: faults === null
      ? makeJobs({ seed, jobDelayMs, order })
      : makeJobs({ seed, jobDelayMs, order, fate: faults.fate }),
    limits: makeLimits(options.rateLimits),
    faults,
    ...makeClock(options.now ?? Date.now),
    creations: [],
    requests: { create: 0, status: 0, list: 0, results: 0, cancel: 0 },
    rateLimited: 0
  }
}

