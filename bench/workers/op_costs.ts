// What one file-system call costs in its synchronous and asynchronous forms,
// on this disk, with the contenders' permission flags: the measurement behind
// the library's choice of form per hot path (sync for opens, creates, writes
// and renames; async for flushes, which may wait long on the disk).
// Each pair alternates sync and async batches, ROUNDS times.
// Usage: op_costs.ts DIR ROUNDS CALLS; go
import { emit, ready } from "./_protocol.ts";

const [dir, roundsArg, callsArg] = Deno.args;
const rounds = Number(roundsArg);
const calls = Number(callsArg);
const kib = new Uint8Array(1024).fill(1);
let seq = 0;
const fresh = () => `${dir}/f${seq++}`;

interface Pair {
  /** Runs before each timed call, untimed; returns the call's argument. */
  setup?: () => string;
  sync: (arg: string) => void;
  async: (arg: string) => Promise<void>;
}

const existing = `${dir}/existing`;
Deno.writeFileSync(existing, kib);

/** Writes a new 1 KiB file without flushing it: a flush then has work to do. */
function dirtyFile(): string {
  const path = fresh();
  Deno.writeFileSync(path, kib, { createNew: true });
  return path;
}

/** Opens `setup()`'s path, flushes it (data only, or all) and closes it. */
function flushPair(setup: () => string, dataOnly: boolean): Pair {
  return {
    setup,
    sync: (path) => {
      using file = Deno.openSync(path, { read: true });
      if (dataOnly) file.syncDataSync();
      else file.syncSync();
    },
    async: async (path) => {
      using file = Deno.openSync(path, { read: true });
      await (dataOnly ? file.syncData() : file.sync());
    },
  };
}

const PAIRS: Record<string, Pair> = {
  "open + close": {
    sync: () => Deno.openSync(existing, { read: true }).close(),
    async: async () => (await Deno.open(existing, { read: true })).close(),
  },
  "create + write 1 KiB + close": {
    setup: fresh,
    sync: (path) => Deno.writeFileSync(path, kib, { createNew: true }),
    async: (path) => Deno.writeFile(path, kib, { createNew: true }),
  },
  "rename": {
    setup: dirtyFile,
    sync: (path) => Deno.renameSync(path, `${path}.moved`),
    async: (path) => Deno.rename(path, `${path}.moved`),
  },
  "fdatasync of a new 1 KiB file (open, flush, close)": flushPair(
    dirtyFile,
    true,
  ),
  "fsync of a directory just changed": flushPair(
    () => (dirtyFile(), dir),
    false,
  ),
};

async function batch(pair: Pair, form: "sync" | "async"): Promise<number> {
  let total = 0;
  for (let i = 0; i < calls; i++) {
    const arg = pair.setup?.() ?? "";
    const start = performance.now();
    if (form === "sync") pair.sync(arg);
    else await pair.async(arg);
    total += performance.now() - start;
  }
  return total / calls * 1000;
}

await ready();
const result: Record<string, { sync: number[]; async: number[] }> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, pair] of Object.entries(PAIRS)) {
    const entry = result[name] ??= { sync: [], async: [] };
    const forms = round % 2 === 0
      ? ["sync", "async"] as const
      : ["async", "sync"] as const;
    for (const form of forms) entry[form].push(await batch(pair, form));
  }
}
await emit({ ops: 0, start: 0, end: 0, costs: result });
