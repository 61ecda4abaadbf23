// Enqueues 1 KiB entries with the library for a given time, from CONCURRENCY
// producers sharing one spool object in this process.
// Usage: enqueue_lib.ts SPOOL strict|relaxed CONCURRENCY; go DURATION_MS
import { Spool } from "../../mod.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [dir, durability, concurrency] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"] }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const payload = payloadOf(1024);
const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let ops = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (now() < deadline) {
      await spool.enqueue("q", { seq: ops }, payload);
      ops++;
    }
  }),
);
await emit({ ops, start, end: now() });
