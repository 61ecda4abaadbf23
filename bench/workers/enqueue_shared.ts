// The ceiling of strict concurrent enqueue: CONCURRENCY producers in this
// process making the library's system calls by hand, sharing directory
// flushes (see `SharedFlushPublisher`). Strict only: relaxed enqueue has no
// flushes to share, and its floor is `enqueue_floor.ts`.
// Usage: enqueue_shared.ts SPOOL CONCURRENCY; go DURATION_MS
import { monotonicFactory } from "ulid";
import { emit, payloadOf, runOnGo } from "./_protocol.ts";
import { SharedFlushPublisher } from "./_floor.ts";

const [dir, concurrency] = Deno.args;
const publisher = new SharedFlushPublisher(dir);
const payload = payloadOf(1024);
const names = monotonicFactory();
await emit(
  await runOnGo(
    Number(concurrency),
    (seq) => publisher.publish("q", names(), JSON.stringify({ seq }), payload),
  ),
);
