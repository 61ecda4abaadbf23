// The spool of the workers that time an entry from its enqueue to its
// handler (latency, shared hosts): queue "q", each entry's metadata stamped
// with its number and the time its `enqueue` was called.

import { jsonMetadata, Spool } from "../../mod.ts";

/** An entry's stamp: its number, and `now()` when `enqueue` was called. */
export interface Stamp {
  seq: number;
  t0: number;
}

/** Loads the spool in `dir`; `durability` is "strict", or else relaxed. */
export function loadStamped(
  dir: string,
  durability: string,
): Promise<Spool<"q", Stamp, Uint8Array>> {
  return Spool.load(dir, {
    queues: ["q"],
    metadata: jsonMetadata<Stamp>(),
  }, { durability: durability === "strict" ? "strict" : "relaxed" });
}
