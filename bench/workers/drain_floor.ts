// The syscall floor of a drain: list the queue once, then for each name the
// same touches, renames, reads and unlinks as `checkout` and
// `removeCheckedOut` (src/protocol/remove.ts), synchronously, nothing else.
// Usage: drain_floor.ts SPOOL strict|relaxed; go
import { emit, now, ready } from "./_protocol.ts";
import { checkoutAndRemoveFloor } from "./_floor.ts";

const [dir, durability] = Deno.args;
const strict = durability === "strict";
await ready();
const start = now();
let ops = 0;
for (;;) {
  const names: string[] = [];
  for (const item of Deno.readDirSync(`${dir}/q`)) {
    if (item.isFile && !item.name.startsWith(".")) names.push(item.name);
  }
  if (names.length === 0) break;
  names.sort();
  for (const name of names) {
    if (checkoutAndRemoveFloor(dir, "q", name, strict)) ops++;
  }
}
await emit({ ops, start, end: now() });
