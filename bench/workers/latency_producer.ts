// Enqueues COUNT 1 KiB entries one at a time with a short random pause
// between them (so that the reader is waiting each time), recording when
// each `enqueue` was called and when it resolved.
// Usage: latency_producer.ts SPOOL strict|relaxed COUNT; go
import { emit, now, payloadOf, ready, sleep } from "./_protocol.ts";
import { loadStamped } from "./_stamped.ts";

const [dir, durability, count] = Deno.args;
const spool = await loadStamped(dir, durability);
const payload = payloadOf(1024);
const sent: [number, number, number][] = [];
await ready();
const start = now();
for (let seq = 0; seq < Number(count); seq++) {
  const t0 = now();
  await spool.enqueue("q", { seq, t0 }, payload);
  sent.push([seq, t0, now()]);
  await sleep(2 + Math.random() * 4);
}
await emit({ ops: sent.length, start, end: now(), sent });
