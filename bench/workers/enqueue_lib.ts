// Enqueues 1 KiB entries with the library for a given time, from CONCURRENCY
// producers sharing one spool object in this process.
// Usage: enqueue_lib.ts SPOOL strict|relaxed CONCURRENCY; go DURATION_MS
import { Spool } from "../../mod.ts";
import { emit, payloadOf, ready, runFor } from "./_protocol.ts";

const [dir, durability, concurrency] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"] }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const payload = payloadOf(1024);
const [duration] = await ready();
await emit(
  await runFor(
    Number(duration),
    Number(concurrency),
    (seq) => spool.enqueue("q", { seq }, payload),
  ),
);
