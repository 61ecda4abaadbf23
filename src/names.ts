/**
 * Entry and queue names: the validation that keeps every path inside the
 * spool, and the default ULID name generator.
 *
 * @module
 */

// A full specifier, not the import map: the entry points must load by path
// or URL without this package's deno.json
// (tests/processes/no_config_test.ts).
// deno-lint-ignore no-import-prefix
import { monotonicFactory } from "npm:ulid@3.0.2";
import { InvalidNameError } from "./errors.ts";

/**
 * Makes entry names. `next` is called with the caller's input and
 * `attempt = 0`; each time the name turns out to be taken in the spool it is
 * called again with `attempt` one higher.
 *
 * @typeParam I What the caller passes to `reserveName` or `enqueue`.
 *
 * @example A generator of sequential names from an input
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NameGenerator, Spool } from "@multispool/multispool";
 *
 * const byOrderId: NameGenerator<string> = {
 *   next: (orderId, attempt) => attempt === 0 ? orderId : `${orderId}-${attempt}`,
 * };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"], names: byOrderId });
 * assert.equal(await spool.reserveName("order-17"), "order-17");
 * assert.equal(await spool.reserveName("order-17"), "order-17-1"); // taken
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface NameGenerator<I> {
  /**
   * Returns a candidate name for `input`.
   *
   * @param input What the caller passed.
   * @param attempt 0 at first, then one more after each name already taken.
   * @returns A valid entry name (see {@linkcode validateName}).
   */
  next(input: I, attempt: number): string;
}

/**
 * Options for {@linkcode ulidNames}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ulidNames, type UlidNamesOptions } from "@multispool/multispool";
 *
 * const options: UlidNamesOptions = { prefix: "web1-" };
 * assert.match(ulidNames(options).next(undefined, 0), /^web1-[0-9A-Z]{26}$/);
 * assert.match(ulidNames(options).next("mail-", 0), /^web1-mail-[0-9A-Z]{26}$/);
 * ```
 */
export interface UlidNamesOptions {
  /**
   * Text put in front of every name, before the caller's input.
   *
   * @default {""}
   */
  prefix?: string;
}

/**
 * The default name generator: `prefix + (input ?? "") + ULID`. A ULID is 26
 * characters of Crockford base 32, a 48-bit millisecond time followed by 80
 * random bits, monotonic within a process; so names with the same prefix sort
 * in enqueue order and readers see FIFO order.
 *
 * @param options A fixed prefix for every name.
 * @returns A generator whose input is an optional per-call prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ulidNames } from "@multispool/multispool";
 *
 * const names = ulidNames();
 * const first = names.next("mail-", 0);
 * const second = names.next("mail-", 0);
 * assert.match(first, /^mail-[0-9A-Z]{26}$/);
 * assert.ok(first < second, "names sort in the order they were made");
 * ```
 */
export function ulidNames(
  options: UlidNamesOptions = {},
): NameGenerator<string | undefined> {
  const prefix = options.prefix ?? "";
  const ulid = monotonicFactory();
  return { next: (input) => prefix + (input ?? "") + ulid() };
}

const encoder = new TextEncoder();

/** The longest name a file system is sure to accept, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * Why `name` cannot be a queue or entry name, or `undefined` if it can. A
 * name must be non-empty, at most 255 bytes of UTF-8, must not contain `/`,
 * `\` or NUL, and must not start with `.` (which also rules out `.`, `..`
 * and the spool's own `.checkout`, `.registry`, `.tmp` and `.data`).
 *
 * @param name The candidate name.
 * @returns A short reason, or `undefined` for a valid name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nameProblem } from "@multispool/multispool";
 *
 * assert.equal(nameProblem("active"), undefined);
 * assert.equal(nameProblem("../etc"), "starts with '.'");
 * assert.equal(nameProblem("a/b"), "contains '/'");
 * assert.equal(nameProblem(""), "is empty");
 * ```
 */
export function nameProblem(name: string): string | undefined {
  if (typeof name !== "string") return "is not a string";
  if (name.length === 0) return "is empty";
  if (name.startsWith(".")) return "starts with '.'";
  if (name.includes("/")) return "contains '/'";
  if (name.includes("\\")) return "contains '\\'";
  if (name.includes("\0")) return "contains NUL";
  if (name.length * 3 > MAX_NAME_BYTES) {
    const bytes = encoder.encode(name).length;
    if (bytes > MAX_NAME_BYTES) {
      return `is ${bytes} bytes long (at most ${MAX_NAME_BYTES})`;
    }
  }
  return undefined;
}

/**
 * Throws {@linkcode InvalidNameError} unless `name` is a valid queue or entry
 * name (see {@linkcode nameProblem}). Nothing touches the disk before this
 * check passes.
 *
 * @param name The candidate name.
 * @param kind What the name is for, for the message ("queue", "entry").
 * @param operation What was being done, for the message.
 * @param where The spool directory, for the message.
 * @throws {InvalidNameError} If the name is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InvalidNameError, validateName } from "@multispool/multispool";
 *
 * validateName("active", "queue", "open spool", "/var/spool/x");
 * assert.throws(
 *   () => validateName("..", "queue", "open spool", "/var/spool/x"),
 *   InvalidNameError,
 * );
 * ```
 */
export function validateName(
  name: string,
  kind: "queue" | "entry",
  operation: string,
  where: string,
): void {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new InvalidNameError(
      `invalid ${kind} name ${JSON.stringify(name)}: it ${problem}`,
      { operation, path: where },
    );
  }
}
