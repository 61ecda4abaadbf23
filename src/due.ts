/**
 * Due times: when a delayed entry may be handed out.
 *
 * An entry's due time is its metadata file's modification time while that
 * is ahead of now, read on the file system's clock (see
 * `protocol/clock.ts`); an entry whose file is dated in the past is due.
 * Users speak in this process's clock; the two differ only on file
 * systems shared by hosts whose clocks differ.
 *
 * @module
 */

import { checkNonNegativeNumber, message, show } from "./arguments.ts";
import type { Disk } from "./protocol/disk.ts";
import type { DueOptions } from "./spool_options.ts";

/**
 * The due time `options` ask for, on the file system's clock, or undefined
 * for now (no delay, a delay of 0, or a time already past).
 *
 * @throws {TypeError} If both are given, or one is not a number or a Date.
 * @throws {RangeError} If `delay` is negative or `at` an invalid Date.
 */
export function dueTime(
  disk: Disk,
  options: DueOptions,
  operation: string,
): Date | undefined {
  const { delay, at } = options;
  if (delay !== undefined && at !== undefined) {
    throw new TypeError(
      message(operation, "delay", "left out when 'at' is given", show(delay)),
    );
  }
  // One reading of each clock: `at` lands exactly where it was asked.
  const offset = disk.clock.offsetMs();
  const now = Date.now() + offset;
  let due: number;
  if (delay !== undefined) {
    checkNonNegativeNumber(operation, "delay", delay);
    if (!Number.isFinite(delay)) {
      throw new RangeError(
        message(operation, "delay", "a finite number", show(delay)),
      );
    }
    due = now + delay;
  } else if (at !== undefined) {
    if (!(at instanceof Date)) {
      throw new TypeError(message(operation, "at", "a Date", show(at)));
    }
    if (Number.isNaN(at.getTime())) {
      throw new RangeError(message(operation, "at", "a valid Date", show(at)));
    }
    due = at.getTime() + offset;
  } else {
    return undefined;
  }
  return due > now ? new Date(Math.ceil(due)) : undefined;
}

/** A time on the file system's clock, in this process's clock. */
export function localTime(disk: Disk, fsTime: Date): Date {
  return new Date(fsTime.getTime() - disk.clock.offsetMs());
}
