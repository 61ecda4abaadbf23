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
 * import { type Durability, Spool } from "@multispool/multispool";
 *
 * const durability: Durability = Deno.args.includes("--fast") ? "relaxed" : "strict";
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] }, { durability });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type Durability = "strict" | "relaxed";

/**
 * Options for opening a spool.
 *
 * @example
 * ```ts
 * import type { SpoolOptions } from "@multispool/multispool";
 *
 * const forTests: SpoolOptions = { durability: "relaxed" };
 * console.log(forTests);
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
}

/**
 * Options for {@linkcode Spool.load}.
 *
 * @example
 * ```ts
 * import type { LoadOptions } from "@multispool/multispool";
 *
 * const options: LoadOptions = { createIfMissing: true, durability: "strict" };
 * console.log(options);
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
 * How `enqueue` names an entry.
 *
 * @typeParam I The name generator's input type.
 *
 * @example
 * ```ts
 * import type { NameChoice } from "@multispool/multispool";
 *
 * const fresh: NameChoice<string | undefined> = { reserve: "order-" };
 * const earlier: NameChoice<string | undefined> = { use: "order-01JB8W3ZQ2M8X5K7T9V0C4N6PR" };
 * console.log(fresh, earlier);
 * ```
 */
export type NameChoice<I> =
  /** Reserve a new name now, from this input to the name generator. */
  | { reserve: I }
  /** Use a name reserved earlier with `reserveName` (in any process). */
  | { use: string };
