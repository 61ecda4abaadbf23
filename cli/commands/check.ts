/**
 * The `check` subcommand: the spool's problems, once.
 *
 * @module
 */

import { Monitor } from "../../monitor.ts";
import { boolFlag, parse, positionals } from "../args.ts";
import type { Command } from "../command.ts";
import { LIMIT_FLAGS, LIMIT_HELP, monitorOptions } from "../flags/limits.ts";
import { SPANS_HELP } from "../flags/filters.ts";
import { escapeText, printJson, printTable } from "../output.ts";
import { problemJson, problemRow, quarantineLine } from "../problem_output.ts";

/** `multispool check`. */
export const check: Command = {
  name: "check",
  summary: "check the spool's consistency once",
  help: `Usage: multispool check DIR [--json] [limits]

Checks the spool once and lists its problems: files too old (tmp files,
checkouts, waiting entries with a --max-age), orphaned files (no registry
file, or a registry file with no entry), entries in two places, and damage:
an entry whose payload is missing or not a regular file, a symbolic link or
directory where the spool keeps files, metadata that is not JSON (with
--decode-json). Work in progress (an enqueue, a remove, a claim) is not a
problem: see --work-in-progress.

Damaged entries set aside in quarantine (moved by repair --damaged-to, or
by a reader's poison queue, and still there) are not problems: they are
counted on the last line (and per queue by ls DIR and stats).

Options:
  --json                      print a JSON array of the problems (each with
                              "kind", "name", "mtime", "dirs", "paths", and
                              "sameFile" or "reason" when they apply)
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 no problems; 1 problems found; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, { json: { type: "boolean" }, ...LIMIT_FLAGS });
    const [dir] = positionals(parsed, ["DIR"]);
    const monitor = await Monitor.create(dir, monitorOptions(parsed));
    const { problems, quarantined } = await monitor.check();
    const now = monitor.now().getTime();
    if (boolFlag(parsed, "json")) printJson(problems.map(problemJson));
    else if (problems.length === 0) {
      console.log(
        escapeText(
          `${dir}: no problems${
            quarantined.length === 0 ? "" : ` (${quarantineLine(quarantined)})`
          }`,
        ),
      );
    } else {
      // The reasons of damage, in a last column, when there are any.
      const why = problems.some((p) => p.reason !== undefined);
      printTable(
        ["KIND", "WHERE", "NAME", "AGE", ...why ? ["WHY"] : []],
        problems.map((p) => problemRow(p, now).slice(0, why ? 5 : 4)),
      );
      if (quarantined.length > 0) {
        console.log(escapeText(`(${quarantineLine(quarantined)})`));
      }
    }
    return problems.length === 0 ? 0 : 1;
  },
};
