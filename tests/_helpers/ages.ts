// Making files look old, and problems short to compare: the monitor's tests
// move time by setting modification times, never by waiting.

import type { Problem } from "../../monitor.ts";

/** Just over the monitor's default limits (10 minutes). */
export const ELEVEN_MINUTES = 11 * 60 * 1000;

/** Sets `path`'s access and modification times `ms` in the past. */
export function age(path: string, ms = ELEVEN_MINUTES): Date {
  const then = new Date(Date.now() - ms);
  Deno.utimeSync(path, then, then);
  return then;
}

/**
 * Sets every file's times under `dir` an hour in the past: whatever a
 * crash left is then older than any limit.
 */
export function ageEverything(dir: string): void {
  const then = new Date(Date.now() - 3_600_000);
  const walk = (path: string) => {
    for (const item of Deno.readDirSync(path)) {
      const child = `${path}/${item.name}`;
      if (item.isDirectory) walk(child);
      else Deno.utimeSync(child, then, then);
    }
  };
  walk(dir);
}

/**
 * Whether a crash of this library explains `problem`: what a failed or cut
 * short call may leave, that the monitor reports and repair clears.
 */
export function explained(problem: Problem): boolean {
  return problem.kind === "too-old" ||
    (problem.kind === "duplicated" && problem.sameFile === true) ||
    (problem.kind === "orphaned" &&
      (problem.dirs[0] === "registry" || problem.dirs[0] === "tmp" ||
        problem.dirs[0] === "data"));
}

/** Each problem as `KIND NAME DIR[,DIR]`. */
export function summary(problems: Problem[]): string[] {
  return problems.map((p) =>
    `${p.kind} ${p.name} ${
      p.dirs.map((d) =>
        typeof d === "string"
          ? d
          : `${d.queue}${d.checkout ? "/.checkout" : ""}`
      ).join(",")
    }`
  );
}
