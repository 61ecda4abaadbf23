// Drains COUNT entries of queue "q" with `reader.iter`, HANDLERS entries
// handled at once, each removed: a consumer as the README writes one. Timed
// from "go" to the last removal.
// Usage: drain_iter.ts SPOOL strict|relaxed HANDLERS COUNT; go
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [dir, durability, handlers, count] = Deno.args;
const total = Number(count);
const spool = await Spool.load(dir, { queues: ["q"], metadata: textMetadata }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const reader = spool.reader("q");
await ready();
const start = now();
let ops = 0;
const stop = new AbortController();
await reader.iter(() => {
  if (++ops >= total) stop.abort();
  return { action: "remove" };
}, { signal: stop.signal, concurrency: Number(handlers) });
const end = now();
await reader.close();
await emit({ ops, start, end });
