// Quarantine that settles: a damaged entry moved aside (by repair's
// damagedTo, or a reader's poison queue) is marked in its history, and while
// it sits there, damaged, it is not a problem and repair leaves it alone.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { Monitor, type MonitorEvent } from "../../monitor.ts";
import { age, summary } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const QUEUES = ["in", "dead"] as const;
const NOW = { limits: { workInProgressMs: 0 } };

async function open(dir: string) {
  return await Spool.create(dir, {
    queues: QUEUES,
    metadata: jsonMetadata<{ n: number }>(),
  });
}

Deno.test("quarantine: an entry repair moved aside is not a problem, is not moved again, and settles", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await open(dir);
  const entry = await spool.enqueue("in", { n: 1 }, new Uint8Array([1]));
  const { name } = entry;
  Deno.removeSync(`${dir}/.data/${name}`);
  const monitor = await Monitor.create(dir, NOW);
  const moved = await monitor.repair({ dryRun: false, damagedTo: "dead" });
  assert.deepEqual(moved.actions.map((a) => a.kind), ["move-damaged"]);
  // Marked, in the same history write that records the damage.
  const history = await spool.entry("dead", name).direct.readHistory();
  assert.deepEqual(history.failures.map((f) => f.kind), ["damaged"]);
  assert.equal(history.quarantine?.queue, "dead");
  assert.match(history.quarantine?.reason ?? "", /payload is missing/);
  // Not a problem: counted apart.
  const report = await monitor.check();
  assert.deepEqual(report.problems, []);
  assert.deepEqual(
    report.quarantined.map((q) => [q.name, q.queue]),
    [[name, "dead"]],
  );
  assert.deepEqual(await monitor.runOnce(), []);
  // A second repair moves nothing and leaves nothing alone for it.
  const again = await monitor.repair({ dryRun: false, damagedTo: "dead" });
  assert.deepEqual(again.actions, []);
  assert.deepEqual(again.leftAlone, []);
  assert.deepEqual(again.quarantined.map((q) => q.name), [name]);
  // The daemon raises no alert for it: the only alert is another problem.
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  const stop = new AbortController();
  const events: MonitorEvent[] = [];
  for await (
    const event of monitor.watch({
      checkEveryMs: 5,
      alertAfterCycles: 0,
      signal: stop.signal,
    })
  ) {
    events.push(event);
    stop.abort();
  }
  assert.deepEqual(events.map((e) => e.problem.name), ["stray"]);
  Deno.removeSync(`${dir}/.data/stray`);
  // A limit on the queue's age still applies: it is not stamped again.
  age(`${dir}/dead/${name}`, 120_000);
  const aged = await Monitor.create(dir, {
    limits: { workInProgressMs: 0, maxQueueAgesMs: { dead: 60_000 } },
  });
  assert.deepEqual(summary(await aged.runOnce()), [`too-old ${name} dead`]);
  // Fixed by hand: its payload restored, it is neither.
  Deno.writeFileSync(`${dir}/.data/${name}`, new Uint8Array([1]));
  assert.deepEqual(await monitor.check(), { problems: [], quarantined: [] });
  // Damaged again, and moved elsewhere: a problem again where it is.
  Deno.removeSync(`${dir}/.data/${name}`);
  assert.equal((await monitor.check()).quarantined.length, 1);
  await (await checkout(spool, spool.entry("dead", name))).save("in");
  const elsewhere = await monitor.check();
  assert.deepEqual(summary(elsewhere.problems), [`damaged ${name} in`]);
  assert.deepEqual(elsewhere.quarantined, []);
});

Deno.test("quarantine: a reader's poison queue marks what it moves, for metadata and for payloads", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await open(dir);
  const garbled = await spool.enqueue("in", { n: 1 }, new Uint8Array([1]));
  Deno.writeTextFileSync(`${dir}/in/${garbled.name}`, "{not json");
  const lost = await spool.enqueue("in", { n: 2 }, new Uint8Array([2]));
  Deno.removeSync(`${dir}/.data/${lost.name}`);
  await using reader = spool.reader("in", {
    poison: { queue: "dead" },
    onError: () => {},
  });
  await reader.iterAvailable(async (_metadata, data) => {
    await data.load();
    return { action: "remove" };
  });
  assert.deepEqual(
    (await spool.list("dead")).map((e) => e.name).sort(),
    [garbled.name, lost.name].sort(),
  );
  for (const { name } of [garbled, lost]) {
    const history = await spool.entry("dead", name).direct.readHistory();
    assert.equal(history.quarantine?.queue, "dead", name);
    assert.deepEqual(history.failures.map((f) => f.kind), ["damaged"]);
  }
  // With the codec, the monitor sees both damages, and both quarantined.
  const monitor = await Monitor.create(dir, {
    ...NOW,
    metadata: jsonMetadata(),
  });
  const report = await monitor.check();
  assert.deepEqual(report.problems, []);
  assert.deepEqual(
    report.quarantined.map((q) => q.name).sort(),
    [garbled.name, lost.name].sort(),
  );
});

Deno.test("check: one stray file in .tmp/ is one problem, not two", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await open(dir);
  Deno.writeTextFileSync(`${dir}/.tmp/stray`, "{}");
  age(`${dir}/.tmp/stray`);
  const monitor = await Monitor.create(dir);
  assert.deepEqual(summary(await monitor.runOnce()), ["too-old stray tmp"]);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["delete-tmp"]);
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("repair: what it leaves alone says what to do, not the damage again", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await open(dir);
  const { name } = await spool.enqueue("in", { n: 1 }, new Uint8Array([1]));
  Deno.removeSync(`${dir}/.data/${name}`);
  const report = await (await Monitor.create(dir, NOW)).repair();
  const [{ problem, reason }] = report.leftAlone;
  assert.match(problem.reason ?? "", /payload is missing/);
  assert.match(reason, /damagedTo/);
  assert.doesNotMatch(reason, /payload/);
});
