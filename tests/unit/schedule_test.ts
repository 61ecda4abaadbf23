// Delayed entries, retries with backoff, dead letters and poison entries,
// in one process. (Across processes: tests/processes/schedule_test.ts.)

import assert from "node:assert/strict";
import {
  DiskFullError,
  EncodeError,
  jsonMetadata,
  Monitor,
  NotDueError,
  type SpoolError,
} from "../../mod.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openSpool } from "../../src/spool.ts";
import { Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { RecordingFileSystem } from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

type Q = "in" | "dead" | "damaged";
const queues: Q[] = ["in", "dead", "damaged"];

async function open(dir: string) {
  return await Spool.create(dir, {
    queues,
    metadata: jsonMetadata<{ n: number }>(),
  });
}

/** A spool with one entry waiting in `in`: `{ n: 1 }`, an empty payload. */
async function oneWaiting(dir: string) {
  const spool = await open(dir);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array());
  return { spool, entry };
}

Deno.test("delay: an entry is not handed out before its due time, then at once to a waiting reader", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const delay = 300;
  const asked = Date.now();
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array(), {
    delay,
  });
  const due = await entry.direct.readDue();
  assert.ok(due !== undefined && due.getTime() >= asked + delay);
  await using reader = spool.reader("in");
  assert.equal(await reader.dequeueAvailable(), undefined);
  // Waits (no event comes): the reader wakes itself when it is due.
  const job = await reader.dequeue();
  const got = Date.now();
  assert.ok(job !== undefined);
  assert.ok(got >= due.getTime(), `${got} < ${due.getTime()}`);
  await job.remove();
});

Deno.test("delay: `at` in the past is now; bad options are refused and write nothing", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const past = await spool.enqueue("in", { n: 1 }, new Uint8Array(), {
    at: new Date(Date.now() - 60_000),
  });
  assert.equal(await past.direct.readDue(), undefined);
  await assert.rejects(
    spool.enqueue("in", { n: 2 }, new Uint8Array(), {
      delay: 1,
      at: new Date(),
    }),
    TypeError,
  );
  await assert.rejects(
    spool.enqueue("in", { n: 2 }, new Uint8Array(), { delay: -1 }),
    RangeError,
  );
  await assert.rejects(
    spool.enqueue("in", { n: 2 }, new Uint8Array(), { at: new Date(NaN) }),
    RangeError,
  );
  assert.equal((await spool.list("in")).length, 1);
  assert.equal([...Deno.readDirSync(`${dir.path}/.registry`)].length, 1);
});

Deno.test("delay: entries are handed out in due order, the ready ones first", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const now = Date.now();
  await spool.enqueue("in", { n: 3 }, new Uint8Array(), {
    at: new Date(now + 400),
  });
  await spool.enqueue("in", { n: 2 }, new Uint8Array(), {
    at: new Date(now + 200),
  });
  await spool.enqueue("in", { n: 1 }, new Uint8Array());
  const seen: number[] = [];
  await using reader = spool.reader("in");
  for (let i = 0; i < 3; i++) {
    const job = (await reader.dequeue())!;
    seen.push(job.metadata.n);
    await job.remove();
  }
  assert.deepEqual(seen, [1, 2, 3]);
});

Deno.test("delay: making an entry due wakes a waiting reader; checkout of a delayed entry says when", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array(), {
    delay: 3_600_000,
  });
  const error = await checkout(spool, entry).catch((e) => e);
  assert.ok(error instanceof NotDueError);
  assert.ok(error.due.getTime() > Date.now() + 3_500_000);
  assert.deepEqual(
    await spool.tryWithEntry(entry, () => ({ action: "remove" })),
    {
      found: false,
    },
  );
  await using reader = spool.reader("in");
  const waiting = reader.dequeue();
  // Once the reader has met the entry and gone to sleep, make it due.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!Deno.readDirSync(`${dir.path}/in/.checkout`).some(() => true)) break;
  }
  const had = await entry.direct.makeDue();
  assert.ok(had !== undefined);
  const job = await waiting;
  assert.equal(job?.name, entry.name);
  await job!.remove();
  assert.equal(
    await spool.entry("in", "gone").direct.readDue().catch((e) => e.name),
    "EntryNotFoundError",
  );
});

Deno.test("delay: a due time moved earlier, still ahead, wakes a waiting reader at the new time", async () => {
  await using dir = await tempDir();
  const fs = new RecordingFileSystem(dir.path);
  const spool = await openSpool(fs, dir.path, {
    queues,
    metadata: jsonMetadata<{ n: number }>(),
  }, { createIfMissing: true });
  const { name } = await spool.enqueue("in", { n: 1 }, new Uint8Array(), {
    delay: 60_000,
  });
  await using reader = spool.reader("in");
  const waiting = reader.dequeue();
  // The reader met the entry, learnt its due time, and waits for it.
  await fs.completed(`link in/${name} -> in/.checkout/${name}`, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Another process moves its due time to a moment from now.
  const soon = new Date(Date.now() + 300);
  Deno.utimeSync(`${dir.path}/in/${name}`, soon, soon);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("not taken by its new due time")),
      10_000,
    );
  });
  try {
    const job = await Promise.race([waiting, late]);
    assert.equal(job?.name, name);
    assert.ok(Date.now() >= soon.getTime() - 5, "not before its due time");
    await job?.remove();
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("delay: a delayed enqueue killed before its rename is cleared once older than the tmp limit, not at its due time", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  // A producer wrote the entry's files, dated .tmp/NAME with its due time a
  // year ahead, and was killed before the rename that publishes it.
  const name = await spool.reserveName(undefined);
  const yearAhead = new Date(Date.now() + 365 * 86_400_000);
  Deno.writeFileSync(`${dir.path}/.data/${name}`, new Uint8Array([1]));
  Deno.writeTextFileSync(`${dir.path}/.tmp/${name}`, '{"n":1}');
  Deno.utimeSync(`${dir.path}/.tmp/${name}`, yearAhead, yearAhead);
  // Its change time says when it was written (it cannot be set back by
  // hand): limits of 0 stand for "a while ago".
  const monitor = await Monitor.create(dir.path, {
    limits: { maxTmpFileAgeMs: 0, workInProgressMs: 0 },
  });
  const problems = await monitor.runOnce();
  assert.ok(
    problems.some((p) => p.kind === "too-old" && p.dirs[0] === "tmp"),
    JSON.stringify(problems),
  );
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["delete-leftovers"]);
  assert.deepEqual(report.leftAlone, []);
  for (const sub of [".registry", ".data", ".tmp"]) {
    assert.deepEqual([...Deno.readDirSync(`${dir.path}/${sub}`)], [], sub);
  }
});

Deno.test("delay: rewriting a delayed entry's metadata keeps its due time; the monitor does not call it old", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array(), {
    delay: 3_600_000,
  });
  const due = await entry.direct.readDue();
  await entry.direct.writeMetadata({ n: 2 });
  assert.deepEqual(await entry.direct.readDue(), due);
  const monitor = await Monitor.create(dir.path, {
    limits: { maxQueueAgesMs: { in: 1 } },
  });
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("retry: a failing handler's attempts are counted with backoff, then dead-lettered with its errors", async () => {
  await using dir = await tempDir();
  const { spool, entry } = await oneWaiting(dir.path);
  await spool.enqueue("in", { n: 2 }, new Uint8Array());
  const handled: number[] = [];
  await using reader = spool.reader("in", {
    retry: { maxAttempts: 3, backoff: [20, 40], deadLetter: "dead" },
  });
  const stop = new AbortController();
  let failures = 0;
  await reader.iter((metadata) => {
    handled.push(metadata.n);
    if (metadata.n === 1) {
      if (++failures === 3) setTimeout(() => stop.abort(), 0);
      throw new Error(`attempt ${failures} failed`);
    }
    return { action: "remove" };
  }, { signal: stop.signal });
  // The healthy entry behind it was not held up.
  assert.deepEqual(handled.slice(0, 2), [1, 2]);
  assert.deepEqual(handled.filter((n) => n === 1).length, 3);
  const [dead] = await spool.list("dead");
  assert.equal(dead.name, entry.name);
  const history = await dead.direct.readHistory();
  assert.equal(history.attempts, 3);
  assert.deepEqual(
    history.failures.map((f) => [f.kind, f.queue, f.message]),
    [1, 2, 3].map((i) => ["error", "in", `Error: attempt ${i} failed`]),
  );
  assert.deepEqual(await spool.list("in"), []);
});

Deno.test("retry: a retry outcome waits as asked and counts; without a policy it uses the default backoff", async () => {
  await using dir = await tempDir();
  const { spool, entry } = await oneWaiting(dir.path);
  await spool.withEntry(entry, () => ({
    action: "retry",
    delay: 60_000,
    error: "451 greylisted",
    metadata: { n: 2 },
  }));
  const due = (await entry.direct.readDue())!;
  assert.ok(due.getTime() > Date.now() + 50_000);
  assert.deepEqual(await entry.direct.readMetadata(), { n: 2 });
  const history = await entry.direct.readHistory();
  assert.equal(history.attempts, 1);
  assert.equal(history.failures[0].message, "451 greylisted");
  await entry.direct.makeDue();
  await spool.withEntry(entry, () => ({ action: "retry" }));
  const again = (await entry.direct.readDue())!;
  // The default backoff: a second failure waits about 2 s (±20 %).
  assert.ok(again.getTime() > Date.now() + 1000, String(again));
  assert.equal((await entry.direct.readHistory()).attempts, 2);
});

Deno.test("retry: saving to a queue with a delay does not count an attempt", async () => {
  await using dir = await tempDir();
  const { spool, entry } = await oneWaiting(dir.path);
  await spool.withEntry(entry, () => ({
    action: "save",
    queue: "dead",
    delay: 60_000,
  }));
  const moved = spool.entry("dead", entry.name);
  assert.ok((await moved.direct.readDue())! > new Date());
  assert.equal((await moved.direct.readHistory()).attempts, 0);
});

Deno.test("poison: garbage metadata, a missing payload and a throwing handler do not stop the queue", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const throws = await spool.enqueue("in", { n: 0 }, new Uint8Array([1]));
  const garbage = await spool.enqueue("in", { n: 0 }, new Uint8Array([2]));
  const noPayload = await spool.enqueue("in", { n: 0 }, new Uint8Array([3]));
  for (let n = 1; n <= 5; n++) {
    await spool.enqueue("in", { n }, new Uint8Array([n]));
  }
  Deno.writeTextFileSync(`${dir.path}/in/${garbage.name}`, "{not json");
  Deno.removeSync(`${dir.path}/.data/${noPayload.name}`);
  const reported: SpoolError[] = [];
  const handled: number[] = [];
  await using reader = spool.reader("in", {
    retry: { maxAttempts: 1, deadLetter: "dead" },
    poison: { queue: "damaged" },
    onError: (error) => reported.push(error),
  });
  await reader.iterAvailable(async (metadata, data, job) => {
    await data.load();
    if (job.name === throws.name) throw new Error("always");
    handled.push(metadata.n);
    return { action: "remove" };
  });
  assert.deepEqual(handled, [1, 2, 3, 4, 5]);
  assert.deepEqual((await spool.list("dead")).map((e) => e.name), [
    throws.name,
  ]);
  assert.deepEqual(
    (await spool.list("damaged")).map((e) => e.name),
    [garbage.name, noPayload.name],
  );
  const reasons = await Promise.all(
    (await spool.list("damaged")).map(async (e) =>
      (await e.direct.readHistory()).failures.map((f) => f.kind)
    ),
  );
  assert.deepEqual(reasons, [["damaged"], ["damaged"]]);
  assert.equal(reported.length, 2);
  assert.deepEqual(await spool.list("in"), []);
});

Deno.test("poison: by default a damaged entry is reported and skipped, and stays where it is", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const noPayload = await spool.enqueue("in", { n: 0 }, new Uint8Array());
  await spool.enqueue("in", { n: 1 }, new Uint8Array());
  Deno.removeSync(`${dir.path}/.data/${noPayload.name}`);
  Deno.symlinkSync("/etc/hostname", `${dir.path}/.data/${noPayload.name}`);
  const reported: string[] = [];
  await using reader = spool.reader("in", {
    onError: (error) => reported.push(error.message),
  });
  const handled: number[] = [];
  const stop = new AbortController();
  await reader.iter(async (metadata, data) => {
    await data.load();
    handled.push(metadata.n);
    stop.abort();
    return { action: "remove" };
  }, { signal: stop.signal });
  assert.deepEqual(handled, [1]);
  assert.equal(reported.length, 1);
  assert.match(reported[0], /not a regular file/);
  assert.deepEqual((await spool.list("in")).map((e) => e.name), [
    noPayload.name,
  ]);
});

Deno.test("retry: an attempt abandoned by a dead consumer counts; spent attempts go to the dead letters", async () => {
  await using dir = await tempDir();
  const { spool, entry } = await oneWaiting(dir.path);
  // A consumer takes it and dies; repair finds the checkout stale.
  await checkout(spool, entry);
  const old = new Date(Date.now() - 3_600_000);
  Deno.utimeSync(`${dir.path}/in/.checkout/${entry.name}`, old, old);
  const monitor = await Monitor.create(dir.path);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"]);
  const history = await entry.direct.readHistory();
  assert.equal(history.attempts, 1);
  assert.equal(history.failures[0].kind, "abandoned");
  await using reader = spool.reader("in", {
    retry: { maxAttempts: 1, deadLetter: "dead" },
  });
  assert.equal(await reader.dequeueAvailable(), undefined);
  assert.deepEqual((await spool.list("dead")).map((e) => e.name), [entry.name]);
});

Deno.test("delay: a due time the file system cannot keep is refused, leaving nothing", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  // ext4 and tmpfs date files up to 2446 at most.
  await assert.rejects(
    spool.enqueue("in", { n: 1 }, new Uint8Array(), {
      at: new Date("3000-01-01T00:00:00Z"),
    }),
    /cannot keep a due time/,
  );
  for (const sub of ["in", ".registry", ".data", ".tmp"]) {
    assert.deepEqual(
      [...Deno.readDirSync(`${dir.path}/${sub}`)].filter((i) => i.isFile),
      [],
      sub,
    );
  }
});

Deno.test("enqueueMany: all or nothing; a codec that refuses one writes nothing, a full disk midway leaves nothing", async () => {
  await using dir = await tempDir();
  const spool = await open(dir.path);
  const files = () =>
    ["in", ".registry", ".data", ".tmp"].flatMap((sub) =>
      [...Deno.readDirSync(`${dir.path}/${sub}`)].filter((i) => i.isFile)
        .map((i) => `${sub}/${i.name}`)
    );
  await assert.rejects(
    spool.enqueueMany("in", [
      { metadata: { n: 1 }, data: new Uint8Array() },
      { metadata: 1n as unknown as { n: number }, data: new Uint8Array() },
    ]),
    EncodeError,
  );
  assert.deepEqual(files(), []);
  let writes = 0;
  const fullAtTheFifth = () =>
    ++writes === 5
      ? Object.assign(new Error("No space left on device (os error 28)"), {
        code: "ENOSPC",
      })
      : undefined;
  const full: FileSystem = {
    ...realFileSystem,
    writeFile(path, content, options) {
      const error = fullAtTheFifth();
      if (error !== undefined) return Promise.reject(error);
      return realFileSystem.writeFile(path, content, options);
    },
    createFile(path, content) {
      const error = fullAtTheFifth();
      if (error !== undefined) return Promise.reject(error);
      return realFileSystem.createFile(path, content);
    },
  };
  const faulty = await openSpool(full, dir.path, {
    queues,
    metadata: jsonMetadata<{ n: number }>(),
  });
  await assert.rejects(
    faulty.enqueueMany(
      "in",
      [1, 2, 3, 4].map((n) => ({ metadata: { n }, data: new Uint8Array([n]) })),
    ),
    DiskFullError,
  );
  assert.deepEqual(files(), []);
  const entries = await faulty.enqueueMany(
    "in",
    [5, 6].map((n) => ({ metadata: { n }, data: new Uint8Array([n]) })),
  );
  assert.deepEqual(
    await Promise.all(entries.map((e) => e.direct.readMetadata())),
    [{ n: 5 }, { n: 6 }],
  );
});

Deno.test("retry: iterAvailable takes an entry again once its backoff has passed, on the same reader", async () => {
  await using dir = await tempDir();
  const { spool } = await oneWaiting(dir.path);
  await using reader = spool.reader("in", {
    retry: { maxAttempts: 3, backoff: [30], deadLetter: "dead" },
  });
  let calls = 0;
  const fail = () => {
    calls++;
    throw new Error("not yet");
  };
  await reader.iterAvailable(fail);
  assert.equal(calls, 1);
  // Not due yet: the reader knows it is delayed and skips it.
  await reader.iterAvailable(fail);
  assert.equal(calls, 1);
  const [entry] = await spool.list("in");
  const due = await entry.direct.readDue();
  while (due !== undefined && Date.now() <= due.getTime()) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await reader.iterAvailable(fail);
  assert.equal(calls, 2, "tried again as soon as it is due");
});

Deno.test("iter without a retry policy: the handler's error ends it, and onError names the option to set", async () => {
  await using dir = await tempDir();
  const { spool } = await oneWaiting(dir.path);
  const told: SpoolError[] = [];
  await using reader = spool.reader("in", { onError: (e) => told.push(e) });
  const thrown = new Error("smtp down");
  await assert.rejects(
    reader.iter(() => {
      throw thrown;
    }),
    (error) => error === thrown,
  );
  assert.equal(told.length, 1);
  assert.match(told[0].message, /retry: \{ maxAttempts, deadLetter \}/);
  assert.equal(told[0].cause, thrown);
  assert.equal((await spool.list("in")).length, 1, "back in its queue");
});
