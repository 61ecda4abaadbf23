// Builds a backlog of delayed entries for the lateness measure: on "go",
// takes BASE = now + LEAD_MS, then enqueues COUNT empty entries one at a
// time, of which DUE_COUNT (spread evenly through the enqueue order) are due
// at a random time in [BASE, BASE + SPREAD_MS) and the rest an hour later.
// Each entry's metadata is its due time (ms since the epoch, this host's
// clock) as text; it is enqueued with `{ at }`, so the due time asked for is
// exactly the one recorded. Reports how many enqueues resolved after their
// entry was already due (0 when the lead was long enough).
// Usage: schedule_producer.ts SPOOL COUNT DUE_COUNT LEAD_MS SPREAD_MS; go
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [dir, count, dueCount, leadMs, spreadMs] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"], metadata: textMetadata }, {
  durability: "relaxed",
});
const total = Number(count);
const stride = total / Number(dueCount);
const empty = new Uint8Array();
await ready();
const start = now();
const base = Date.now() + Number(leadMs);
let afterDue = 0;
for (let i = 0; i < total; i++) {
  const soon = i % stride < 1;
  const due = base + Math.floor(Math.random() * Number(spreadMs)) +
    (soon ? 0 : 3_600_000);
  await spool.enqueue("q", String(due), empty, { at: new Date(due) });
  if (Date.now() > due) afterDue++;
}
await emit({ ops: total, start, end: now(), base, afterDue });
