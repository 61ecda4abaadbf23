// Builds a Deno KV queue backlog of COUNT messages with a payload of
// PAYLOAD_BYTES (16 enqueues at a time).
// Usage: build_kv.ts KV_PATH COUNT PAYLOAD_BYTES; go
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [path, count, bytes] = Deno.args;
const kv = await Deno.openKv(path);
const payload = payloadOf(Number(bytes));
await ready();
const start = now();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < Number(count)) await kv.enqueue({ seq: next++, payload });
  }),
);
const end = now();
kv.close();
await emit({ ops: Number(count), start, end });
