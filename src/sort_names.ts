/**
 * Sorting a directory's names without holding the event loop: a listing of
 * a million names takes two seconds to sort in one call, in which a server
 * sharing the process would answer nothing. Runs of names are sorted, then
 * merged, with a turn given to other tasks whenever the loop has been held
 * past its budget (see `loop_budget.ts`). Internal.
 *
 * @module
 */

import { shareLoop } from "./loop_budget.ts";

/** Names sorted in one call: about two milliseconds of work. */
const RUN = 4096;
/** How many names are merged between two looks at the budget. */
const STEP = 1024;

/**
 * Sorts `names` by UTF-16 code units (the order of `Array.prototype.sort`:
 * byte order for ASCII names), sharing the event loop.
 *
 * @returns The names, sorted (the array given, or a new one).
 */
export async function sortNames(names: string[]): Promise<string[]> {
  const n = names.length;
  if (n <= RUN) return names.sort();
  for (let start = 0; start < n; start += RUN) {
    const run = names.slice(start, start + RUN).sort();
    for (let i = 0; i < run.length; i++) names[start + i] = run[i];
    await shareLoop();
  }
  let from = names;
  let to: string[] = new Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = middle;
      let k = left;
      while (k < right) {
        const end = Math.min(right, k + STEP);
        while (k < end) {
          if (j >= right || (i < middle && from[i] <= from[j])) {
            to[k++] = from[i++];
          } else to[k++] = from[j++];
        }
        await shareLoop();
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
