// Drains queue "q" with the library: check out + remove, one entry at a
// time, until the queue is empty. With RECORD=1 it also reports each entry's
// name and the time its handling began, for the order measure. It reports
// when the first entry was handed out (firstAt), for the wait a reader
// starting on a backlog has before its first.
// Usage: drain_lib.ts SPOOL strict|relaxed SPREAD RECORD; go
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [dir, durability, spread, record] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"], metadata: textMetadata }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const reader = spool.reader("q", { spread: Number(spread) });
const handled: [string, number][] = [];
const recording = record === "1";
await ready();
const start = now();
let ops = 0;
let firstAt: number | undefined;
for (;;) {
  const job = await reader.dequeueAvailable();
  if (job === undefined) break;
  firstAt ??= now();
  if (recording) handled.push([job.name, now()]);
  await job.remove();
  ops++;
}
const end = now();
await reader.close();
await emit({
  ops,
  start,
  end,
  firstAt: firstAt ?? end,
  ...(recording ? { handled } : {}),
});
