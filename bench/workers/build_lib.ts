// Builds a backlog: enqueues COUNT entries into queue "q" with the library
// (relaxed durability: the backlog is setup, not what is measured), one at a
// time, as a plain producer would. With PAYLOAD_BYTES 0 the entries are
// empty files (metadata "" and an empty payload), which own no data blocks.
// Usage: build_lib.ts SPOOL COUNT PAYLOAD_BYTES; go
import { Spool } from "../../mod.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [dir, count, bytes] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"], metadata: textMetadata }, {
  durability: "relaxed",
});
const payload = payloadOf(Number(bytes));
const empty = payload.length === 0;
await ready();
const start = now();
for (let seq = 0; seq < Number(count); seq++) {
  await spool.enqueue("q", empty ? "" : JSON.stringify({ seq }), payload);
}
await emit({ ops: Number(count), start, end: now() });
