/**
 * Stopping a long-running program (a consumer, a daemon) cleanly when the
 * operating system asks it to.
 *
 * @module
 */

/**
 * An `AbortController` that aborts when the process receives one of
 * `signals` (by default SIGINT, from Ctrl-C, and SIGTERM, from service
 * managers and `kill`). Hand its `signal` to `reader.iter` or
 * `monitor.watch`: the work in progress finishes and the program ends
 * normally. Dispose of it (`using`) to remove the listeners; until then the
 * process no longer exits on those signals by itself.
 *
 * @param signals The signals to listen for.
 * @returns The controller, disposable.
 *
 * @example Consume until Ctrl-C or SIGTERM
 * ```ts
 * import assert from "node:assert/strict";
 * import { abortOnSignals, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs"] });
 * await spool.enqueue("jobs", { id: 1 }, new Uint8Array());
 * {
 *   using stop = abortOnSignals();
 *   await using reader = spool.reader("jobs");
 *   let handled = 0;
 *   await reader.iter(() => {
 *     handled++;
 *     stop.abort(); // what SIGTERM would do; one is enough here
 *     return { action: "remove" };
 *   }, { signal: stop.signal });
 *   assert.equal(handled, 1);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function abortOnSignals(
  signals: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"],
): AbortController & Disposable {
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const signal of signals) Deno.addSignalListener(signal, abort);
  return Object.assign(controller, {
    [Symbol.dispose]() {
      for (const signal of signals) Deno.removeSignalListener(signal, abort);
    },
  });
}
