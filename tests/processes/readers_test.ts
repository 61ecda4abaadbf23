// Readers and producers in separate processes: order, wake-ups across
// processes, and every entry exactly once with many of each.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { listCheckoutsUnsafe } from "../../expert.ts";
import {
  lines,
  runDeno,
  scopedTo,
  startDeno,
  untilOutput,
} from "../_helpers/children.ts";
import { recordedSpool } from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

Deno.test("reader: entries from a producer process arrive in its order", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
  await using reader = spool.reader("q");
  const producer = startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    "tests/processes/fixtures/producer.ts",
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

Deno.test("reader: a waiting reader wakes for an entry from another process", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  await using reader = spool.reader("q");
  const waiting = reader.dequeue();
  // It found the queue empty: from now on only a wake-up can bring the entry.
  await fs.completed("list q", 1);
  const result = await runDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    "tests/processes/fixtures/producer.ts",
    dir,
    "1",
    "p",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const job = await waiting;
  assert.equal(job?.name, lines(result.stdout)[0]);
  assert.ok(fs.completedCount("list q") >= 2, "woken, it listed again");
  await job?.remove();
});

/**
 * Producer processes, then consumer processes (each `consumers` item is the
 * arguments of one after the spool: CONCURRENCY [POLL_MS CALLS]), drain
 * `dir`; every entry is handled once and nothing is left.
 */
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
      "tests/processes/fixtures/consumer.ts",
      dir,
      ...concurrency.split(" "),
    ])
  );
  const produced = await Promise.all(
    Array.from({ length: producers }, (_, id) =>
      runDeno([
        "run",
        "--quiet",
        ...scoped,
        "tests/processes/fixtures/producer.ts",
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
  // Each consumer prints "ready", then one line per entry it handled. No
  // polling anywhere: if a consumer slept through an arrival, the count would
  // stop short and this wait would give up.
  const handledSoFar = () =>
    consuming.reduce(
      (sum, c) => sum + c.lines().filter((l) => l !== "ready").length,
      0,
    );
  await untilOutput(
    consuming,
    () => handledSoFar() >= acknowledged.length,
    "every acknowledged entry handled",
  );
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
  assert.deepEqual(await spool.list("q"), []);
  assert.deepEqual(await listCheckoutsUnsafe(spool, "q"), []);
  assert.deepEqual(tree(dir).filter((l) => !l.endsWith("/")), []);
}

Deno.test("reader: no missed wake-up with one consumer process and two producers", async () => {
  await using tmp = await tempDir();
  await drainWithProcesses(tmp.path, 2, 1500, ["1"]);
});

Deno.test("reader: many producer and consumer processes, every entry exactly once", async () => {
  await using tmp = await tempDir();
  // One consumer makes its calls on the thread pool, as on a network file
  // system: its claims and removals interleave with each other.
  await drainWithProcesses(tmp.path, 3, 1000, ["1", "1", "3 - off-thread"]);
});
