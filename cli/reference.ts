/**
 * The command's reference, `docs/cli.md`, made from each command's
 * `--help`, so that the two never drift (a test compares them):
 *
 * ```sh
 * deno task docs:cli
 * ```
 *
 * @module
 */

import { COMMANDS, HELP } from "./commands/mod.ts";

/** The reference as Markdown: the top-level help, then each command's. */
export function reference(): string {
  const sections = COMMANDS.map((command) =>
    `## multispool ${command.name}\n\n${command.summary}.\n\n\`\`\`\n${command.help}\n\`\`\`\n`
  );
  return `# The multispool command

Made from the command's own \`--help\` by \`deno task docs:cli\`; do not edit
by hand.

\`\`\`
${HELP}
\`\`\`

${sections.join("\n")}`;
}

if (import.meta.main) {
  await Deno.writeTextFile("docs/cli.md", reference());
  console.log("wrote docs/cli.md");
}
