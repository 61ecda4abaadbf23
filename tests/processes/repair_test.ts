// Repair of states built by killing processes: a producer killed in the
// middle of an enqueue and a consumer killed while holding an entry.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { listCheckoutsUnsafe } from "../../expert.ts";
import { Monitor } from "../../monitor.ts";
import { scopedTo, startDeno } from "../_helpers/children.ts";
import { age, summary } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

Deno.test("repair: killed producer and consumer processes, dry run, apply, clean", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const acknowledged = await spool.enqueue(
    "q",
    { ok: 1 },
    new Uint8Array([9]),
  );
  const scoped = scopedTo(dir);

  // A producer killed in the middle of an enqueue.
  const producer = startDeno([
    "run",
    "--quiet",
    ...scoped,
    "tests/processes/fixtures/half_enqueue.ts",
    dir,
  ]);
  const stuck = await producer.line((l) => l.startsWith("stuck "));
  await producer.stop("SIGKILL");
  // A consumer killed while holding an entry.
  const held = await spool.enqueue("q", { ok: 2 }, new Uint8Array([8]));
  const consumer = startDeno([
    "run",
    "--quiet",
    ...scoped,
    "tests/processes/fixtures/hold_checkout.ts",
    dir,
  ]);
  // It prints the name of the entry it took (the first in name order: the
  // acknowledged one or held) once it holds it.
  const holding = await consumer.line(() => true, "the checkout");
  assert.equal((await listCheckoutsUnsafe(spool, "q")).length, 1);
  await consumer.stop("SIGKILL");
  const halfName = stuck.replace(/^stuck /, "");

  const monitor = await Monitor.create(dir);
  // Young: the half enqueue is work in progress, not even a problem, and
  // repair leaves it all alone.
  const young = await monitor.repair({ dryRun: false });
  assert.deepEqual(young.actions, []);
  assert.deepEqual(young.leftAlone, []);
  assert.ok(halfName !== "");

  // Eleven minutes later (as far as the files can tell).
  for (
    const path of [
      `${dir}/.registry/${halfName}`,
      `${dir}/.data/${halfName}`,
      `${dir}/.tmp/${halfName}`,
      `${dir}/q/.checkout/${holding}`,
    ]
  ) age(path);
  const problems = summary(await monitor.runOnce());
  assert.deepEqual(
    problems.sort(),
    [
      `orphaned ${halfName} registry`,
      `too-old ${halfName} tmp`,
      `too-old ${holding} q/.checkout`,
    ].sort(),
  );

  const before = tree(dir);
  const plan = await monitor.repair();
  assert.equal(plan.dryRun, true);
  assert.deepEqual(tree(dir), before, "a dry run changes nothing");
  assert.deepEqual(
    plan.actions.map((a) => [a.kind, a.name]).sort(),
    [["delete-leftovers", halfName], ["requeue", holding]].sort(),
  );
  assert.deepEqual(plan.leftAlone, []);

  const done = await monitor.repair({ dryRun: false });
  assert.equal(done.dryRun, false);
  assert.deepEqual(
    done.actions.map((a) => a.kind).sort(),
    plan.actions.map((a) => a.kind).sort(),
  );
  assert.deepEqual(await monitor.runOnce(), []);
  // Nothing acknowledged is gone: both entries wait in the queue, whole.
  const names = (await spool.list("q")).map((e) => e.name).sort();
  assert.deepEqual(names, [acknowledged.name, held.name].sort());
  for (const name of names) {
    await spool.withEntry(spool.entry("q", name), async (_m, data) => {
      assert.equal((await data.load()).length, 1);
      return { action: "remove" };
    });
  }
  assert.deepEqual(tree(dir).filter((l) => !l.endsWith("/")), []);
});
