/**
 * Options for opening a spool, and how `enqueue` names an entry.
 *
 * @module
 */

/**
 * How hard the spool works to survive a power cut: `"strict"` flushes,
 * `"relaxed"` does not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Durability, Spool } from "@multispool/multispool";
 *
 * const durability: Durability = Deno.args.includes("--fast") ? "relaxed" : "strict";
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] }, { durability });
 * assert.equal((await spool.enqueue("q", {}, new Uint8Array())).queue, "q");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type Durability = "strict" | "relaxed";

/**
 * Where a spool makes the calls that are quick on a local disk (a claim's
 * link, stamps, looks, unlinks, reservations, renames, reads of small
 * files): `"auto"` in line where they are quick and on the runtime's
 * thread pool where they are slow (a network file system); `"inLine"`
 * always in line; `"threadPool"` always on the thread pool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type QuickCallsPlace, Spool } from "@multispool/multispool";
 *
 * // A server that must answer within milliseconds, whatever the disk does.
 * const quickCalls: QuickCallsPlace = "threadPool";
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] }, { quickCalls });
 * assert.equal((await spool.enqueue("q", {}, new Uint8Array())).queue, "q");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type QuickCallsPlace = "auto" | "inLine" | "threadPool";

/**
 * Options for opening a spool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, type SpoolOptions } from "@multispool/multispool";
 *
 * const forTests: SpoolOptions = { durability: "relaxed" };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] }, forTests);
 * assert.deepEqual(spool.queues, ["q"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface SpoolOptions {
  /**
   * `"strict"`: an enqueue that resolved survives a power cut (files and
   * directories are flushed, and concurrent operations share the flushes).
   * `"relaxed"`: nothing is flushed; faster, for spools whose loss after a
   * power cut is acceptable (tests, caches). Either way a process crash
   * loses nothing that was acknowledged.
   *
   * @default {"strict"}
   */
  durability?: Durability;
  /**
   * Where the calls that are quick on a local disk are made. In line they
   * cost least, but a call the kernel holds holds the event loop with it:
   * a journaled ext4 under a steady stream of unlinks holds one now and
   * then for a tenth of a second or more, in which a server sharing the
   * process answers nothing. `"threadPool"` keeps the event loop free of
   * them, for a third to a half of the rate of one consumer taking entries
   * one at a time (measured on a journaled ext4: 1,250 to 1,980 against
   * 3,430 to 4,460 entries a second, with the event loop's longest lag 7
   * to 13 ms against 70 to 280 ms). `"inLine"` never moves them, even on
   * a network file system.
   *
   * @default {"auto"} (in line where the spool opened quickly and while
   * the calls stay quick, on the thread pool where they are slow)
   */
  quickCalls?: QuickCallsPlace;
}

/**
 * Options for {@linkcode Spool.load}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LoadOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const options: LoadOptions = { createIfMissing: true, durability: "strict" };
 * const spool = await Spool.load(`${dir}/new`, { queues: ["q"] }, options);
 * assert.equal(spool.dir, `${dir}/new`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface LoadOptions extends SpoolOptions {
  /**
   * Create the spool directory and any missing queue directories. A
   * non-empty directory that is not a spool is still refused.
   *
   * @default {false}
   */
  createIfMissing?: boolean;
}

/**
 * When an entry becomes due: after `delay` milliseconds, or at `at`. Leave
 * both out for now; they exclude each other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DueOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const later: DueOptions = { delay: 60_000 };
 * const entry = await spool.enqueue("q", {}, new Uint8Array(), later);
 * const due = await entry.direct.readDue();
 * assert.ok(due !== undefined && due.getTime() >= Date.now() + 59_000);
 * await using reader = spool.reader("q");
 * assert.equal(await reader.dequeueAvailable(), undefined); // not yet
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface DueOptions {
  /** Milliseconds from now. */
  delay?: number;
  /** A point in time (this process's clock). */
  at?: Date;
}

/**
 * How `enqueue` names an entry.
 *
 * @typeParam I The name generator's input type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NameChoice, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const fresh: NameChoice<string | undefined> = { reserve: "order-" };
 * const earlier: NameChoice<string | undefined> = {
 *   use: await spool.reserveName("report-"),
 * };
 * const a = await spool.enqueue("q", {}, new Uint8Array(), fresh);
 * const b = await spool.enqueue("q", {}, new Uint8Array(), earlier);
 * assert.match(a.name, /^order-/);
 * assert.match(b.name, /^report-/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type NameChoice<I> =
  /** Reserve a new name now, from this input to the name generator. */
  | { reserve: I }
  /** Use a name reserved earlier with `reserveName` (in any process). */
  | { use: string };

/**
 * The options of `enqueue`: how the entry is named (see
 * {@linkcode NameChoice}) and when it is due (see {@linkcode DueOptions});
 * `reserve` and `use` exclude each other, and so do `delay` and `at`.
 *
 * @typeParam I The name generator's input type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EnqueueOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const options: EnqueueOptions<string | undefined> = {
 *   reserve: "reminder-",
 *   at: new Date(Date.now() + 3_600_000),
 * };
 * const entry = await spool.enqueue("q", {}, new Uint8Array(), options);
 * assert.match(entry.name, /^reminder-/);
 * assert.ok((await entry.direct.readDue())! > new Date());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type EnqueueOptions<I> =
  & DueOptions
  & (
    | { reserve?: I; use?: undefined }
    | { use: string; reserve?: undefined }
  );

/**
 * One entry for `enqueueMany`: its metadata and payload, the input of the
 * name generator, and when it is due.
 *
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EnqueueItem, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const items: EnqueueItem<unknown, Uint8Array, string | undefined>[] = [
 *   { metadata: { n: 1 }, data: new Uint8Array([1]) },
 *   { metadata: { n: 2 }, data: new Uint8Array([2]), reserve: "late-", delay: 60_000 },
 * ];
 * const [first, second] = await spool.enqueueMany("q", items);
 * assert.equal(await first.direct.readDue(), undefined);
 * assert.match(second.name, /^late-/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface EnqueueItem<M, D, I> extends DueOptions {
  /** The entry's metadata. */
  metadata: M;
  /** The entry's payload. */
  data: D;
  /** The input of the name generator (a prefix, with the default names). */
  reserve?: I;
}
