/**
 * Child processes under a stopwatch: wall time from spawn to exit, and the
 * peak resident set the kernel recorded for the process (VmHWM, polled,
 * because Node cannot read a child's rusage once it has been reaped).
 */
import { spawn, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"

const POLL_MS = 20

/** The kernel's high-water mark of the process's RSS, in kB (0 if gone). */
const highWaterKb = (pid) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /VmHWM:\s+(\d+) kB/.exec(status)
    return match === null ? 0 : Number(match[1])
  } catch {
    return 0
  }
}

const collect = (stream) => {
  const chunks = []
  stream.on("data", (chunk) => chunks.push(chunk))
  return () => Buffer.concat(chunks).toString("utf8")
}

/**
 * Runs `command` to completion. Resolves with its exit code, wall time in
 * ms, peak RSS in bytes and output; a run past `timeoutMs` is killed.
 */
export const measure = (command, args, { env, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const stdout = collect(child.stdout)
    const stderr = collect(child.stderr)
    let peakKb = 0
    const sample = () => {
      peakKb = Math.max(peakKb, highWaterKb(child.pid))
    }
    const poll = setInterval(sample, POLL_MS)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    sample()
    child.on("error", (error) => {
      clearInterval(poll)
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      resolve({
        code: code ?? -1,
        signal,
        wallMs: performance.now() - started,
        peakRssBytes: peakKb * 1024,
        stdout: stdout(),
        stderr: stderr()
      })
    })
  })

/** Like `measure`, but a non-zero exit is an error naming the command. */
export const measureOk = async (command, args, options) => {
  const run = await measure(command, args, options)
  if (run.code !== 0) {
    const why = run.signal === null ? `exit ${run.code}` : run.signal
    throw new Error(
      `${command} ${args.join(" ")} failed (${why}):\n${run.stderr.trim()}`
    )
  }
  return run
}

/** Whether `command` can be run at all (on PATH and starts). */
export const available = (command) =>
  spawnSync(command, ["--version"], { stdio: "ignore", timeout: 30_000 })
    .status === 0

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2
}
