// 1 MiB payloads with the library, streamed both ways: enqueues a stream of
// 16 x 64 KiB chunks per entry for DURATION_MS, then dequeues every entry,
// reads its payload as a stream and removes it.
// Usage: large_lib.ts SPOOL strict|relaxed; go DURATION_MS
import { Spool, streamData } from "../../mod.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 16;
const [dir, durability] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"], data: streamData }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const chunk = payloadOf(CHUNK);
function* chunks(): Generator<Uint8Array> {
  for (let i = 0; i < CHUNKS; i++) yield chunk;
}
const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let writes = 0;
while (now() < deadline) {
  await spool.enqueue("q", { seq: writes }, ReadableStream.from(chunks()));
  writes++;
}
const written = now();
let reads = 0;
let bytes = 0;
const reader = spool.reader("q");
for (;;) {
  const job = await reader.dequeueAvailable();
  if (job === undefined) break;
  for await (const part of job.dataFile.readable()) bytes += part.length;
  await job.remove();
  reads++;
}
await reader.close();
if (bytes !== reads * CHUNK * CHUNKS) throw new Error(`read ${bytes} bytes`);
await emit({ ops: writes, start, end: now(), written, reads, bytes });
