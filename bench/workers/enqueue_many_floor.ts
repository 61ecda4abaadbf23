// The floor of `enqueueMany` (`publishMany`, src/protocol/publish.ts): BATCH
// entries a call, one call at a time, their files made by hand with the
// library's calls (bench/workers/_floor.ts). Two ways to flush a batch:
//   fdatasync: as the library does: every payload and metadata file through
//     its descriptor, 64 entries' files at a time (the library's default
//     `ioConcurrency`: all of a batch at once is slower on ext4),
//     `.registry/` and `.data/` once; the renames; the queue once. What the
//     library could reach.
//   syncfs: one syncfs(2) of the whole file system instead of the files'
//     and directories' flushes (through FFI: --allow-ffi); the renames; the
//     queue once. What the format could reach with one flush per batch,
//     for a file system that honours syncfs (FUSE file systems need not).
// Usage: enqueue_many_floor.ts SPOOL BATCH fdatasync|syncfs; go DURATION_MS
import { monotonicFactory } from "ulid";
import { createEntryFiles, type EntryFiles } from "./_floor.ts";
import { emit, now, payloadOf, ready } from "./_protocol.ts";

const [dir, batchArg, how] = Deno.args;
if (how !== "fdatasync" && how !== "syncfs") {
  throw new Error(`flush fdatasync or syncfs, not ${how}`);
}
const batch = Number(batchArg);
const payload = payloadOf(1024);
const names = monotonicFactory();
/** Entries whose files are flushed at once (`DEFAULT_IO_CONCURRENCY`). */
const IN_FLIGHT = 64;
const syncfs = how === "syncfs" ? fileSystemFlush(dir) : undefined;

async function flushDir(path: string): Promise<void> {
  using file = Deno.openSync(path, { read: true });
  await file.sync();
}

/**
 * syncfs(2) of the file system holding `path`, through libc; the directory
 * stays open until the process ends.
 */
function fileSystemFlush(path: string): () => Promise<void> {
  const libc = Deno.dlopen("libc.so.6", {
    open: { parameters: ["buffer", "i32"], result: "i32" },
    syncfs: { parameters: ["i32"], result: "i32", nonblocking: true },
  });
  const fd = libc.symbols.open(new TextEncoder().encode(`${path}\0`), 0);
  if (fd < 0) throw new Error(`open ${path} failed`);
  return async () => {
    if (await libc.symbols.syncfs(fd) !== 0) throw new Error("syncfs failed");
  };
}

async function publishBatch(seq: number): Promise<void> {
  const entries: (EntryFiles & { name: string })[] = [];
  try {
    for (let i = 0; i < batch; i++) {
      const name = names();
      const metadata = JSON.stringify({ seq: seq + i });
      entries.push({
        name,
        ...createEntryFiles(dir, name, metadata, [payload]),
      });
    }
    if (syncfs === undefined) {
      let next = 0;
      const flushing = async () => {
        while (next < entries.length) {
          await Promise.all(entries[next++].files.map((f) => f.syncData()));
        }
      };
      await Promise.all([
        ...Array.from({ length: IN_FLIGHT }, flushing),
        flushDir(`${dir}/.registry`),
        flushDir(`${dir}/.data`),
      ]);
    } else {
      await syncfs();
    }
  } finally {
    for (const entry of entries) for (const file of entry.files) file.close();
  }
  for (const entry of entries) {
    Deno.renameSync(entry.tmp, `${dir}/q/${entry.name}`);
  }
  await flushDir(`${dir}/q`);
}

const [duration] = await ready();
const start = now();
const deadline = start + Number(duration);
let ops = 0;
while (now() < deadline) {
  await publishBatch(ops);
  ops += batch;
}
await emit({ ops, start, end: now() });
