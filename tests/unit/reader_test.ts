// Queue readers in one process: order, waiting, stopping, polling, damaged
// entries. (Readers and producers in separate processes are in
// ../processes/readers_test.ts.)

import assert from "node:assert/strict";
import {
  DecodeError,
  jsonMetadata,
  QueueNotFoundError,
  Spool,
  type SpoolError,
} from "../../mod.ts";
import { openSpool } from "../../src/spool.ts";
import {
  ManualWatcher,
  RecordingFileSystem,
} from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

/**
 * Tracks whether `promise` has settled, so that a test can check that a
 * reader is still waiting.
 */
function track<T>(
  promise: Promise<T>,
): { promise: Promise<T>; settled(): boolean } {
  let settled = false;
  const tracked = promise.finally(() => settled = true);
  return { promise: tracked, settled: () => settled };
}

/**
 * A spool on a recording file system: the test waits on the listings of
 * the queue that a reader completes, and on `quiet()`, a listing of another
 * directory through the same file system. Once that one is done, the reader
 * has done whatever it does without waiting (nothing between its listing
 * and its wait needs I/O): what it has not done yet, it is waiting to do.
 */
async function recordedSpool(dir: string, watcher?: ManualWatcher) {
  const fs = new RecordingFileSystem(dir);
  if (watcher !== undefined) fs.watch = () => watcher;
  const spool = await openSpool(fs, dir, {
    queues: ["q"],
    metadata: jsonMetadata<unknown>(),
  }, { createIfMissing: true });
  const quiet = async () => {
    await fs.listFiles(`${dir}/.data`);
  };
  /** How many listings of the queue have started. */
  const listings = () => fs.ops.filter((op) => op === "list q").length;
  return { fs, spool, quiet, listings };
}

/** A spool with queue q whose metadata is a number, with no flushes. */
async function numbersSpool(dir: string) {
  return await Spool.create(dir, {
    queues: ["q"],
    metadata: jsonMetadata<number>(),
  }, { durability: "relaxed" });
}

Deno.test("reader: 1000 entries enqueued while a reader consumes them arrive in order", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await numbersSpool(dir);
  const n = 1000;
  const seen: number[] = [];
  let caughtUp: { count: number; resolve: () => void } | undefined;
  /** Resolves once the reader has handled `count` entries. */
  const handled = (count: number) =>
    new Promise<void>((resolve) => {
      if (seen.length >= count) resolve();
      else caughtUp = { count, resolve };
    });
  const producer = (async () => {
    for (let i = 0; i < n; i++) {
      await spool.enqueue("q", i, new Uint8Array());
      // Every 7 entries, let the reader empty the queue: it then waits,
      // and the next enqueue must wake it.
      if (i % 7 === 0) await handled(i + 1);
    }
  })();
  const stop = new AbortController();
  await using reader = spool.reader("q");
  await reader.iter((i) => {
    seen.push(i);
    if (caughtUp !== undefined && seen.length >= caughtUp.count) {
      caughtUp.resolve();
      caughtUp = undefined;
    }
    if (seen.length === n) stop.abort();
    return { action: "remove" };
  }, { signal: stop.signal });
  await producer;
  assert.deepEqual(seen, [...Array(n).keys()]);
  assert.deepEqual(await spool.list("q"), []);
});

Deno.test("reader: aborting a wait on an empty queue stops it; the reader stays usable", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const watcher = new ManualWatcher();
  const { fs, spool, quiet } = await recordedSpool(dir, watcher);
  await using reader = spool.reader("q");
  const stop = new AbortController();
  const waiting = track(reader.dequeue({ signal: stop.signal }));
  await fs.completed("list q", 1);
  await quiet();
  assert.equal(waiting.settled(), false, "it waits on an empty queue");
  // A watch event wakes it: it lists again, and waits again.
  watcher.push();
  await fs.completed("list q", 2);
  await quiet();
  assert.equal(waiting.settled(), false, "it waits again");
  stop.abort();
  assert.equal(await waiting.promise, undefined);
  // An already aborted signal returns at once, without listing.
  assert.equal(await reader.dequeue({ signal: stop.signal }), undefined);
  assert.equal(fs.completedCount("list q"), 2);
  // iter returns too.
  const iterStop = new AbortController();
  const iterating = track(
    reader.iter(() => ({ action: "remove" }), { signal: iterStop.signal }),
  );
  await quiet();
  assert.equal(iterating.settled(), false, "iter waits on an empty queue");
  // Nothing changed since the last listing: it waits without listing.
  assert.equal(fs.completedCount("list q"), 2);
  iterStop.abort();
  await iterating.promise;
  // The reader still works (the watch reports the arrival).
  await spool.enqueue("q", "later", new Uint8Array());
  watcher.push();
  const job = await reader.dequeue();
  assert.equal(job?.metadata, "later");
  await job?.remove();
});

Deno.test("reader: close ends pending waits and async iteration", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool, quiet } = await recordedSpool(dir, new ManualWatcher());
  const reader = spool.reader("q");
  const waits = [track(reader.dequeue()), track(reader.dequeue())];
  const iterated: unknown[] = [];
  const iteration = track((async () => {
    for await (const job of reader) iterated.push(job);
  })());
  // The first caller lists the empty queue; the others wait without
  // listing it again, nothing having changed since.
  await fs.completed("list q", 1);
  await quiet();
  assert.equal(fs.completedCount("list q"), 1);
  for (const pending of [...waits, iteration]) {
    assert.equal(pending.settled(), false, "waiting before the close");
  }
  await reader.close();
  assert.deepEqual(
    await Promise.all(waits.map((w) => w.promise)),
    [undefined, undefined],
  );
  await iteration.promise;
  assert.deepEqual(iterated, []);
  assert.equal(await reader.dequeue(), undefined);
  await reader.close();
});

Deno.test("reader: with watching off, polling delivers entries that raised no event", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  await using reader = spool.reader("q", {
    watch: false,
    pollIntervalMs: 20,
  });
  const waiting = reader.dequeue();
  // The queue was listed empty: only a later listing can find the entry.
  await fs.completed("list q", 1);
  const other = await Spool.load(dir, { queues: ["q"] });
  await other.enqueue("q", "polled", new Uint8Array());
  const job = await waiting;
  assert.equal(job?.metadata, "polled");
  await job?.remove();
  assert.ok(fs.completedCount("list q") >= 2);
  assert.ok(!fs.ops.some((op) => op.startsWith("watch")));
});

Deno.test("reader: polling also runs alongside watching when asked", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A watcher that never reports anything, like NFS for remote writers.
  const { fs, spool } = await recordedSpool(dir, new ManualWatcher());
  await using reader = spool.reader("q", { pollIntervalMs: 20 });
  const waiting = reader.dequeue();
  await fs.completed("list q", 1);
  await spool.enqueue("q", "x", new Uint8Array());
  const job = await waiting;
  assert.equal(job?.metadata, "x");
  await job?.remove();
  assert.ok(fs.completedCount("list q") >= 2, "found by a later listing");
});

Deno.test("reader: without watch support it polls, and says so once", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  fs.watch = () => {
    throw new Error("inotify watch limit reached");
  };
  const reported: SpoolError[] = [];
  await using reader = spool.reader("q", {
    pollIntervalMs: 20,
    onError: (error) => reported.push(error),
  });
  for (let i = 0; i < 3; i++) {
    const listed = fs.completedCount("list q");
    const waiting = reader.dequeue();
    // Listed empty: the entry can only come from a poll.
    await fs.completed("list q", listed + 1);
    await spool.enqueue("q", i, new Uint8Array());
    const job = await waiting;
    assert.equal(job?.metadata, i);
    await job?.remove();
  }
  assert.equal(reported.length, 1);
  assert.match(
    reported[0].message,
    /cannot watch .*inotify watch limit.*polling every 20 ms/,
  );
});

Deno.test("reader: a watcher that dies is replaced by polling", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  const breakWatch = Promise.withResolvers<void>();
  fs.watch = () => ({
    close() {},
    // deno-lint-ignore require-yield
    async *[Symbol.asyncIterator]() {
      await breakWatch.promise;
      throw new Error("watch stream broke");
    },
  });
  const reported = Promise.withResolvers<SpoolError>();
  let reports = 0;
  await using reader = spool.reader("q", {
    onError: (error) => {
      reports++;
      reported.resolve(error);
    },
  });
  const waiting = reader.dequeue();
  await fs.completed("list q", 1);
  breakWatch.resolve();
  const error = await reported.promise;
  assert.match(error.message, /watch stream broke.*polling every 1000 ms/);
  // It lists at once after the fallback, then polls: the entry comes from a
  // poll.
  await fs.completed("list q", 2);
  await spool.enqueue("q", "x", new Uint8Array());
  const job = await waiting;
  assert.equal(job?.metadata, "x");
  await job?.remove();
  assert.equal(reports, 1);
});

Deno.test("reader: an undecodable entry is reported once, left in place, and skipped without spinning", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const watcher = new ManualWatcher();
  const { fs, spool, quiet, listings } = await recordedSpool(dir, watcher);
  const bad = await spool.enqueue("q", "bad", new Uint8Array());
  await Deno.writeTextFile(`${dir}/q/${bad.name}`, "{not json");
  await spool.enqueue("q", "good", new Uint8Array());
  const reported: SpoolError[] = [];
  await using reader = spool.reader("q", {
    onError: (error) => reported.push(error),
  });
  const job = await reader.dequeue();
  assert.equal(job?.metadata, "good");
  await job?.remove();
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof DecodeError);
  assert.equal(reported[0].path, `${dir}/q/.checkout/${bad.name}`);
  // Waiting now: one listing per wake-up, and the bad entry is not retried.
  const checkout = `link q/${bad.name} -> q/.checkout/${bad.name}`;
  const tries = () => fs.ops.filter((op) => op === checkout).length;
  assert.equal(tries(), 1);
  const before = listings();
  const stop = new AbortController();
  const waiting = track(reader.dequeue({ signal: stop.signal }));
  // Nothing changed since its last listing: it waits without listing.
  await quiet();
  assert.equal(listings(), before, "no listing without a change");
  for (let wakeUps = 1; wakeUps <= 3; wakeUps++) {
    watcher.push();
    await fs.completed("list q", before + wakeUps);
    await quiet();
    assert.equal(listings(), before + wakeUps, "a listing per wake-up");
    assert.equal(waiting.settled(), false);
  }
  stop.abort();
  assert.equal(await waiting.promise, undefined);
  assert.equal(tries(), 1, "the bad entry was tried once");
  assert.equal(reported.length, 1);
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [bad.name]);
});

Deno.test("reader: a queue directory deleted under a waiting reader is an error, not a spin", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  const reported: SpoolError[] = [];
  await using reader = spool.reader("q", {
    pollIntervalMs: 20,
    onError: (error) => reported.push(error),
  });
  // Catch at once: the rejection may come while the removal is awaited.
  const waiting = reader.dequeue().catch((error) => error);
  await fs.completed("list q", 1);
  await Deno.remove(dir, { recursive: true });
  assert.ok(await waiting instanceof QueueNotFoundError);
  await assert.rejects(reader.dequeue(), QueueNotFoundError);
  await Deno.mkdir(dir);
});

Deno.test("reader: iter hands entries to several handlers at once with concurrency", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "done"] }, {
    durability: "relaxed",
  });
  for (let i = 0; i < 40; i++) await spool.enqueue("q", i, new Uint8Array());
  let active = 0;
  let peak = 0;
  let handled = 0;
  // The first handlers hold their entries until four run at once.
  const four = Promise.withResolvers<void>();
  const stop = new AbortController();
  await using reader = spool.reader("q");
  await reader.iter(async () => {
    active++;
    peak = Math.max(peak, active);
    if (active === 4) four.resolve();
    await four.promise;
    active--;
    if (++handled === 40) stop.abort();
    return { action: "save", queue: "done" };
  }, { signal: stop.signal, concurrency: 4 });
  assert.equal(peak, 4);
  assert.equal((await spool.list("done")).length, 40);
});

Deno.test("reader: iter with several handlers removing at once unlinks payloads and registry files in the thread pool, still metadata first, registry last", async () => {
  for (const concurrency of [1, 4]) {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const { fs, spool } = await recordedSpool(dir);
    const pooled: string[] = [];
    const removeAsync = fs.removeAsync.bind(fs);
    fs.removeAsync = (path) => {
      // Relative to the spool: `.data/NAME`, `.registry/NAME`.
      pooled.push(path.slice(dir.length + 1));
      return removeAsync(path);
    };
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      names.push((await spool.enqueue("q", i, new Uint8Array([i]))).name);
    }
    let handled = 0;
    // The handlers finish in rounds of `concurrency`, so that their
    // removals are in flight at once.
    let round: (() => void)[] = [];
    const together = () =>
      new Promise<void>((resolve) => {
        round.push(resolve);
        if (round.length < concurrency) return;
        for (const go of round) go();
        round = [];
      });
    const stop = new AbortController();
    await using reader = spool.reader("q");
    await reader.iter(async () => {
      await together();
      if (++handled === names.length) stop.abort();
      return { action: "remove" };
    }, { signal: stop.signal, concurrency });
    assert.deepEqual(tree(dir).filter((line) => !line.endsWith("/")), []);
    if (concurrency === 1) {
      assert.deepEqual(
        pooled,
        [],
        "one removal at a time: synchronous unlinks",
      );
      continue;
    }
    assert.deepEqual(
      pooled.toSorted(),
      names.flatMap((name) => [`.data/${name}`, `.registry/${name}`])
        .toSorted(),
    );
    // Each entry's unlinks in the protocol's order.
    for (const name of names) {
      const unlinks = fs.ops.filter((op) =>
        op.startsWith("unlink ") && op.endsWith(name) &&
        !op.startsWith(`unlink q/${name}`)
      );
      assert.deepEqual(unlinks, [
        `unlink q/.checkout/${name}`,
        `unlink .data/${name}`,
        `unlink .registry/${name}`,
      ]);
    }
  }
});

Deno.test("reader: an entry its handler puts back in the same queue is taken again (the claim's own event does not hide it)", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await numbersSpool(dir);
  // The reader waits on the empty queue with its watch running, so that
  // every claim below is one whose unlink the watch reports.
  await using reader = spool.reader("q");
  const stop = new AbortController();
  const attempts = new Map<number, number>();
  const iterating = reader.iter((i) => {
    const n = (attempts.get(i) ?? 0) + 1;
    attempts.set(i, n);
    if (n < 5) return { action: "save", queue: "q" };
    if (attempts.size === 3 && [...attempts.values()].every((a) => a === 5)) {
      stop.abort();
    }
    return { action: "remove" };
  }, { signal: stop.signal });
  for (let i = 0; i < 3; i++) await spool.enqueue("q", i, new Uint8Array());
  await iterating;
  assert.deepEqual([...attempts.values()], [5, 5, 5]);
  assert.deepEqual(await spool.list("q"), []);
});

Deno.test("reader: a backlog pauses the watch; it starts again before the next listing, which has what came meanwhile", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const fs = new RecordingFileSystem(dir);
  const spool = await openSpool(fs, dir, {
    queues: ["q"],
    metadata: jsonMetadata<string>(),
  }, { createIfMissing: true, durability: "relaxed" });
  const backlog = 300;
  await spool.enqueueMany(
    "q",
    Array.from({ length: backlog }, (_, i) => ({
      metadata: `old ${i}`,
      data: new Uint8Array(),
    })),
  );
  const seen: string[] = [];
  const stop = new AbortController();
  await using reader = spool.reader("q");
  const iterating = reader.iter(async (m) => {
    seen.push(m);
    // Arrives while the watch is paused: no event tells of it.
    if (m === "old 0") await spool.enqueue("q", "during", new Uint8Array());
    if (m === "after") stop.abort();
    return { action: "remove" };
  }, { signal: stop.signal });
  // The listing after the backlog, made with the watch started again.
  await fs.completed("list q", 2);
  assert.equal(fs.completedCount("watch q"), 2);
  // Taken from that listing; then the reader waits on the watch, which
  // alone can tell it of the next arrival.
  await spool.enqueue("q", "after", new Uint8Array());
  await iterating;
  assert.equal(seen.length, backlog + 2);
  assert.deepEqual(seen.slice(-2), ["during", "after"]);
  assert.deepEqual(await spool.list("q"), []);
});

Deno.test("reader: a handler that throws puts its entry back and stops iter", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const entry = await spool.enqueue("q", "x", new Uint8Array());
  const before = tree(dir);
  await using reader = spool.reader("q");
  await assert.rejects(
    reader.iter(() => {
      throw new Error("handler failed");
    }),
    /handler failed/,
  );
  assert.deepEqual(tree(dir), before);
  await assert.rejects(
    reader.iter(() => ({ action: "save", queue: "nope" as "q" })),
    QueueNotFoundError,
  );
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [entry.name]);
});

Deno.test("reader: iterAvailable makes one pass; dequeueAvailable does not wait", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "done"] });
  await using reader = spool.reader("q");
  assert.equal(await reader.dequeueAvailable(), undefined);
  for (let i = 0; i < 5; i++) await spool.enqueue("q", i, new Uint8Array());
  const seen: unknown[] = [];
  await reader.iterAvailable(async (m) => {
    seen.push(m);
    // Arrives during the pass: left for the next one.
    if (seen.length === 1) await spool.enqueue("q", 99, new Uint8Array());
    return { action: "save", queue: "done" };
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  const job = await reader.dequeueAvailable();
  assert.equal(job?.metadata, 99);
  await job?.remove();
  assert.equal(await reader.dequeueAvailable(), undefined);
});

Deno.test("reader: readers in one process share a backlog, each entry once", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
  const n = 600;
  for (let i = 0; i < n; i++) await spool.enqueue("q", i, new Uint8Array());
  const seen: number[] = [];
  const readers = Array.from({ length: 4 }, () => spool.reader("q"));
  await Promise.all(readers.map(async (reader) => {
    for (;;) {
      const job = await reader.dequeueAvailable();
      if (job === undefined) return;
      seen.push(job.metadata as number);
      await job.remove();
    }
  }));
  for (const reader of readers) await reader.close();
  assert.equal(seen.length, n);
  assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(n).keys()]);
});

Deno.test("reader: a queue longer than its listing limit is handed out in order, listed in parts, with no event needed", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A watch that never tells: the parts after the first are listed
  // because the reader knows there are more.
  const { spool, listings } = await recordedSpool(dir, new ManualWatcher());
  for (let i = 0; i < 10; i++) await spool.enqueue("q", i, new Uint8Array());
  await using reader = spool.reader("q", { listingLimit: 3 });
  const seen: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    const job = await reader.dequeue();
    seen.push(job?.metadata);
    await job?.remove();
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(listings(), 4, "parts of 3, 3, 3 and 1");
  assert.equal(await reader.dequeueAvailable(), undefined);
});

Deno.test("reader: iterAvailable over a queue longer than its listing limit makes one pass in order; arrivals wait for the next", async () => {
  await using tmp = await tempDir();
  const spool = await Spool.create(tmp.path, {
    queues: ["q", "done"],
    metadata: jsonMetadata<number>(),
  }, { durability: "relaxed" });
  for (let i = 0; i < 10; i++) await spool.enqueue("q", i, new Uint8Array());
  await using reader = spool.reader("q", { listingLimit: 3 });
  const seen: number[] = [];
  await reader.iterAvailable(async (m) => {
    seen.push(m);
    // Arrives during the pass, after every name of it: left for the next.
    if (seen.length === 1) await spool.enqueue("q", 99, new Uint8Array());
    return { action: "save", queue: "done" };
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const next: number[] = [];
  await reader.iterAvailable((m) => {
    next.push(m);
    return { action: "remove" };
  });
  assert.deepEqual(next, [99]);
});

Deno.test("reader: entries not due yet fill no listing: the due ones behind a listing limit's worth of them are found", async () => {
  await using tmp = await tempDir();
  const spool = await numbersSpool(tmp.path);
  for (let i = 0; i < 5; i++) {
    await spool.enqueue("q", 100 + i, new Uint8Array(), { delay: 3_600_000 });
  }
  for (let i = 0; i < 2; i++) await spool.enqueue("q", i, new Uint8Array());
  await using reader = spool.reader("q", { listingLimit: 2 });
  const seen: unknown[] = [];
  for (;;) {
    const job = await reader.dequeueAvailable();
    if (job === undefined) break;
    seen.push(job.metadata);
    await job.remove();
  }
  assert.deepEqual(seen, [0, 1]);
  const waiting: unknown[] = [];
  await reader.iterAvailable((m) => {
    waiting.push(m);
    return { action: "remove" };
  });
  assert.deepEqual(waiting, [], "the delayed entries are not handed out");
  assert.equal((await spool.list("q")).length, 5);
});

Deno.test("reader: a listing limit must be a positive integer", async () => {
  await using tmp = await tempDir();
  const spool = await numbersSpool(tmp.path);
  for (const listingLimit of [0, 1.5, -3]) {
    assert.throws(() => spool.reader("q", { listingLimit }), RangeError);
  }
});
