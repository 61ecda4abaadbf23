// A producer host: enqueues COUNT 1 KiB entries into queue "q", CONCURRENCY
// at once, as fast as it can, each stamped with the time its `enqueue` was
// called (for the enqueue→handled latency, measured on the consumer host).
// Usage: produce_shared.ts SPOOL strict|relaxed CONCURRENCY COUNT; go
import { emit, now, payloadOf, ready } from "./_protocol.ts";
import { loadStamped } from "./_stamped.ts";

const [dir, durability, concurrency, count] = Deno.args;
const spool = await loadStamped(dir, durability);
const payload = payloadOf(1024);
const total = Number(count);
await ready();
const start = now();
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < total) {
      const seq = next++;
      await spool.enqueue("q", { seq, t0: now() }, payload);
    }
  }),
);
await emit({ ops: total, start, end: now() });
