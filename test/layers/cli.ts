/**
 * The built CLI as a child process, for tests that use it as a user does.
 * (`npm test` builds first: see the pretest script.)
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { type Sandbox, startSandbox } from "../../src/sandbox/Sandbox.js"
import { tempDir } from "./harness.js"

export const BIN = path.resolve("bin/unify-explore")

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}, cwd = tempDir()) =>
  new Promise<Result>((resolve) => {
    const { UNIFY_API_KEY: _key, UNIFY_BASE_URL: _url, UNIFY_EXPLORE_DB: _db, ...rest } = process.env
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...rest, UNIFY_BASE_URL: "http://127.0.0.1:9", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        resolve({ code, stdout, stderr })
      }
    )
  })

export const withSandbox = async <A>(
  options: Parameters<typeof startSandbox>[0],
  f: (server: Sandbox) => Promise<A>
) => {
  const server = await startSandbox({ port: 0, jobDelayMs: 0, ...options })
  try {
    return await f(server)
  } finally {
    await server.close()
  }
}

