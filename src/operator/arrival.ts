/**
 * When an entry arrived in the spool, read from its name: the default
 * names end with a ULID, whose first ten characters are the time of the
 * enqueue in milliseconds (Crockford's base 32). Other names carry no
 * time.
 *
 * @module
 */

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID: 26 characters of Crockford's base 32, the first at most 7. */
const ULID_AT_END = /[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Earliest plausible arrival: names before 2000 are not ULIDs of ours. */
const EARLIEST = Date.UTC(2000, 0, 1);

/** How far ahead of this host's clock an arrival may be (another host's). */
const LATEST_AHEAD_MS = 366 * 86_400_000;

/**
 * When the entry named `name` was enqueued, if its name ends with a ULID
 * (any prefix before it is allowed, as `ulidNames` makes); `undefined` for
 * other names, and for ULIDs whose time is implausible (before 2000, or a
 * year ahead of `now`).
 *
 * @param name The entry name.
 * @param now Now, in milliseconds.
 * @returns The arrival time, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arrivalTime } from "@multispool/multispool/operator";
 *
 * assert.equal(
 *   arrivalTime("mail-01KBCQ8G3X0000000000000000")?.toISOString(),
 *   "2025-12-01T10:27:45.917Z",
 * );
 * assert.equal(arrivalTime("not-a-ulid"), undefined);
 * ```
 */
export function arrivalTime(
  name: string,
  now: number = Date.now(),
): Date | undefined {
  const match = ULID_AT_END.exec(name);
  if (match === null) return undefined;
  let ms = 0;
  for (const char of match[0].slice(0, 10)) {
    ms = ms * 32 + CROCKFORD.indexOf(char);
  }
  if (ms < EARLIEST || ms > now + LATEST_AHEAD_MS) return undefined;
  return new Date(ms);
}
