// One reader waiting in its own process for delayed entries: `reader.iter`
// (CONCURRENCY entries at a time) removes each and records its lateness,
// the time its handler was called (Date.now(), the clock the library
// compares due times with) minus the due time in its metadata, until COUNT
// entries were handled.
// Usage: schedule_reader.ts SPOOL strict|relaxed CONCURRENCY COUNT; go
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [dir, durability, concurrency, count] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"], metadata: textMetadata }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const total = Number(count);
const late: number[] = [];
const stop = new AbortController();
const reader = spool.reader("q");
// Waiting from now on: its first listing finds the queue empty.
const iterating = reader.iter((metadata) => {
  late.push(Date.now() - Number(metadata));
  if (late.length >= total) stop.abort();
  return { action: "remove" };
}, { signal: stop.signal, concurrency: Number(concurrency) });
await ready();
const start = now();
await iterating;
await reader.close();
await emit({ ops: late.length, start, end: now(), late });
