// The syscall floor of an enqueue: the same opens, writes, flushes and
// renames as `publish` (src/protocol/publish.ts), in the same order, one
// enqueue at a time, with nothing around them. Flushes use the synchronous
// forms: the cheapest way a plain script can make them.
// Usage: enqueue_floor.ts SPOOL strict|relaxed; go DURATION_MS
import { monotonicFactory } from "ulid";
import { emit, payloadOf, runOnGo } from "./_protocol.ts";
import { enqueueFloor } from "./_floor.ts";

const [dir, durability] = Deno.args;
const strict = durability === "strict";
const payload = payloadOf(1024);
const names = monotonicFactory();
await emit(
  await runOnGo(1, (seq) => enqueueFloor(dir, names, seq, payload, strict)),
);
