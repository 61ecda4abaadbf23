/**
 * Now on the clock of the file system that holds a spool: ages shown by
 * the command agree with the monitor's, whichever host runs it.
 *
 * @module
 */

import { realFileSystem } from "../src/fs.ts";
import { Layout } from "../src/layout.ts";
import { FileSystemClock } from "../src/protocol/clock.ts";

const clocks = new Map<string, FileSystemClock>();

/** Now, in milliseconds, on the clock of the file system holding `dir`. */
export function spoolNow(dir: string): number {
  let clock = clocks.get(dir);
  if (clock === undefined) {
    clock = new FileSystemClock(realFileSystem, new Layout(dir).tmpDir);
    clocks.set(dir, clock);
  }
  return clock.now().getTime();
}
