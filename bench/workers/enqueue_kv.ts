// Enqueues 1 KiB messages with Deno KV's `kv.enqueue` for a given time, from
// CONCURRENCY producers sharing one KV handle in this process.
// Usage: enqueue_kv.ts KV_PATH CONCURRENCY; go DURATION_MS
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [path, concurrency] = Deno.args;
const kv = await Deno.openKv(path);
const payload = payloadOf(1024);
const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let ops = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (now() < deadline) {
      await kv.enqueue({ seq: ops, payload });
      ops++;
    }
  }),
);
const end = now();
kv.close();
await emit({ ops, start, end });
