// A waiting reader in its own process: `reader.iter` removes each entry and
// records when its handler began, until COUNT entries were handled.
// Usage: latency_reader.ts SPOOL strict|relaxed COUNT; go
import { emit, now, ready, sleep } from "./_protocol.ts";
import { loadStamped } from "./_stamped.ts";

const [dir, durability, count] = Deno.args;
const spool = await loadStamped(dir, durability);
const total = Number(count);
const handled: [number, number][] = [];
const stop = new AbortController();
const reader = spool.reader("q");
const iterating = reader.iter((metadata) => {
  handled.push([metadata.seq, now()]);
  if (handled.length >= total) stop.abort();
  return { action: "remove" };
}, { signal: stop.signal });
// The first (empty) listing starts the watcher; let it settle before the
// producer begins, so that every entry arrives at a waiting reader.
await sleep(100);
await ready();
const start = now();
await iterating;
await reader.close();
await emit({ ops: handled.length, start, end: now(), handled });
