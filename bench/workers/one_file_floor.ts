// python3-dirq's system calls (QueueSimple, relaxed: it never flushes), made
// by hand in Deno: one file per entry, in a directory per minute. Beside
// dirq itself it says what the runtime costs; beside multispool, what the
// on-disk format does (three files an entry, four names to drain).
//   enqueue: create `NAME.tmp` exclusively, write, close, link to `NAME`,
//     unlink `NAME.tmp`;
//   drain: list each directory, then per element link `NAME` to
//     `NAME.lck` (the lock), set its times, unlink `NAME` and `NAME.lck`.
// Usage: one_file_floor.ts enqueue DIR; go DURATION_MS
//        one_file_floor.ts fill DIR COUNT; go
//        one_file_floor.ts drain DIR; go
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [mode, dir, countArg] = Deno.args;
const payload = payloadOf(1024);
const ELEMENT = /^[0-9a-f]{14}$/;
let last = "";
let made = new Set<string>();

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** A new element name: seconds, microseconds and a random digit, as dirq's. */
function elementName(): string {
  const ms = now();
  return hex(Math.floor(ms / 1000), 8) +
    hex(Math.floor((ms % 1000) * 1000), 5) +
    hex(Math.floor(Math.random() * 16), 1);
}

function add(): void {
  const bucket = `${dir}/${hex(Math.floor(now() / 60_000) * 60, 8)}`;
  if (bucket !== last) {
    Deno.mkdirSync(bucket, { recursive: true });
    last = bucket;
    made = new Set();
  }
  let name = elementName();
  while (made.has(name)) name = elementName();
  made.add(name);
  const tmp = `${bucket}/${name}.tmp`;
  {
    using file = Deno.openSync(tmp, { write: true, createNew: true });
    let written = 0;
    while (written < payload.length) {
      written += file.writeSync(payload.subarray(written));
    }
  }
  Deno.linkSync(tmp, `${bucket}/${name}`);
  Deno.removeSync(tmp);
}

function drain(): number {
  let ops = 0;
  const buckets = [...Deno.readDirSync(dir)].filter((d) => d.isDirectory)
    .map((d) => d.name).sort();
  for (const bucket of buckets) {
    const names = [...Deno.readDirSync(`${dir}/${bucket}`)]
      .map((item) => item.name).filter((name) => ELEMENT.test(name)).sort();
    for (const name of names) {
      const path = `${dir}/${bucket}/${name}`;
      try {
        Deno.linkSync(path, `${path}.lck`);
      } catch (error) {
        if (
          error instanceof Deno.errors.AlreadyExists ||
          error instanceof Deno.errors.NotFound
        ) continue;
        throw error;
      }
      const time = new Date();
      Deno.utimeSync(path, time, time);
      Deno.removeSync(path);
      Deno.removeSync(`${path}.lck`);
      ops++;
    }
  }
  return ops;
}

Deno.mkdirSync(dir, { recursive: true });
if (mode === "enqueue") {
  const [duration] = await ready();
  const start = now();
  const deadline = start + Number(duration);
  let ops = 0;
  while (now() < deadline) {
    add();
    ops++;
  }
  await emit({ ops, start, end: now() });
} else if (mode === "fill") {
  await ready();
  const start = now();
  const count = Number(countArg);
  for (let i = 0; i < count; i++) add();
  await emit({ ops: count, start, end: now() });
} else if (mode === "drain") {
  await ready();
  const start = now();
  const ops = drain();
  await emit({ ops, start, end: now() });
} else {
  throw new Error(`mode enqueue, fill or drain, not ${mode}`);
}
