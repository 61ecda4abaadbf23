// The syscall floor for 1 MiB payloads: the same steps as large_lib.ts with
// plain synchronous calls (bench/workers/_floor.ts), the payload written in
// the same 64 KiB chunks and read back in 256 KiB reads.
// Usage: large_floor.ts SPOOL strict|relaxed; go DURATION_MS
import { monotonicFactory } from "ulid";
import {
  checkoutAndRemoveFloor,
  openRegularSync,
  publishFloor,
} from "./_floor.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 16;
const [dir, durability] = Deno.args;
const strict = durability === "strict";
const chunks = Array.from({ length: CHUNKS }, () => payloadOf(CHUNK));
const names = monotonicFactory();
const buffer = new Uint8Array(256 * 1024);
let bytes = 0;
function readAll(path: string): void {
  using file = openRegularSync(path);
  for (;;) {
    const n = file.readSync(buffer);
    if (n === null) return;
    bytes += n;
  }
}
const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let writes = 0;
while (now() < deadline) {
  publishFloor(
    dir,
    "q",
    names(),
    JSON.stringify({ seq: writes }),
    chunks,
    strict,
  );
  writes++;
}
const written = now();
const list: string[] = [];
for (const item of Deno.readDirSync(`${dir}/q`)) {
  if (item.isFile && !item.name.startsWith(".")) list.push(item.name);
}
let reads = 0;
for (const name of list.sort()) {
  if (checkoutAndRemoveFloor(dir, "q", name, strict, readAll)) reads++;
}
if (bytes !== reads * CHUNK * CHUNKS) throw new Error(`read ${bytes} bytes`);
await emit({ ops: writes, start, end: now(), written, reads, bytes });
