// Deno KV's queue as the latency peer. Modes:
//   same    enqueue and listenQueue in this one process
//   listen  listenQueue only, until COUNT messages (or TIMEOUT_MS)
//   produce kv.enqueue only, one at a time, PAUSE_MS apart
// Usage: latency_kv.ts MODE KV_PATH COUNT PAUSE_MS TIMEOUT_MS; go
import { emit, now, payloadOf, ready, sleep } from "./_protocol.ts";

const [mode, path, count, pause, timeout] = Deno.args;
const total = Number(count);
const kv = await Deno.openKv(path);
const handled: [number, number][] = [];
const sent: [number, number, number][] = [];
let listening: Promise<void> | undefined;
if (mode !== "produce") {
  listening = kv.listenQueue((message: { seq: number }) => {
    handled.push([message.seq, now()]);
  });
}
await ready();
const start = now();
if (mode !== "listen") {
  const payload = payloadOf(1024);
  for (let seq = 0; seq < total; seq++) {
    const t0 = now();
    await kv.enqueue({ seq, payload });
    sent.push([seq, t0, now()]);
    await sleep(Number(pause) * (0.5 + Math.random()));
  }
}
if (mode !== "produce") {
  const deadline = now() + Number(timeout);
  while (handled.length < total && now() < deadline) await sleep(5);
}
const end = now();
kv.close();
await listening;
await emit({
  ops: Math.max(sent.length, handled.length),
  start,
  end,
  handled,
  sent,
});
