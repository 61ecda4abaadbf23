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
