/**
 * Problems and quarantined entries as `check`, `repair` and `monitor`
 * print them.
 *
 * @module
 */

import { dirName, type Problem, type QuarantinedEntry } from "../monitor.ts";
import { formatAge, formatCount } from "../operator.ts";
import { escapeText } from "./output.ts";

/** A problem as `--json` output has it. */
export function problemJson(problem: Problem): Record<string, unknown> {
  return {
    kind: problem.kind,
    name: problem.name,
    mtime: problem.mtime.toISOString(),
    dirs: problem.dirs,
    paths: problem.dirs.map((dir) => `${dirName(dir)}/${problem.name}`),
    ...(problem.sameFile ? { sameFile: true } : {}),
    ...(problem.reason === undefined ? {} : { reason: problem.reason }),
  };
}

/** A problem as a row of `check`'s table: KIND, WHERE, NAME, AGE, WHY. */
export function problemRow(problem: Problem, now: number): string[] {
  return [
    problem.sameFile ? `${problem.kind} (one file)` : problem.kind,
    escapeText(problem.dirs.map(dirName).join(", ")),
    escapeText(problem.name),
    formatAge(now - problem.mtime.getTime()),
    escapeText(problem.reason ?? ""),
  ];
}

/**
 * `2 quarantined: NAME in dead, NAME in dead` (the first few names, then
 * a count of the others).
 */
export function quarantineLine(quarantined: QuarantinedEntry[]): string {
  const shown = 3;
  const names = quarantined.slice(0, shown).map((q) =>
    `${q.name} in ${q.queue}`
  );
  const more = quarantined.length > shown
    ? `, and ${formatCount(quarantined.length - shown)} more`
    : "";
  return `${formatCount(quarantined.length)} quarantined: ${
    names.join(", ")
  }${more}`;
}
