// Damage the monitor reports and repair fixes: a payload deleted, a symbolic
// link planted as an entry or a payload, metadata the codec rejects, one
// entry in two places as two different files. And errors that leave the
// library are spool errors.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import { checkout } from "../../expert.ts";
import { summary } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const NOW = { limits: { workInProgressMs: 0 } };

async function open(dir: string) {
  return await Spool.create(dir, {
    queues: ["in", "damaged"],
    metadata: jsonMetadata<{ n: number }>(),
  });
}

/** A spool with queues a and b, and one entry (`{ n: 1 }`, payload 7) in a. */
async function oneEntryInA(dir: string) {
  const spool = await Spool.create(dir, {
    queues: ["a", "b"],
    metadata: jsonMetadata<{ n: number }>(),
  });
  const entry = await spool.enqueue("a", { n: 1 }, new Uint8Array([7]));
  return { spool, entry, name: entry.name };
}

/** Takes every entry of a, then of b, once: each described by `handled`. */
async function consumeAll(
  spool: Awaited<ReturnType<typeof oneEntryInA>>["spool"],
  handled: (
    queue: string,
    job: { name: string; metadata: { n: number } },
  ) => string,
): Promise<string[]> {
  const taken: string[] = [];
  for (const queue of ["a", "b"] as const) {
    await using consumer = spool.reader(queue);
    for (;;) {
      const job = await consumer.dequeueAvailable();
      if (job === undefined) break;
      taken.push(handled(queue, job));
      await job.remove();
    }
  }
  return taken;
}

Deno.test("damage: a missing payload is reported, left with advice, or moved aside with its reason", async () => {
  await using tmp = await tempDir();
  const spool = await open(tmp.path);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array([1]));
  Deno.removeSync(`${tmp.path}/.data/${entry.name}`);
  const monitor = await Monitor.create(tmp.path, NOW);
  const [problem, ...rest] = await monitor.runOnce();
  assert.deepEqual(rest, []);
  assert.deepEqual(summary([problem]), [`damaged ${entry.name} in`]);
  assert.match(problem.reason!, /payload is missing/);
  const plan = await monitor.repair({ dryRun: false });
  assert.deepEqual(plan.actions, []);
  assert.match(plan.leftAlone[0].reason, /damagedTo/);
  const report = await monitor.repair({ dryRun: false, damagedTo: "damaged" });
  assert.deepEqual(
    report.actions.map((a) => `${a.kind} ${a.name}`),
    [`move-damaged ${entry.name}`],
  );
  const moved = spool.entry("damaged", entry.name);
  const history = await moved.direct.readHistory();
  assert.equal(history.failures[0].kind, "damaged");
  assert.match(history.failures[0].message, /payload is missing/);
  // Still damaged where it is now, but out of the consumers' way: in
  // quarantine, not a problem.
  assert.deepEqual(await monitor.runOnce(), []);
  const { quarantined } = await monitor.check();
  assert.deepEqual(quarantined.map((q) => q.queue), ["damaged"]);
  await assert.rejects(
    monitor.repair({ damagedTo: "nowhere" }),
    RangeError,
  );
});

Deno.test("damage: symbolic links planted as an entry or a payload are reported; repair unlinks the planted entry, never its target", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await open(dir);
  const target = `${dir}/../target-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(target, '{"n":666}');
  try {
    Deno.writeTextFileSync(`${dir}/.registry/planted`, "");
    Deno.symlinkSync(target, `${dir}/in/planted`);
    const linked = await spool.enqueue("in", { n: 2 }, new Uint8Array([2]));
    Deno.removeSync(`${dir}/.data/${linked.name}`);
    Deno.symlinkSync(target, `${dir}/.data/${linked.name}`);
    const monitor = await Monitor.create(dir, NOW);
    const problems = await monitor.runOnce();
    assert.deepEqual(
      summary(problems).sort(),
      [
        `damaged ${linked.name} in`,
        "damaged planted in",
      ].sort(),
    );
    assert.match(
      problems.find((p) => p.name === linked.name)!.reason!,
      /not a regular file/,
    );
    const report = await monitor.repair({ dryRun: false });
    assert.ok(
      report.actions.some((a) =>
        a.kind === "remove-link" && a.name === "planted"
      ),
    );
    assert.equal(Deno.readTextFileSync(target), '{"n":666}');
    assert.throws(() => Deno.lstatSync(`${dir}/in/planted`));
    // A reader never follows the planted payload.
    const reported: string[] = [];
    await using reader = spool.reader("in", {
      onError: (e) => reported.push(e.message),
    });
    await reader.iterAvailable(async (_m, data) => {
      await data.load();
      return { action: "remove" };
    });
    assert.match(reported.join("\n"), /not a regular file/);
  } finally {
    Deno.removeSync(target);
  }
});

Deno.test("damage: metadata the codec rejects is reported when the monitor is given the codec", async () => {
  await using tmp = await tempDir();
  const spool = await open(tmp.path);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array());
  Deno.writeTextFileSync(`${tmp.path}/in/${entry.name}`, '{"n":');
  assert.deepEqual(await (await Monitor.create(tmp.path, NOW)).runOnce(), []);
  const monitor = await Monitor.create(tmp.path, {
    ...NOW,
    metadata: jsonMetadata(),
  });
  const [problem] = await monitor.runOnce();
  assert.equal(problem.kind, "damaged");
  assert.match(problem.reason!, /cannot decode/);
  const report = await monitor.repair({ dryRun: false, damagedTo: "damaged" });
  assert.deepEqual(report.actions.map((a) => a.kind), ["move-damaged"]);
  assert.equal(
    Deno.readTextFileSync(`${tmp.path}/damaged/${entry.name}`),
    '{"n":',
  );
});

Deno.test("damage: one entry in two places as two files is split, each copy keeping a payload", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, entry } = await oneEntryInA(dir);
  Deno.writeTextFileSync(`${dir}/b/${entry.name}`, '{"n":2}');
  const monitor = await Monitor.create(dir, NOW);
  const [problem] = await monitor.runOnce();
  assert.equal(problem.kind, "duplicated");
  assert.equal(problem.sameFile, undefined);
  const report = await monitor.repair({ dryRun: false });
  assert.equal(report.actions.length, 1);
  const [split] = report.actions;
  assert.equal(split.kind, "split-duplicate");
  assert.deepEqual(await monitor.runOnce(), []);
  const copies = [...await spool.list("a"), ...await spool.list("b")];
  assert.equal(copies.length, 2);
  // Removing one copy no longer takes the other's payload.
  await spool.withEntry(copies[0], () => ({ action: "remove" }));
  const [left] = [...await spool.list("a"), ...await spool.list("b")];
  assert.deepEqual(await left.direct.dataFile().load(), new Uint8Array([7]));
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("damage: a copy checked out by a live consumer keeps the name; the waiting one is split", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const entry = await spool.enqueue("a", { n: 1 }, new Uint8Array([7]));
  const job = await checkout(spool, entry);
  Deno.writeTextFileSync(`${dir}/b/${entry.name}`, '{"n":2}');
  const monitor = await Monitor.create(dir, NOW);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["split-duplicate"]);
  assert.deepEqual(
    report.actions.map((a) => "dir" in a ? a.dir : undefined),
    [{ queue: "b", checkout: false }],
  );
  await job.remove();
  assert.equal((await spool.list("b")).length, 1);
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("damage: a split that a crash cut short is finished, never split again, and its copy is handled once", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, name } = await oneEntryInA(dir);
  Deno.writeTextFileSync(`${dir}/b/${name}`, '{"n":2}');
  // Repair began to split b's copy: it reserved the copy's name, linked its
  // payload and its new name, and was killed before unlinking the old one.
  const copy = `${name}-copy-0badc0de`;
  Deno.writeTextFileSync(`${dir}/.registry/${copy}`, "");
  Deno.linkSync(`${dir}/.data/${name}`, `${dir}/.data/${copy}`);
  Deno.linkSync(`${dir}/b/${name}`, `${dir}/b/${copy}`);
  // No consumer of b takes the file under either name meanwhile: it has
  // more names than a claim accounts for.
  await using reader = spool.reader("b");
  assert.equal(await reader.dequeueAvailable(), undefined);
  const monitor = await Monitor.create(dir, NOW);
  assert.deepEqual(summary(await monitor.runOnce()), [
    `duplicated ${name} a,b`,
  ]);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(
    report.actions.map((a) => `${a.kind} ${"newName" in a ? a.newName : ""}`),
    [`finish-split ${copy}`],
  );
  assert.deepEqual(await monitor.runOnce(), []);
  // Each copy is one entry, taken once.
  assert.deepEqual(
    await consumeAll(
      spool,
      (queue, job) => `${queue}/${job.name} n=${job.metadata.n}`,
    ),
    [`a/${name} n=1`, `b/${copy} n=2`],
  );
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("damage: one file under names in two queues (a requeue cut short while its consumer saved elsewhere) keeps one name, never split", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, name } = await oneEntryInA(dir);
  // The requeue linked a/NAME back and was killed; its consumer had saved
  // the entry to b meanwhile.
  Deno.linkSync(`${dir}/a/${name}`, `${dir}/b/${name}`);
  const monitor = await Monitor.create(dir, NOW);
  const [problem] = await monitor.runOnce();
  assert.equal(problem.kind, "duplicated");
  assert.equal(problem.sameFile, true);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["finish-claim"]);
  assert.deepEqual(await monitor.runOnce(), []);
  assert.deepEqual(await consumeAll(spool, (_queue, job) => job.name), [name]);
  assert.deepEqual(await monitor.runOnce(), []);
});
