// The library shares its process's event loop: a burst of producers and a
// drain let timers and a reader in the same process run meanwhile. Progress is asserted, never a duration: how many entries
// go by, at most, between two ticks of a timer.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const payload = new Uint8Array(16);

/**
 * Runs `work`, which counts what it does in `done.count`, beside a 1 ms
 * timer; returns the most entries done between two ticks (or before the
 * first, or after the last).
 */
async function mostBetweenTicks(
  work: (done: { count: number }) => Promise<unknown>,
): Promise<number> {
  const done = { count: 0 };
  let atLastTick = 0;
  let most = 0;
  const tick = () => {
    most = Math.max(most, done.count - atLastTick);
    atLastTick = done.count;
  };
  const timer = setInterval(tick, 1);
  try {
    await work(done);
  } finally {
    clearInterval(timer);
  }
  tick();
  return most;
}

async function relaxedSpool(dir: string) {
  return await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
}

/** A relaxed spool with `entries` waiting in q, enqueued 500 at a time. */
async function withBacklog(dir: string, entries: number) {
  const spool = await relaxedSpool(dir);
  for (let i = 0; i < entries; i += 500) {
    await spool.enqueueMany(
      "q",
      Array.from({ length: 500 }, () => ({ metadata: {}, data: payload })),
    );
  }
  return spool;
}

Deno.test("fairness: timers run during a burst of relaxed enqueues by four producers", async () => {
  await using dir = await tempDir();
  const spool = await relaxedSpool(dir.path);
  const most = await mostBetweenTicks((done) =>
    Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 1000; i++) {
        await spool.enqueue("q", {}, payload);
        done.count++;
      }
    }))
  );
  assert.ok(most < 2000, `${most} of 4,000 entries made without a tick`);
});

Deno.test("fairness: a reader in the producers' process handles entries before they stop", async () => {
  await using dir = await tempDir();
  const spool = await relaxedSpool(dir.path);
  let producing = true;
  let handledWhileProducing = 0;
  let handled = 0;
  const stop = new AbortController();
  await using reader = spool.reader("q");
  const reading = reader.iter(() => {
    handled++;
    if (producing) handledWhileProducing++;
    return { action: "remove" };
  }, { signal: stop.signal });
  const total = 2000;
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < total / 4; i++) await spool.enqueue("q", {}, payload);
  }));
  producing = false;
  while (handled < total) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await reading;
  assert.ok(
    handledWhileProducing > 0,
    "the reader handled nothing until the producers stopped",
  );
});

Deno.test("fairness: timers run while a backlog is drained", async () => {
  await using dir = await tempDir();
  const spool = await withBacklog(dir.path, 4000);
  await using reader = spool.reader("q");
  const most = await mostBetweenTicks(async (done) => {
    for (;;) {
      const job = await reader.dequeueAvailable();
      if (job === undefined) return;
      await job.remove();
      done.count++;
    }
  });
  assert.ok(most < 2000, `${most} of 4,000 entries drained without a tick`);
});

Deno.test("fairness: handlers at once share one reader while it gives turns, each entry once", async () => {
  await using dir = await tempDir();
  const spool = await withBacklog(dir.path, 3000);
  const seen = new Set<string>();
  const errors: unknown[] = [];
  const stop = new AbortController();
  await using reader = spool.reader("q", { onError: (e) => errors.push(e) });
  await reader.iter((_m, _d, job) => {
    assert.ok(!seen.has(job.name), `${job.name} handed out twice`);
    seen.add(job.name);
    if (seen.size === 3000) stop.abort();
    return { action: "remove" };
  }, { signal: stop.signal, concurrency: 8 });
  assert.equal(seen.size, 3000);
  assert.deepEqual(errors, []);
});
