// Enqueues 1 KiB entries with the library for a given time, from CONCURRENCY
// producers sharing one spool object in this process: each entry due at
// once ("plain", the default) or delayed by a minute and a bit ("delayed",
// `{ delay }`), so that the two differ only in the delay.
// Usage: enqueue_lib.ts SPOOL strict|relaxed CONCURRENCY [plain|delayed]; go DURATION_MS
import { Spool } from "../../mod.ts";
import { emit, payloadOf, runOnGo } from "./_protocol.ts";

const [dir, durability, concurrency, mode = "plain"] = Deno.args;
const spool = await Spool.load(dir, { queues: ["q"] }, {
  durability: durability === "strict" ? "strict" : "relaxed",
});
const payload = payloadOf(1024);
await emit(
  await runOnGo(
    Number(concurrency),
    mode === "delayed"
      ? (seq) =>
        spool.enqueue("q", { seq }, payload, { delay: 60_000 + seq % 1000 })
      : (seq) => spool.enqueue("q", { seq }, payload),
  ),
);
