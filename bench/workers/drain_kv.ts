// Drains a Deno KV queue backlog of COUNT messages with `kv.listenQueue`,
// timing from "go" to the last handler call.
// Usage: drain_kv.ts KV_PATH COUNT; go
import { emit, now, ready } from "./_protocol.ts";

const [path, count] = Deno.args;
const total = Number(count);
let ops = 0;
let end = 0;
let done!: () => void;
const finished = new Promise<void>((resolve) => done = resolve);
await ready();
const start = now();
// Opened after "go": listening starts delivering the backlog at once.
const kv = await Deno.openKv(path);
const listening = kv.listenQueue(() => {
  if (++ops === total) {
    end = now();
    done();
  }
});
await finished;
kv.close();
await listening;
await emit({ ops, start, end });
