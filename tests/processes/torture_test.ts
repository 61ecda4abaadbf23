// Killed processes, for real: producers and consumers on one spool are
// killed with SIGKILL at random moments and restarted. After repair, every
// acknowledged entry was handled at least once, and an entry handled twice
// was always held by a consumer when it was killed (at-least-once). Bounded
// for CI; set MULTISPOOL_TORTURE_ROUNDS (with --allow-env) for longer runs.

import assert from "node:assert/strict";
import { Monitor, Spool } from "../../mod.ts";
import { random } from "../_helpers/power_cut.ts";
import {
  lines,
  type RunningChild,
  scopedTo,
  startDeno,
  untilOutput,
} from "../_helpers/children.ts";
import { roundsFrom } from "../_helpers/rounds.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

interface Instance {
  role: "producer" | "consumer";
  id: number;
  child: RunningChild;
  killed: boolean;
}

async function torture(durability: "strict" | "relaxed", seed: number) {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] }, { durability });
  const rng = random(seed);
  const scoped = scopedTo(dir);
  const start = (role: Instance["role"], id: number): Instance => ({
    role,
    id,
    killed: false,
    child: startDeno([
      "run",
      "--quiet",
      ...scoped,
      `tests/processes/fixtures/torture_${role}.ts`,
      dir,
      durability,
    ]),
  });
  let next = 0;
  const running: Instance[] = [
    start("producer", next++),
    start("producer", next++),
    start("consumer", next++),
    start("consumer", next++),
  ];
  const finished: { instance: Instance; stdout: string }[] = [];
  const n = roundsFrom("MULTISPOOL_TORTURE_ROUNDS", 8);
  for (let round = 0; round < n; round++) {
    // Let them run for a random stretch of work (acknowledged enqueues and
    // handled entries), whatever the speed of the machine, then kill some.
    const children = running.map((instance) => instance.child);
    const progress = () =>
      children.reduce((sum, child) => sum + child.lines().length, 0);
    const target = progress() + 100 + Math.floor(rng() * 400);
    await untilOutput(
      children,
      () => progress() >= target,
      `round ${round}'s progress`,
    );
    for (let i = 0; i < running.length; i++) {
      if (rng() < 0.5) continue;
      const victim = running[i];
      victim.killed = true;
      const result = await victim.child.stop("SIGKILL");
      finished.push({ instance: victim, stdout: result.stdout });
      running[i] = start(victim.role, next++);
    }
  }
  for (const instance of running) {
    instance.killed = true;
    const result = await instance.child.stop("SIGKILL");
    finished.push({ instance, stdout: result.stdout });
  }

  // Everyone is dead: repair may take every checkout back at once, and
  // nothing is in progress (a claim cut short is one, and finished).
  const monitor = await Monitor.create(dir, {
    limits: { maxCheckedOutAgeMs: 0, maxTmpFileAgeMs: 0, workInProgressMs: 0 },
  });
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.leftAlone, []);
  // A last consumer, never killed, drains what is left.
  const drained: string[] = [];
  await using reader = spool.reader("q");
  for (;;) {
    const job = await reader.dequeueAvailable();
    if (job === undefined) break;
    drained.push(job.name);
    await job.remove();
  }
  assert.deepEqual(await (await Monitor.create(dir)).runOnce(), []);

  const acked = new Set<string>();
  const handledBy = new Map<string, { held: boolean; killed: boolean }[]>();
  for (const { instance, stdout } of finished) {
    const done = new Set<string>();
    const handling: string[] = [];
    for (const line of lines(stdout)) {
      const [what, name] = line.split(" ");
      if (what === "acked") acked.add(name);
      else if (what === "damaged") assert.fail(`damaged payload: ${name}`);
      else if (what === "handling") handling.push(name);
      else if (what === "done") done.add(name);
    }
    for (const name of handling) {
      const list = handledBy.get(name) ?? [];
      list.push({ held: !done.has(name), killed: instance.killed });
      handledBy.set(name, list);
    }
  }
  for (const name of drained) {
    const list = handledBy.get(name) ?? [];
    list.push({ held: false, killed: false });
    handledBy.set(name, list);
  }
  assert.ok(acked.size > 0, "producers acknowledged something");
  for (const name of acked) {
    assert.ok(handledBy.has(name), `acknowledged ${name} was never handled`);
  }
  let twice = 0;
  for (const [name, list] of handledBy) {
    if (list.length === 1) continue;
    twice++;
    // Every handling but the last was cut short by a kill while held.
    for (const earlier of list.slice(0, -1)) {
      assert.ok(
        earlier.held && earlier.killed,
        `${name} handled twice without a kill in between`,
      );
    }
  }
  assert.deepEqual(await spool.list("q"), []);
  console.log(
    `${durability}: ${n} rounds, ${acked.size} acknowledged, ${handledBy.size} handled, ${twice} twice, ${report.actions.length} repairs`,
  );
}

Deno.test("torture: producers and consumers killed at random lose nothing (relaxed)", async () => {
  await torture("relaxed", 11);
});

Deno.test("torture: producers and consumers killed at random lose nothing (strict)", async () => {
  await torture("strict", 12);
});
