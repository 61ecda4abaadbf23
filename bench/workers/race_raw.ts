// One side of a raw race on a shared file system: for each of COUNT files
// q/eNNNNN of DIR, in order, one system call that only one of the racers
// should win: a rename into q/.checkout/, a link into q/.checkout/, or a
// create-new in reg/. Reports the names it was told it won.
// Usage: race_raw.ts DIR rename|link|create COUNT; go
import { emit, now, ready } from "./_protocol.ts";

const [dir, call, count] = Deno.args;
const names = Array.from(
  { length: Number(count) },
  (_, i) => `e${String(i).padStart(5, "0")}`,
);
await ready();
const start = now();
const won: string[] = [];
for (const name of names) {
  const waiting = `${dir}/q/${name}`;
  const held = `${dir}/q/.checkout/${name}`;
  try {
    if (call === "rename") Deno.renameSync(waiting, held);
    else if (call === "link") Deno.linkSync(waiting, held);
    else {Deno.openSync(`${dir}/reg/${name}`, { write: true, createNew: true })
        .close();}
    won.push(name);
  } catch {
    // Lost (or told so).
  }
}
await emit({ ops: won.length, start, end: now(), won });
