#!/usr/bin/env node
/**
 * Bundles the CLI into dist/cli/ (tree-shaken ESM, one chunk per lazily
 * loaded command), so start-up reads a few files instead of hundreds of
 * modules. better-sqlite3 stays outside: it is a native addon.
 */
import { build } from "esbuild"
import * as fs from "node:fs"

// Chunk names carry content hashes: old ones would pile up.
fs.rmSync("dist/cli", { recursive: true, force: true })

await build({
  entryPoints: { bin: "src/bin.ts", QueryWorker: "src/explorer/QueryWorker.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3"],
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
  // Bundled CommonJS code may call require(); give ESM output one.
  banner: { js: "import { createRequire as __unifyRequire } from \"node:module\"; const require = __unifyRequire(import.meta.url);" }
})
