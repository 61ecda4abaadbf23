/**
 * Entries checked out by a consumer, as `mv`, `rm`, `hold` and `release`
 * meet them: who holds one and since when (the checkout file's age; no
 * process id is kept on disk), and whether `--force` may take one from a
 * consumer presumed dead (only past the checkout limit; the taking is
 * `requeueStaleCheckout` from the expert entry point).
 *
 * @module
 */

import { formatAge } from "../src/format_age.ts";
import { Layout } from "../src/layout.ts";
import { spoolNow } from "./clock.ts";
import type { CliSpool } from "./spool.ts";

/** The monitor's default checkout limit: 10 minutes. */
export const DEFAULT_CHECKOUT_LIMIT_MS = 10 * 60_000;

/**
 * How long ago entry `name` was checked out of `queue` (its checkout
 * file's age, on the spool's clock), or `undefined` if it is not checked
 * out. The name must be valid.
 */
export async function checkoutAgeMs(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<number | undefined> {
  const path = new Layout(spool.dir).checkoutFile(queue, name);
  try {
    const { mtime } = await Deno.lstat(path);
    return mtime === null
      ? 0
      : Math.max(0, spoolNow(spool.dir) - mtime.getTime());
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Whether `--force` may take a checkout of this age, and why not. */
export function mayTake(
  ageMs: number,
  force: boolean,
  limitMs: number,
): { ok: true } | { ok: false; reason: string } {
  if (!force) {
    return {
      ok: false,
      reason:
        `left alone: its consumer may be working on it (--force takes it once the checkout is older than the checkout limit, ${
          formatAge(limitMs)
        })`,
    };
  }
  if (ageMs < limitMs) {
    return {
      ok: false,
      reason: `refused even with --force: younger than the checkout limit (${
        formatAge(limitMs)
      }), so its consumer may still be working on it (--max-checked-out-age changes the limit)`,
    };
  }
  return { ok: true };
}

/** `checked out 12m ago; no process id is kept on disk`. */
export function heldSince(ageMs: number): string {
  return `checked out ${formatAge(ageMs)} ago; no process id is kept on disk`;
}
