// Fills a spool for the operations section (setup, not what is timed):
// OTHERS entries waiting in `jobs`, and DEAD dead letters in each QUEUE
// named, every one with the history a reader's retry policy leaves (3
// failed attempts), written as that reader writes it.
// Usage: dead_letters.ts SPOOL OTHERS DEAD QUEUE...; go

import { Spool } from "../../mod.ts";
import { encodeHistory } from "../../src/history.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [dir, othersText, deadText, ...deadQueues] = Deno.args;
await ready();
const start = now();
const spool = await Spool.create(dir, {
  queues: ["jobs", "held", ...deadQueues],
  metadata: textMetadata,
}, { durability: "relaxed" });
const at = new Date();
const history = encodeHistory({
  attempts: 3,
  failures: [1, 2, 3].map((n) => ({
    at,
    queue: "jobs",
    kind: "error" as const,
    message: `Error: 421 try again later (attempt ${n})`,
  })),
});
const fill = async (queue: string, count: number) => {
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await spool.enqueueMany(
      queue,
      Array.from(
        { length: n },
        () => ({ metadata: "{}", data: new Uint8Array(64) }),
      ),
    );
  }
};
await fill("jobs", Number(othersText));
for (const queue of deadQueues) {
  await fill(queue, Number(deadText));
  for (const entry of await spool.list(queue)) {
    await Deno.writeTextFile(`${dir}/.registry/${entry.name}`, history);
  }
}
await emit({
  ops: Number(deadText) * deadQueues.length,
  start,
  end: now(),
});
