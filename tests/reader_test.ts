// Queue readers: order, waiting, stopping, polling, damaged entries, and
// many producers and consumers in separate processes.

import assert from "node:assert/strict";
import {
  DecodeError,
  jsonMetadata,
  QueueNotFoundError,
  Spool,
  type SpoolError,
} from "../mod.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import type { DirWatcher } from "../src/fs.ts";
import { openSpool } from "../src/spool.ts";
import {
  lines,
  RecordingFileSystem,
  runDeno,
  scopedTo,
  startDeno,
  tree,
  waitFor,
  withTempDir,
} from "./_helpers.ts";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("reader: 1000 entries enqueued while a reader consumes them arrive in order", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, {
      queues: ["q"],
      metadata: jsonMetadata<number>(),
    }, { durability: "relaxed" });
    const n = 1000;
    const producer = (async () => {
      for (let i = 0; i < n; i++) {
        await spool.enqueue("q", i, new Uint8Array());
        if (i % 7 === 0) await tick();
      }
    })();
    const seen: number[] = [];
    const stop = new AbortController();
    await using reader = spool.reader("q");
    await reader.iter((i) => {
      seen.push(i);
      if (seen.length === n) stop.abort();
      return { action: "remove" };
    }, { signal: stop.signal });
    await producer;
    assert.deepEqual(seen, [...Array(n).keys()]);
    assert.deepEqual(await spool.list("q"), []);
  });
});

Deno.test("reader: entries from a producer process arrive in its order", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] }, {
      durability: "relaxed",
    });
    await using reader = spool.reader("q");
    const producer = startDeno([
      "run",
      "--quiet",
      ...scopedTo(dir),
      "tests/fixtures/producer.ts",
      dir,
      "500",
      "p",
    ]);
    const seen: string[] = [];
    for await (const job of reader) {
      seen.push(job.name);
      await job.remove();
      if (seen.length === 500) break;
    }
    const result = await producer.done();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(seen, lines(result.stdout));
  });
});

Deno.test("reader: aborting a wait on an empty queue stops it; the reader stays usable", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    await using reader = spool.reader("q");
    const stop = new AbortController();
    const waiting = reader.dequeue({ signal: stop.signal });
    await tick(50);
    stop.abort();
    assert.equal(await waiting, undefined);
    // An already aborted signal returns at once.
    assert.equal(await reader.dequeue({ signal: stop.signal }), undefined);
    // iter returns too.
    const iterStop = new AbortController();
    const iterating = reader.iter(() => ({ action: "remove" }), {
      signal: iterStop.signal,
    });
    await tick(20);
    iterStop.abort();
    await iterating;
    // The reader still works.
    await spool.enqueue("q", "later", new Uint8Array());
    const job = await reader.dequeue();
    assert.equal(job?.metadata, "later");
    await job?.remove();
  });
});

Deno.test("reader: close ends pending waits and async iteration", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    const reader = spool.reader("q");
    const waits = [reader.dequeue(), reader.dequeue()];
    const iterated: unknown[] = [];
    const iteration = (async () => {
      for await (const job of reader) iterated.push(job);
    })();
    await tick(30);
    await reader.close();
    assert.deepEqual(await Promise.all(waits), [undefined, undefined]);
    await iteration;
    assert.deepEqual(iterated, []);
    assert.equal(await reader.dequeue(), undefined);
    await reader.close();
  });
});

Deno.test("reader: a waiting reader wakes for an entry from another process", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    await using reader = spool.reader("q");
    const waiting = reader.dequeue();
    await tick(30);
    const result = await runDeno([
      "run",
      "--quiet",
      ...scopedTo(dir),
      "tests/fixtures/producer.ts",
      dir,
      "1",
      "p",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const job = await waiting;
    assert.equal(job?.name, lines(result.stdout)[0]);
    await job?.remove();
  });
});

Deno.test("reader: with watching off, polling delivers entries that raised no event", async () => {
  await withTempDir(async (dir) => {
    const fs = new RecordingFileSystem(dir);
    const spool = await openSpool(fs, dir, { queues: ["q"] }, {
      createIfMissing: true,
    });
    await using reader = spool.reader("q", {
      watch: false,
      pollIntervalMs: 20,
    });
    const waiting = reader.dequeue();
    await tick(50);
    const other = await Spool.load(dir, { queues: ["q"] });
    await other.enqueue("q", "polled", new Uint8Array());
    const job = await waiting;
    assert.equal(job?.metadata, "polled");
    await job?.remove();
    assert.ok(!fs.ops.some((op) => op.startsWith("watch")));
  });
});

Deno.test("reader: polling also runs alongside watching when asked", async () => {
  await withTempDir(async (dir) => {
    // A watcher that never reports anything, like NFS for remote writers.
    const fs = new RecordingFileSystem(dir);
    fs.watch = () => silentWatcher();
    const spool = await openSpool(fs, dir, { queues: ["q"] }, {
      createIfMissing: true,
    });
    await using reader = spool.reader("q", { pollIntervalMs: 20 });
    const waiting = reader.dequeue();
    await tick(30);
    await spool.enqueue("q", "x", new Uint8Array());
    const job = await waiting;
    assert.equal(job?.metadata, "x");
    await job?.remove();
  });
});

function silentWatcher(): DirWatcher {
  let end: () => void;
  const ended = new Promise<void>((resolve) => end = resolve);
  return {
    close: () => end(),
    // deno-lint-ignore require-yield
    async *[Symbol.asyncIterator]() {
      await ended;
    },
  };
}

Deno.test("reader: without watch support it polls, and says so once", async () => {
  await withTempDir(async (dir) => {
    const fs = new RecordingFileSystem(dir);
    fs.watch = () => {
      throw new Error("inotify watch limit reached");
    };
    const spool = await openSpool(fs, dir, { queues: ["q"] }, {
      createIfMissing: true,
    });
    const reported: SpoolError[] = [];
    await using reader = spool.reader("q", {
      pollIntervalMs: 20,
      onError: (error) => reported.push(error),
    });
    for (let i = 0; i < 3; i++) {
      const waiting = reader.dequeue();
      await tick(30);
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
});

Deno.test("reader: a watcher that dies is replaced by polling", async () => {
  await withTempDir(async (dir) => {
    const fs = new RecordingFileSystem(dir);
    fs.watch = () => ({
      close() {},
      // deno-lint-ignore require-yield
      async *[Symbol.asyncIterator]() {
        await tick(10);
        throw new Error("watch stream broke");
      },
    });
    const spool = await openSpool(fs, dir, { queues: ["q"] }, {
      createIfMissing: true,
    });
    const reported: SpoolError[] = [];
    await using reader = spool.reader("q", {
      onError: (error) => reported.push(error),
    });
    const waiting = reader.dequeue();
    await tick(50);
    await spool.enqueue("q", "x", new Uint8Array());
    const job = await waiting;
    assert.equal(job?.metadata, "x");
    await job?.remove();
    assert.equal(reported.length, 1);
    assert.match(
      reported[0].message,
      /watch stream broke.*polling every 1000 ms/,
    );
  });
});

Deno.test("reader: an undecodable entry is reported once, left in place, and skipped without spinning", async () => {
  await withTempDir(async (dir) => {
    const fs = new RecordingFileSystem(dir);
    const spool = await openSpool(fs, dir, { queues: ["q"] }, {
      createIfMissing: true,
    });
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
    // Waiting now: the bad entry is not retried in a loop.
    fs.clear();
    const stop = new AbortController();
    const waiting = reader.dequeue({ signal: stop.signal });
    await tick(200);
    stop.abort();
    assert.equal(await waiting, undefined);
    const listings = fs.ops.filter((op) => op === "list q").length;
    assert.ok(listings <= 3, `${listings} listings while waiting`);
    assert.equal(reported.length, 1);
    assert.deepEqual((await spool.list("q")).map((e) => e.name), [bad.name]);
  });
});

Deno.test("reader: a queue directory deleted under a waiting reader is an error, not a spin", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    const reported: SpoolError[] = [];
    await using reader = spool.reader("q", {
      pollIntervalMs: 20,
      onError: (error) => reported.push(error),
    });
    // Catch at once: the rejection may come while the removal is awaited.
    const waiting = reader.dequeue().catch((error) => error);
    await tick(30);
    await Deno.remove(dir, { recursive: true });
    assert.ok(await waiting instanceof QueueNotFoundError);
    await assert.rejects(reader.dequeue(), QueueNotFoundError);
    await Deno.mkdir(dir);
  });
});

Deno.test("reader: iter hands entries to several handlers at once with concurrency", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q", "done"] }, {
      durability: "relaxed",
    });
    for (let i = 0; i < 40; i++) await spool.enqueue("q", i, new Uint8Array());
    let active = 0;
    let peak = 0;
    let handled = 0;
    const stop = new AbortController();
    await using reader = spool.reader("q");
    await reader.iter(async () => {
      active++;
      peak = Math.max(peak, active);
      await tick(5);
      active--;
      if (++handled === 40) stop.abort();
      return { action: "save", queue: "done" };
    }, { signal: stop.signal, concurrency: 4 });
    assert.equal(peak, 4);
    assert.equal((await spool.list("done")).length, 40);
  });
});

Deno.test("reader: a handler that throws puts its entry back and stops iter", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("reader: iterAvailable makes one pass; dequeueAvailable does not wait", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("reader: readers in one process share a backlog, each entry once", async () => {
  await withTempDir(async (dir) => {
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
});

async function drainWithProcesses(
  dir: string,
  producers: number,
  perProducer: number,
  consumers: string[],
): Promise<void> {
  const spool = await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
  const scoped = scopedTo(dir);
  const consuming = consumers.map((concurrency) =>
    startDeno([
      "run",
      "--quiet",
      ...scoped,
      "tests/fixtures/consumer.ts",
      dir,
      concurrency,
    ])
  );
  const produced = await Promise.all(
    Array.from({ length: producers }, (_, id) =>
      runDeno([
        "run",
        "--quiet",
        ...scoped,
        "tests/fixtures/producer.ts",
        dir,
        String(perProducer),
        String(id),
      ])),
  );
  const acknowledged: string[] = [];
  for (const result of produced) {
    assert.equal(result.code, 0, result.stderr);
    acknowledged.push(...lines(result.stdout));
  }
  assert.equal(acknowledged.length, producers * perProducer);
  // No polling anywhere: if a consumer slept through an arrival, the queue
  // would stay non-empty and this wait would give up.
  await waitFor(async () =>
    (await spool.list("q")).length === 0 &&
    (await listCheckoutsUnsafe(spool, "q")).length === 0, "the queue to drain");
  const handled: string[] = [];
  for (const consumer of consuming) {
    const result = await consumer.stop();
    assert.equal(result.code, 0, result.stderr);
    const [ready, ...names] = lines(result.stdout);
    assert.equal(ready, "ready");
    handled.push(...names);
  }
  assert.equal(handled.length, acknowledged.length, "each entry handled once");
  assert.deepEqual(new Set(handled), new Set(acknowledged));
  assert.deepEqual(tree(dir).filter((l) => !l.endsWith("/")), []);
}

Deno.test("reader: no missed wake-up with one consumer process and two producers", async () => {
  await withTempDir((dir) => drainWithProcesses(dir, 2, 1500, ["1"]));
});

Deno.test("reader: many producer and consumer processes, every entry exactly once", async () => {
  await withTempDir((dir) => drainWithProcesses(dir, 3, 1000, ["1", "1", "3"]));
});
