/**
 * Expert: checkout-level control, fenced off from the main entry point like
 * the original's `Expert` module, because each call hands responsibility to
 * the caller.
 *
 * `withEntry` and readers check an entry out, run a handler, and always
 * finish the checkout: saved to a queue, removed, or put back if the
 * handler fails. Here the caller holds the `CheckedOutEntry` itself: it
 * must `save` or `remove` it (or dispose of it with `await using`, which
 * puts it back); an entry left checked out stays in `.checkout/` until the
 * monitor reports it and repair requeues it. {@linkcode listCheckoutsUnsafe}
 * lists what other processes hold: saving or removing one of those breaks
 * that consumer's work, which is why `_unsafe` is in its name. It is meant
 * for recovery tools (an act on a checkout listed so fails if its consumer
 * touched it meanwhile). {@linkcode requeueStaleCheckout} is an operator's
 * force done safely: it puts back a checkout older than a limit, as repair
 * would, proving at the moment it acts that it is still the one judged;
 * the caller then takes the entry like any waiting one.
 *
 * @example Hold an entry across several steps
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonMetadata, Spool } from "@multispool/multispool";
 * import { checkout, listCheckoutsUnsafe } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["in", "out"],
 *   metadata: jsonMetadata<{ step: number }>(),
 * });
 * const entry = await spool.enqueue("in", { step: 1 }, new Uint8Array());
 *
 * const job = await checkout(spool, entry);
 * const held = await listCheckoutsUnsafe(spool, "in");
 * assert.deepEqual(held.map((e) => e.name), [entry.name]);
 * await job.touch(); // a long job keeps its checkout young
 * await job.update((m) => ({ step: m.step + 1 })).save("out");
 *
 * const [moved] = await spool.list("out");
 * assert.deepEqual(await moved.direct.readMetadata(), { step: 2 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  checkout,
  type CheckoutOptions,
  listCheckoutsUnsafe,
  requeueStaleCheckout,
  type RequeueStaleOptions,
  type StaleCheckoutResult,
  tryCheckout,
} from "./src/expert.ts";
