/**
 * Command descriptions with an examples section. (@effect/cli lists a
 * command's usage under its parent; the summary and examples show in the
 * command's own --help.)
 */
import * as HelpDoc from "@effect/cli/HelpDoc"

export const describe = (summary: string, examples: ReadonlyArray<string>) =>
  HelpDoc.blocks([
    HelpDoc.p(summary),
    HelpDoc.h2("EXAMPLES"),
    ...examples.map((example) => HelpDoc.p(`  $ ${example}`))
  ])
