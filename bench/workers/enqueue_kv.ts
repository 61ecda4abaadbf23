// Enqueues 1 KiB messages with Deno KV's `kv.enqueue` for a given time, from
// CONCURRENCY producers sharing one KV handle in this process.
// Usage: enqueue_kv.ts KV_PATH CONCURRENCY; go DURATION_MS
import { emit, payloadOf, runOnGo } from "./_protocol.ts";

const [path, concurrency] = Deno.args;
const kv = await Deno.openKv(path);
const payload = payloadOf(1024);
const result = await runOnGo(
  Number(concurrency),
  (seq) => kv.enqueue({ seq, payload }),
);
kv.close();
await emit(result);
