// Enqueues 1 KiB entries with `enqueueMany`, BATCH entries a call, one call
// at a time (each call resolves once its whole batch is durable, strict),
// for a given time.
// Usage: enqueue_many.ts SPOOL strict|relaxed BATCH; go DURATION_MS
import { Spool } from "../../mod.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [dir, durability, batchArg] = Deno.args;
const batch = Number(batchArg);
const spool = await Spool.load(dir, { queues: ["q"] }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const payload = payloadOf(1024);
const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let ops = 0;
while (now() < deadline) {
  await spool.enqueueMany(
    "q",
    Array.from({ length: batch }, (_, i) => ({
      metadata: { seq: ops + i },
      data: payload,
    })),
  );
  ops += batch;
}
await emit({ ops, start, end: now() });
