// The protocol's metadata calls on the thread pool (a network file system's
// case: see src/protocol/calls.ts). There every call of a claim and a
// removal is an await, where this process's other work runs too. Each test
// holds one actor at each of those awaits in turn while another acts, as
// another process could at any time.

import assert from "node:assert/strict";
import { EntryNotFoundError, Spool } from "../../mod.ts";
import { checkout, tryCheckout } from "../../expert.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openMonitor } from "../../src/monitor.ts";
import { QuickCalls } from "../../src/protocol/calls.ts";
import { CLOCK_PROBE_PREFIX } from "../../src/protocol/layout.ts";
import { openSpool } from "../../src/spool.ts";
import { age } from "../_helpers/ages.ts";
import { GateFs, type HeldCall } from "../_helpers/gate_fs.ts";
import { ManualWatcher } from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

const QUEUES = ["q"];

/** The files left in the spool, directories aside. */
function files(dir: string): string[] {
  return tree(dir).filter((line) => !line.endsWith("/"));
}

Deno.test("off thread: the calls start on the thread pool, come in line once quick, and go back once slow", async () => {
  let slow = false;
  const fs: FileSystem = {
    ...realFileSystem,
    callsOffThread: "auto",
    lstat(path) {
      const until = performance.now() + (slow ? 2 : 0);
      while (performance.now() < until) {
        // A network file system's round trip.
      }
      return realFileSystem.lstat(path);
    },
  };
  const calls = new QuickCalls(fs);
  const dir = Deno.makeTempDirSync();
  // Quick: timed to their answers, on the thread pool, until they come in
  // line.
  const untilInLine = async () => {
    for (let made = 0; calls.offThread; made++) {
      const result = calls.lstat(dir);
      assert.ok(result instanceof Promise, "made in line");
      await result;
      assert.ok(made < 100_000, "still on the thread pool");
    }
  };
  try {
    assert.equal(calls.offThread, true);
    await untilInLine();
    // A network file system's round trips: they go to the thread pool.
    slow = true;
    for (let made = 0; !calls.offThread; made++) {
      calls.lstat(dir);
      assert.ok(made < 1000, "still in line after 1000 slow calls");
    }
    slow = false;
    await untilInLine();
  } finally {
    Deno.removeSync(dir);
  }
});

/** A claim's calls, in order, as the gate sees their paths. */
const CLAIM_STEPS: { call: HeldCall; path: (name: string) => string }[] = [
  { call: "linkAsync", path: (name) => `q/.checkout/${name}` },
  { call: "readTextStatAsync", path: (name) => `q/.checkout/${name}` },
  { call: "touchAsync", path: (name) => `q/.checkout/${name}` },
  { call: "touchAsync", path: (name) => `.registry/${name}` },
  { call: "removeAsync", path: (name) => `q/${name}` },
];

Deno.test("off thread: a claim held at each of its calls, while another consumer claims the same entry, hands it to one", async (t) => {
  for (const step of CLAIM_STEPS) {
    await t.step(`held at ${step.call} of ${step.path("NAME")}`, async () => {
      await using tmp = await tempDir();
      const dir = tmp.path;
      const base = await Spool.create(dir, { queues: QUEUES });
      const { name } = await base.enqueue("q", {}, new Uint8Array([1]));
      const gates = new GateFs(realFileSystem, { callsOffThread: true });
      const slow = await openSpool(gates.fs, dir, { queues: QUEUES });
      const target = `${dir}/${step.path(name)}`;
      const held = gates.hold(step.call, (path) => path === target);
      const slowClaim = tryCheckout(slow, slow.entry("q", name));
      await held.reached;
      const rival = await tryCheckout(base, base.entry("q", name));
      held.open();
      const claimed = await slowClaim;
      // Before its link, the rival is first; after it, the slow one is.
      const first = step.call === "linkAsync" ? rival : claimed;
      const second = step.call === "linkAsync" ? claimed : rival;
      assert.ok(first !== undefined, "nobody holds the entry");
      assert.equal(second, undefined, "two consumers hold the entry");
      assert.deepEqual(await first.dataFile.load(), new Uint8Array([1]));
      await first.remove();
      assert.deepEqual(files(dir), []);
    });
  }
});

Deno.test("off thread: a stale holder's removal held before its proof, while repair puts the entry back and another consumer takes it, robs nobody", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const base = await Spool.create(dir, { queues: QUEUES });
  const { name } = await base.enqueue("q", {}, new Uint8Array([1]));
  const gates = new GateFs(realFileSystem, { callsOffThread: true });
  const slow = await openSpool(gates.fs, dir, { queues: QUEUES });
  const holder = await checkout(slow, slow.entry("q", name));
  const checkedOut = `${dir}/q/.checkout/${name}`;
  age(checkedOut);
  const held = gates.hold("lstatAsync", (path) => path === checkedOut);
  const removing = holder.remove();
  await held.reached;
  const monitor = await openMonitor(realFileSystem, dir);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"]);
  const next = await checkout(base, base.entry("q", name));
  held.open();
  await assert.rejects(removing, EntryNotFoundError);
  assert.deepEqual(await next.dataFile.load(), new Uint8Array([1]));
  assert.equal((await next.history()).attempts, 1);
  await next.remove();
  assert.deepEqual(files(dir), []);
});

Deno.test("off thread: a stale holder's removal held between its proof and its unlink, while repair puts the entry back, leaves it waiting, whole", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const base = await Spool.create(dir, { queues: QUEUES });
  const { name } = await base.enqueue("q", {}, new Uint8Array([1]));
  const gates = new GateFs(realFileSystem, { callsOffThread: true });
  const slow = await openSpool(gates.fs, dir, { queues: QUEUES });
  const holder = await checkout(slow, slow.entry("q", name));
  const checkedOut = `${dir}/q/.checkout/${name}`;
  age(checkedOut);
  const held = gates.hold("removeAsync", (path) => path === checkedOut);
  const removing = holder.remove();
  await held.reached;
  const monitor = await openMonitor(realFileSystem, dir);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"]);
  held.open();
  await assert.rejects(removing, EntryNotFoundError);
  const next = await checkout(base, base.entry("q", name));
  assert.deepEqual(await next.dataFile.load(), new Uint8Array([1]));
  await next.remove();
  assert.deepEqual(files(dir), []);
});

Deno.test("off thread: three readers of sixteen at once in one process, and a strict producer of single and batch enqueues, handle each entry once", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: QUEUES });
  const producer = await openSpool(
    new GateFs(realFileSystem, { callsOffThread: true }).fs,
    dir,
    { queues: QUEUES },
  );
  const total = 300;
  const seen = new Map<string, number>();
  const done = Promise.withResolvers<void>();
  const stop = new AbortController();
  const readers = await Promise.all([1, 2, 3].map(async () => {
    const gates = new GateFs(realFileSystem, { callsOffThread: true });
    const spool = await openSpool(gates.fs, dir, { queues: QUEUES }, {
      durability: "relaxed",
    });
    return spool.reader("q");
  }));
  const consuming = readers.map((reader) =>
    reader.iter(async (_metadata, dataFile, entry) => {
      await dataFile.load();
      seen.set(entry.name, (seen.get(entry.name) ?? 0) + 1);
      if (seen.size === total) done.resolve();
      return { action: "remove" };
    }, { concurrency: 16, signal: stop.signal })
  );
  for (let i = 0; i < total; i += 20) {
    await Promise.all([
      ...Array.from(
        { length: 10 },
        () => producer.enqueue("q", {}, new Uint8Array([i])),
      ),
      producer.enqueueMany(
        "q",
        Array.from({ length: 10 }, () => ({
          metadata: {},
          data: new Uint8Array([i]),
        })),
      ),
    ]);
  }
  await done.promise;
  stop.abort();
  await Promise.all(consuming);
  for (const reader of readers) await reader.close();
  assert.equal(seen.size, total);
  assert.deepEqual([...seen.values()].filter((n) => n !== 1), []);
  assert.deepEqual(files(dir), []);
});

Deno.test("off thread: an entry made due while a reader's claim finds it not due yet is taken at once, not at its old due time", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const base = await Spool.create(dir, { queues: QUEUES });
  const { name } = await base.enqueue("q", {}, new Uint8Array(), {
    delay: 3_600_000,
  });
  const watcher = new ManualWatcher();
  const checkedOut = `${dir}/q/.checkout/${name}`;
  // The claim's read of the entry, held once made (its due time in hand).
  const read = Promise.withResolvers<void>();
  const go = Promise.withResolvers<void>();
  const fs: FileSystem = {
    ...realFileSystem,
    callsOffThread: true,
    watch: () => watcher,
    async readTextStatAsync(path) {
      const result = await realFileSystem.readTextStatAsync(path);
      if (path === checkedOut) {
        read.resolve();
        await go.promise;
      }
      return result;
    },
  };
  const slow = await openSpool(fs, dir, { queues: QUEUES });
  await using reader = slow.reader("q");
  const stop = new AbortController();
  // Only so that a failure ends: the entry is due now.
  const timer = setTimeout(() => stop.abort(), 60_000);
  try {
    const taking = reader.dequeue({ signal: stop.signal });
    await read.promise;
    assert.ok(await base.entry("q", name).direct.makeDue() !== undefined);
    // Its event, heard while the reader does not know the entry is delayed.
    watcher.push();
    await new Promise((resolve) => setTimeout(resolve, 0));
    go.resolve();
    const job = await taking;
    assert.equal(job?.name, name, "the reader waits for the old due time");
    await job?.remove();
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("off thread: a strict flush opens its directory where the quick calls go (in line on a local disk, on the thread pool on a network one)", async () => {
  for (const offThread of [false, true]) {
    await using tmp = await tempDir();
    const opened: (boolean | undefined)[] = [];
    const fs: FileSystem = {
      ...realFileSystem,
      callsOffThread: offThread,
      syncDir(path, options) {
        opened.push(options?.openInLine);
        return realFileSystem.syncDir(path, options);
      },
    };
    const spool = await openSpool(fs, tmp.path, { queues: QUEUES }, {
      createIfMissing: true,
      durability: "strict",
    });
    opened.length = 0;
    await spool.enqueue("q", {}, new Uint8Array(1));
    // The registry's, the payloads' and the queue's directory.
    assert.equal(opened.length, 3);
    assert.deepEqual(opened, [!offThread, !offThread, !offThread]);
  }
});

Deno.test("off thread: the calls start where the probes made when the spool opens say (in line once one is quick, tried three times at most)", () => {
  const auto: FileSystem = { ...realFileSystem, callsOffThread: "auto" };
  const startedFrom = (probes: (number | undefined)[], first?: number) => {
    const calls = new QuickCalls(auto);
    let made = 0;
    calls.startFrom(() => probes[made++], first);
    return { offThread: calls.offThread, made };
  };
  // Quick at once: in line, no second probe.
  assert.deepEqual(startedFrom([], 0.05), { offThread: false, made: 0 });
  assert.deepEqual(startedFrom([0.05]), { offThread: false, made: 1 });
  // Held once by a journal's commit, then quick.
  assert.deepEqual(startedFrom([4, 0.1]), { offThread: false, made: 2 });
  assert.deepEqual(startedFrom([0.1], 4), { offThread: false, made: 1 });
  // A network file system's round trips, every time: on the thread pool.
  assert.deepEqual(startedFrom([2, 3, 2]), { offThread: true, made: 3 });
  // No probe could be made (a read-only file system): on the thread pool.
  assert.deepEqual(startedFrom([undefined]), { offThread: true, made: 1 });
  // Only the first opening decides; a file system that says where keeps it.
  const calls = new QuickCalls(auto);
  calls.startFrom(() => 3, 3);
  calls.startFrom(() => 0.01, 0.01);
  assert.equal(calls.offThread, true);
  for (const where of [true, false]) {
    const fixed = new QuickCalls({ ...realFileSystem, callsOffThread: where });
    fixed.startFrom(() => (where ? 0.01 : 3), where ? 0.01 : 3);
    assert.equal(fixed.offThread, where);
  }
});

Deno.test("off thread: a spool whose opening probes are slow, three times, starts its calls on the thread pool", async () => {
  await using tmp = await tempDir();
  const probes: string[] = [];
  const fs: FileSystem = {
    ...realFileSystem,
    callsOffThread: "auto",
    createExclusive(path) {
      if (path.includes(CLOCK_PROBE_PREFIX)) {
        probes.push(path);
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // A network file system's round trip.
        }
      }
      realFileSystem.createExclusive(path);
    },
  };
  const spool = await openSpool(fs, tmp.path, { queues: QUEUES }, {
    createIfMissing: true,
  });
  assert.equal(probes.length, 3);
  // Its first claim's calls are made on the thread pool: the link too.
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  let linkedOffThread = false;
  const watched = await openSpool(
    {
      ...fs,
      linkAsync(from, to) {
        linkedOffThread = true;
        return realFileSystem.linkAsync(from, to);
      },
    },
    tmp.path,
    { queues: QUEUES },
  );
  const job = await checkout(watched, watched.entry("q", entry.name));
  await job.remove();
  assert.ok(linkedOffThread);
  assert.deepEqual(files(tmp.path), []);
});

Deno.test("off thread: a spool's quickCalls option puts the calls where it says, whatever the probes and the file system say", async () => {
  for (
    const [place, probeMs, offThread] of [
      // Only slow probes are certain (a quick one may be slow on a busy
      // machine): "auto" follows them, the others ignore them.
      ["threadPool", 0, true],
      ["inLine", 1, false],
      ["auto", 1, true],
    ] as const
  ) {
    await using tmp = await tempDir();
    const opened: (boolean | undefined)[] = [];
    const linked: string[] = [];
    const fs: FileSystem = {
      ...realFileSystem,
      callsOffThread: "auto",
      createExclusive(path) {
        const until = performance.now() +
          (path.includes(CLOCK_PROBE_PREFIX) ? probeMs : 0);
        while (performance.now() < until) {
          // A network file system's round trip, or none.
        }
        realFileSystem.createExclusive(path);
      },
      syncDir(path, options) {
        opened.push(options?.openInLine);
        return realFileSystem.syncDir(path, options);
      },
      link(from, to) {
        linked.push("in line");
        realFileSystem.link(from, to);
      },
      linkAsync(from, to) {
        linked.push("thread pool");
        return realFileSystem.linkAsync(from, to);
      },
    };
    const spool = await openSpool(fs, tmp.path, { queues: QUEUES }, {
      createIfMissing: true,
      durability: "strict",
      quickCalls: place,
    });
    opened.length = 0;
    const entry = await spool.enqueue("q", {}, new Uint8Array(1));
    await (await checkout(spool, entry)).remove();
    const where = offThread ? "thread pool" : "in line";
    assert.deepEqual(linked, [where], `${place}, probes of ${probeMs} ms`);
    // The enqueue's three directories, and the removal's.
    assert.deepEqual(opened, [!offThread, !offThread, !offThread, !offThread]);
  }
});

Deno.test("off thread: a quickCalls option that is not a place is refused, naming it", async () => {
  await using tmp = await tempDir();
  await assert.rejects(
    () =>
      Spool.create(tmp.path, { queues: QUEUES }, {
        quickCalls: "sometimes" as "auto",
      }),
    (error: Error) =>
      error instanceof RangeError && error.message.includes("quickCalls") &&
      error.message.includes("sometimes"),
  );
});
