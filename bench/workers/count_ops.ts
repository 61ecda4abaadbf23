// COUNT operations of one hot path, straight away, no handshake: run under
// `strace -f -c` by bench/sections/syscalls.ts, once with COUNT and once
// with 0, so that the difference is the system calls of COUNT operations.
// Usage: count_ops.ts OPERATION SPOOL COUNT
//   OPERATION: enqueue-strict, enqueue-relaxed, enqueue-many-strict (64 a
//   call), floor-strict, floor-relaxed, drain-strict, drain-relaxed (one
//   consumer, `reader.iter`; the spool holds a backlog of COUNT entries),
//   kv (SPOOL is the KV file)
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { enqueueFloor } from "./_floor.ts";
import { payloadOf } from "./_protocol.ts";
import { monotonicFactory } from "ulid";

const [operation, dir, countArg] = Deno.args;
const count = Number(countArg);
const payload = payloadOf(1024);
const durability = operation.endsWith("strict") ? "strict" : "relaxed";

if (operation === "kv") {
  const kv = await Deno.openKv(dir);
  for (let seq = 0; seq < count; seq++) await kv.enqueue({ seq, payload });
  kv.close();
} else if (operation.startsWith("floor")) {
  const names = monotonicFactory();
  for (let seq = 0; seq < count; seq++) {
    enqueueFloor(dir, names, seq, payload, durability === "strict");
  }
} else {
  const spool = await Spool.load(dir, {
    queues: ["q"],
    metadata: textMetadata,
  }, { durability });
  if (operation.startsWith("drain")) {
    const reader = spool.reader("q");
    if (count > 0) {
      let ops = 0;
      const stop = new AbortController();
      await reader.iter(() => {
        if (++ops >= count) stop.abort();
        return { action: "remove" };
      }, { signal: stop.signal });
    }
    await reader.close();
  } else if (operation === "enqueue-many-strict") {
    for (let seq = 0; seq < count; seq += 64) {
      await spool.enqueueMany(
        "q",
        Array.from({ length: Math.min(64, count - seq) }, (_, i) => ({
          metadata: JSON.stringify({ seq: seq + i }),
          data: payload,
        })),
      );
    }
  } else {
    for (let seq = 0; seq < count; seq++) {
      await spool.enqueue("q", JSON.stringify({ seq }), payload);
    }
  }
}
