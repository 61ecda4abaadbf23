// A consumer host: a polling reader (no watch event crosses hosts) handles
// entries of queue "q", CONCURRENCY at once, loading each payload and
// removing the entry, until COUNT were handled; records when each handler
// began, against the time its producer called `enqueue`.
// Usage: consume_shared.ts SPOOL strict|relaxed CONCURRENCY COUNT POLL_MS; go
import { emit, now, ready } from "./_protocol.ts";
import { loadStamped } from "./_stamped.ts";

const [dir, durability, concurrency, count, pollMs] = Deno.args;
const spool = await loadStamped(dir, durability);
const total = Number(count);
/** [enqueue called, handler began] of each entry handled. */
const handled: [number, number][] = [];
const stop = new AbortController();
const reader = spool.reader("q", {
  watch: false,
  pollIntervalMs: Number(pollMs),
});
await ready();
const start = now();
await reader.iter(async (metadata, data) => {
  handled.push([metadata.t0, now()]);
  await data.load();
  if (handled.length >= total) stop.abort();
  return { action: "remove" };
}, { signal: stop.signal, concurrency: Number(concurrency) });
const end = now();
await reader.close();
await emit({ ops: handled.length, start, end, handled });
