/**
 * Typed errors, of two kinds:
 *
 * - A {@linkcode SpoolError} says what the spool or the file system did: a
 *   directory that is not a spool, an entry another process took, a file a
 *   codec cannot read, a permission the process lacks, a full disk. Its
 *   message names the operation and the path; subclasses mark the cases a
 *   caller is meant to catch. An invalid queue or entry name is one too
 *   ({@linkcode InvalidNameError}), since names also come from the disk and
 *   from other processes.
 * - A `RangeError` or `TypeError` says the program called the library
 *   wrongly: an option of the wrong type (`TypeError`) or out of range
 *   (`RangeError`), in the pattern of the Deno standard library:
 *   `Cannot open reader as 'pollIntervalMs' must be a positive number:
 *   received 0`. Fix the call; do not catch them.
 *
 * @module
 */

import { isStale, NotRegularFileError } from "./fs.ts";

/**
 * Options shared by every {@linkcode SpoolError} constructor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SpoolError, type SpoolErrorOptions } from "@multispool/multispool";
 *
 * const where: SpoolErrorOptions = { operation: "ship order", path: "/var/spool/x" };
 * const error = new SpoolError("carrier unreachable", where);
 * assert.equal(error.message, 'Cannot ship order at "/var/spool/x": carrier unreachable');
 * ```
 */
export interface SpoolErrorOptions extends ErrorOptions {
  /** What the library was doing, as a verb phrase ("check out entry"). */
  operation: string;
  /** The file or directory it was doing it to. */
  path: string;
}

/**
 * Base class of every error the spool or the file system causes (a bad
 * argument is a `RangeError` or `TypeError` instead). The message reads
 * `Cannot OPERATION at "PATH": REASON`, and {@linkcode SpoolError.operation}
 * and {@linkcode SpoolError.path} carry the parts for programs.
 *
 * @example Catch any spool failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, SpoolError } from "@multispool/multispool";
 *
 * try {
 *   await Spool.load("/nonexistent/spool", { queues: ["q"] });
 *   assert.fail("not a spool");
 * } catch (error) {
 *   if (!(error instanceof SpoolError)) throw error;
 *   assert.equal(error.operation, "load spool");
 *   assert.equal(error.path, "/nonexistent/spool");
 *   assert.equal(error.name, "NotASpoolError");
 * }
 * ```
 */
export class SpoolError extends Error {
  /** What the library was doing when it failed. */
  readonly operation: string;
  /** The file or directory involved. */
  readonly path: string;

  /**
   * Makes an error for `operation` on `path`, explained by `reason`.
   *
   * @param reason Why it failed, in a few words.
   * @param options The operation, the path and an optional cause.
   */
  constructor(reason: string, options: SpoolErrorOptions) {
    super(`Cannot ${options.operation} at "${options.path}": ${reason}`, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.operation = options.operation;
    this.path = options.path;
  }
}

/**
 * The directory is missing, is not a directory, or is not a spool (it has no
 * `.registry/`), or it is a non-empty directory that `createIfMissing` refuses
 * to turn into a spool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotASpoolError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
 * await assert.rejects(Spool.create(dir, { queues: ["q"] }), NotASpoolError);
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NotASpoolError extends SpoolError {}

/**
 * A queue directory (or its `.checkout/`) is missing, or a queue name is not
 * one of the spool's queues.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QueueNotFoundError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["a"] });
 * await assert.rejects(
 *   Spool.load(dir, { queues: ["a", "b"] }),
 *   QueueNotFoundError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueNotFoundError extends SpoolError {}

/**
 * A queue or entry name that could escape or confuse the spool: empty,
 * containing `/` or NUL, starting with `.`, or longer than 255 bytes. It is
 * rejected before anything touches the disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InvalidNameError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(
 *   Spool.create(`${dir}/s`, { queues: ["../etc"] }),
 *   InvalidNameError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class InvalidNameError extends SpoolError {}

/**
 * The entry is not where it was looked for: another process checked it out
 * or removed it, or it never existed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EntryNotFoundError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * await assert.rejects(
 *   spool.withEntry(spool.entry("q", "no-such-entry"), () => ({
 *     action: "remove",
 *   })),
 *   EntryNotFoundError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class EntryNotFoundError extends SpoolError {}

/**
 * The entry waits in its queue for a due time still ahead: it cannot be
 * checked out before then. {@linkcode NotDueError.due} says when.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotDueError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", {}, new Uint8Array(), { delay: 60_000 });
 * const error = await spool.withEntry(entry, () => ({ action: "remove" }))
 *   .catch((e) => e);
 * assert.ok(error instanceof NotDueError);
 * assert.ok(error.due > new Date());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NotDueError extends SpoolError {
  /** When the entry is due (this process's clock). */
  readonly due: Date;

  /**
   * Makes an error for `options.operation` on `options.path`, an entry due
   * at `due`.
   *
   * @param due When the entry is due.
   * @param options The operation, the path and an optional cause.
   */
  constructor(due: Date, options: SpoolErrorOptions) {
    super(`not due until ${due.toISOString()}`, options);
    this.due = due;
  }
}

/**
 * `enqueue` was told to use a name that has no `.registry/` file: reserve it
 * first with `reserveName`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NameNotReservedError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * await assert.rejects(
 *   spool.enqueue("q", {}, new Uint8Array(), { use: "never-reserved" }),
 *   NameNotReservedError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NameNotReservedError extends SpoolError {}

/**
 * A reserved name is already carried by an entry (its data file exists), so
 * enqueueing under it again would overwrite that entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NameInUseError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const name = await spool.reserveName(undefined);
 * await spool.enqueue("q", {}, new Uint8Array(), { use: name });
 * await assert.rejects(
 *   spool.enqueue("q", {}, new Uint8Array(), { use: name }),
 *   NameInUseError,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NameInUseError extends SpoolError {}

/**
 * What is on disk cannot be read as an entry: a codec could not decode it (a
 * metadata file, or a data file read with `load`; the codec's error is the
 * `cause`), or it is not a regular file (a symbolic link planted in the spool
 * is never followed). The message names the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DecodeError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", {}, new Uint8Array());
 * await Deno.writeTextFile(`${dir}/q/${entry.name}`, "{truncated");
 * await assert.rejects(entry.direct.readMetadata(), (error: DecodeError) => {
 *   assert.ok(error instanceof DecodeError);
 *   assert.equal(error.path, `${dir}/q/${entry.name}`);
 *   return true;
 * });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DecodeError extends SpoolError {}

/**
 * A codec could not encode the value handed to it; nothing was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EncodeError, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const cyclic: Record<string, unknown> = {};
 * cyclic.self = cyclic;
 * await assert.rejects(spool.enqueue("q", cyclic, new Uint8Array()), EncodeError);
 * assert.deepEqual(await spool.list("q"), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class EncodeError extends SpoolError {}

/**
 * The process may not do what was asked: either Deno's permission system
 * denied it (the message names the flag to add, such as `--allow-write`), or
 * the operating system did (file mode or ownership).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PermissionError, SpoolError } from "@multispool/multispool";
 *
 * function explain(error: SpoolError): string {
 *   return error instanceof PermissionError
 *     ? `grant access to ${error.path}`
 *     : error.message;
 * }
 * const denied = new PermissionError("denied", { operation: "read", path: "/x" });
 * assert.equal(explain(denied), "grant access to /x");
 * assert.ok(denied instanceof SpoolError);
 * ```
 */
export class PermissionError extends SpoolError {}

/**
 * The file system ran out of space (or of inodes, or of quota). Whatever the
 * failed operation had written has been cleaned up as far as possible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DiskFullError, SpoolError } from "@multispool/multispool";
 *
 * function shouldRetryLater(error: SpoolError): boolean {
 *   return error instanceof DiskFullError;
 * }
 * const full = new DiskFullError("full", { operation: "enqueue", path: "/s" });
 * assert.equal(shouldRetryLater(full), true);
 * assert.equal(shouldRetryLater(new SpoolError("other", full)), false);
 * ```
 */
export class DiskFullError extends SpoolError {}

/**
 * An enqueue failed after some of its entries were already visible in
 * their queue (the flush of the queue directory after the rename failed,
 * say), and those could not be taken back: a consumer took them first (or
 * they could not be taken, and still wait). They are delivered: do not
 * enqueue them again, or they will be handled twice. Every other entry of
 * the call was taken back, and its files removed. The original error is
 * the `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PartialEnqueueError, SpoolError } from "@multispool/multispool";
 *
 * const names = ["a1", "a2", "a3"];
 * const error = new PartialEnqueueError(["a2"], {
 *   operation: "enqueue entries",
 *   path: "/var/spool/app/q",
 *   cause: new SpoolError("flush failed", { operation: "flush", path: "/q" }),
 * });
 * // What a producer enqueues again: what was not delivered.
 * assert.deepEqual(names.filter((n) => !error.delivered.includes(n)), ["a1", "a3"]);
 * assert.ok(error instanceof SpoolError);
 * ```
 */
export class PartialEnqueueError extends SpoolError {
  /** The names of the entries that were delivered despite the failure. */
  readonly delivered: readonly string[];

  /**
   * Makes an error for `options.operation` on `options.path`, whose
   * entries `delivered` are delivered despite it.
   *
   * @param delivered The names of the entries delivered.
   * @param options The operation, the path and the original error.
   */
  constructor(delivered: readonly string[], options: SpoolErrorOptions) {
    const cause = options.cause instanceof Error
      ? options.cause.message
      : String(options.cause);
    super(
      `${cause}; ${delivered.length} ${
        delivered.length === 1 ? "entry was" : "entries were"
      } delivered all the same, taken by a consumer before ${
        delivered.length === 1 ? "it" : "they"
      } could be taken back (do not enqueue ${
        delivered.length === 1 ? "it" : "them"
      } again): ${delivered.join(", ")}`,
      options,
    );
    this.delivered = [...delivered];
  }
}

/** A constructor of one of the error classes above. */
type SpoolErrorClass = new (
  reason: string,
  options: SpoolErrorOptions,
) => SpoolError;

/**
 * Turns whatever a file-system call threw into a {@linkcode SpoolError}
 * naming `operation` and `path`. `NotFound` becomes `notFound` (by default a
 * plain {@linkcode SpoolError}); a `SpoolError` passes through unchanged.
 */
export function toSpoolError(
  error: unknown,
  operation: string,
  path: string,
  notFound: SpoolErrorClass = SpoolError,
): SpoolError {
  if (error instanceof SpoolError) return error;
  const options = { operation, path, cause: error };
  if (error instanceof Deno.errors.NotCapable) {
    return new PermissionError(
      `Deno permission denied (${firstLine(error)})`,
      options,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new PermissionError(
      `the operating system denied access (${firstLine(error)})`,
      options,
    );
  }
  if (error instanceof Deno.errors.NotFound) {
    return new notFound("not found", options);
  }
  if (error instanceof NotRegularFileError) {
    return new DecodeError(
      "not a regular file (a symbolic link or special file is never followed)",
      options,
    );
  }
  if (isStale(error)) {
    return new notFound(
      "stale file handle: another host removed or replaced it",
      options,
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new DiskFullError(
      `no space left on the file system (${firstLine(error)})`,
      options,
    );
  }
  return new SpoolError(firstLine(error), options);
}

/**
 * Runs `act` on `path`; what it throws becomes a spool error of
 * `operation` (see {@linkcode toSpoolError}).
 */
export function onPath<T>(
  operation: string,
  path: string,
  notFound: SpoolErrorClass,
  act: (path: string) => T,
): T {
  try {
    return act(path);
  } catch (error) {
    throw toSpoolError(error, operation, path, notFound);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n", 1)[0];
}
