// Simulated power cuts: after every operation of enqueue, checkout, save,
// remove and repair, a state the file system could come back with is
// written to a real directory and checked. An acknowledged entry is never
// lost, no entry is in two places or visible without its registry file and
// payload, the monitor explains every leftover, and repair clears them.
// The converse tests show the check failing when durability is relaxed or a
// flush is left out on purpose.

import assert from "node:assert/strict";
import { Monitor, type Problem, Spool } from "../../mod.ts";
import { checkout, listCheckoutsUnsafe, tryCheckout } from "../../expert.ts";
import { openMonitor } from "../../src/monitor.ts";
import { openSpool } from "../../src/spool.ts";
import {
  PowerCut,
  random,
  RecordingFs,
  type Sabotage,
} from "../_helpers/power_cut.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const QUEUES = ["in", "out"];
const SCRATCH = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
})();

/** An entry that must survive every cut from operation `at` on. */
interface Acknowledged {
  name: string;
  at: number;
  /** The metadata texts it may have (old or new, for a save). */
  metadata: string[];
  data: Uint8Array;
}

interface Recording {
  cut: PowerCut;
  acknowledged: Acknowledged[];
}

function locate(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const queue of QUEUES) {
    for (const sub of [queue, `${queue}/.checkout`]) {
      try {
        Deno.statSync(`${dir}/${sub}/${name}`);
        found.push(sub);
      } catch {
        // Not there.
      }
    }
  }
  return found;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether two places of `name` are one claim cut short: one file (a hard
 * link) waiting in a queue and in that queue's `.checkout/`.
 */
function claimCutShort(dir: string, name: string, places: string[]): boolean {
  if (places.length !== 2) return false;
  const [a, b] = [...places].sort();
  if (b !== `${a}/.checkout`) return false;
  const ino = (sub: string) => Deno.lstatSync(`${dir}/${sub}/${name}`).ino;
  return ino(a) === ino(b);
}

function checkAcknowledged(
  dir: string,
  acknowledged: Acknowledged[],
  cut: number,
  when: string,
  options: { repaired: boolean },
): string[] {
  const violations: string[] = [];
  for (const entry of acknowledged.filter((a) => a.at <= cut)) {
    const places = locate(dir, entry.name);
    // A claim cut short is one place in two names until repair finishes it.
    const oneFile = !options.repaired &&
      claimCutShort(dir, entry.name, places);
    if (places.length !== 1 && !oneFile) {
      violations.push(`${when}: ${entry.name} is in ${places.length} places`);
      continue;
    }
    const metadata = Deno.readTextFileSync(`${dir}/${places[0]}/${entry.name}`);
    if (!entry.metadata.includes(metadata)) {
      violations.push(
        `${when}: ${entry.name} has metadata ${JSON.stringify(metadata)}`,
      );
    }
    if (!exists(`${dir}/.registry/${entry.name}`)) {
      violations.push(`${when}: ${entry.name} lost its registry file`);
    }
    let data: Uint8Array | undefined;
    try {
      data = Deno.readFileSync(`${dir}/.data/${entry.name}`);
    } catch {
      data = undefined;
    }
    if (data === undefined || String(data) !== String(entry.data)) {
      violations.push(`${when}: ${entry.name} lost its payload`);
    }
  }
  return violations;
}

function ageEverything(dir: string): void {
  const then = new Date(Date.now() - 3_600_000);
  const walk = (path: string) => {
    for (const item of Deno.readDirSync(path)) {
      const child = `${path}/${item.name}`;
      if (item.isDirectory) walk(child);
      else Deno.utimeSync(child, then, then);
    }
  };
  walk(dir);
}

const EXPLAINED = (p: Problem) =>
  p.kind === "too-old" ||
  (p.kind === "duplicated" && p.sameFile === true) ||
  (p.kind === "orphaned" &&
    (p.dirs[0] === "registry" || p.dirs[0] === "tmp" || p.dirs[0] === "data"));

/** Checks one state after a power cut; returns what is wrong with it. */
async function checkState(
  recording: Recording,
  cut: number,
  outcome: "least" | "most" | (() => number),
  label: string,
): Promise<string[]> {
  const dir = await Deno.makeTempDir({ dir: SCRATCH, prefix: "power-cut-" });
  try {
    recording.cut.materialize(dir, cut, outcome);
    const when = `cut after op ${cut} (${label})`;
    const violations = checkAcknowledged(
      dir,
      recording.acknowledged,
      cut,
      when,
      { repaired: false },
    );
    // Nothing visible without its registry file and payload.
    for (const queue of QUEUES) {
      for (const sub of [queue, `${queue}/.checkout`]) {
        for (const item of Deno.readDirSync(`${dir}/${sub}`)) {
          if (!item.isFile) continue;
          for (const other of [".registry", ".data"]) {
            if (!exists(`${dir}/${other}/${item.name}`)) {
              violations.push(
                `${when}: ${sub}/${item.name} has no ${other} file`,
              );
            }
          }
        }
      }
    }
    ageEverything(dir);
    const monitor = await Monitor.create(dir);
    for (const problem of await monitor.runOnce()) {
      if (!EXPLAINED(problem)) {
        violations.push(`${when}: unexplained ${JSON.stringify(problem)}`);
      }
    }
    await monitor.repair({ dryRun: false });
    const left = await monitor.runOnce();
    if (left.length > 0) {
      violations.push(`${when}: repair left ${JSON.stringify(left)}`);
    }
    violations.push(
      ...checkAcknowledged(
        dir,
        recording.acknowledged,
        cut,
        `${when}, repaired`,
        { repaired: true },
      ),
    );
    return violations;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Checks every cut point, each with the extremes and a few random states. */
async function checkEveryCut(
  recording: Recording,
  seed: number,
  samples = 6,
): Promise<string[]> {
  const violations: string[] = [];
  const rng = random(seed);
  for (let cut = 0; cut <= recording.cut.length; cut++) {
    violations.push(...await checkState(recording, cut, "least", "least"));
    violations.push(...await checkState(recording, cut, "most", "most"));
    for (let i = 0; i < samples; i++) {
      violations.push(
        ...await checkState(recording, cut, rng, `seed ${seed}, sample ${i}`),
      );
    }
  }
  return violations;
}

const bytes = (n: number) => new Uint8Array([n, n + 1, n + 2]);

/** Records enqueues (sequential and concurrent) on a spool holding one entry. */
async function recordEnqueues(
  dir: string,
  durability: "strict" | "relaxed",
  sabotage: Sabotage = {},
): Promise<Recording> {
  const setup = await Spool.create(dir, { queues: QUEUES });
  const before = await setup.enqueue("in", { n: 0 }, bytes(0));
  const fs = new RecordingFs(dir, sabotage);
  const spool = await openSpool(fs, dir, { queues: QUEUES }, { durability });
  const acknowledged: Acknowledged[] = [{
    name: before.name,
    at: 0,
    metadata: ['{"n":0}'],
    data: bytes(0),
  }];
  const enqueue = async (n: number) => {
    const entry = await spool.enqueue("in", { n }, bytes(n));
    acknowledged.push({
      name: entry.name,
      at: fs.ops.length,
      metadata: [`{"n":${n}}`],
      data: bytes(n),
    });
  };
  await enqueue(1);
  await Promise.all([enqueue(2), enqueue(3), enqueue(4)]);
  await enqueue(5);
  return { cut: new PowerCut(fs.initial, fs.ops), acknowledged };
}

Deno.test("power cut: every acknowledged strict enqueue survives, at every cut point", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recording = await recordEnqueues(dir, "strict");
  assert.ok(recording.cut.length > 40, "enough operations recorded");
  const violations = await checkEveryCut(recording, 1);
  assert.deepEqual(violations, []);
});

Deno.test("power cut: checkouts, saves with and without new metadata, removes", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const setup = await Spool.create(dir, { queues: QUEUES });
  const names: string[] = [];
  for (let n = 0; n < 5; n++) {
    names.push((await setup.enqueue("in", { n }, bytes(n))).name);
  }
  const [a, b, c, d, e] = names;
  // One is checked out already, by a consumer that will remove it.
  const held = await checkout(setup, setup.entry("in", e));
  const fs = new RecordingFs(dir);
  const spool = await openSpool(fs, dir, { queues: QUEUES });
  await (await checkout(spool, spool.entry("in", a))).save("out");
  await (await checkout(spool, spool.entry("in", b)))
    .update(() => ({ n: 10 })).save("out");
  await (await checkout(spool, spool.entry("in", c))).remove();
  await spool.withEntry(spool.entry("in", d), () => ({
    action: "save",
    queue: "in",
  }));
  assert.equal(
    await tryCheckout(spool, spool.entry("in", "gone")),
    undefined,
  );
  await spool.entry("out", a).direct.writeMetadata({ n: 20 });
  await spool.entry("out", a).direct.dataFile().save(bytes(7));
  // The held entry is removed by the consumer that had it.
  const recordedHeld = (await listCheckoutsUnsafe(spool, "in"))[0];
  assert.equal(recordedHeld.name, held.name);
  await recordedHeld.remove();
  const recording: Recording = {
    cut: new PowerCut(fs.initial, fs.ops),
    acknowledged: [
      // Never lost, whatever the cut: old or new metadata, old payload
      // until the payload save resolved.
      { name: b, at: 0, metadata: ['{"n":1}', '{"n":10}'], data: bytes(1) },
      { name: d, at: 0, metadata: ['{"n":3}'], data: bytes(3) },
    ],
  };
  const violations = await checkEveryCut(recording, 2);
  assert.deepEqual(violations, []);
  // Entry a: its metadata and payload are each old or new, never half.
  for (let cut = 0; cut <= recording.cut.length; cut++) {
    const scratch = await Deno.makeTempDir({ dir: SCRATCH });
    recording.cut.materialize(scratch, cut, random(cut));
    const places = locate(scratch, a);
    // A checkout cut short leaves one file under both names: still one.
    assert.ok(
      places.length === 1 || claimCutShort(scratch, a, places),
      `cut ${cut}: ${places}`,
    );
    const meta = Deno.readTextFileSync(`${scratch}/${places[0]}/${a}`);
    assert.ok(['{"n":0}', '{"n":20}'].includes(meta), `cut ${cut}: ${meta}`);
    const data = String(Deno.readFileSync(`${scratch}/.data/${a}`));
    assert.ok(
      [String(bytes(0)), String(bytes(7))].includes(data),
      `cut ${cut}`,
    );
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("power cut: repair itself can be cut at any point", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const setup = await Spool.create(dir, { queues: QUEUES });
  const waiting = await setup.enqueue("in", { n: 1 }, bytes(1));
  const stale = await checkout(
    setup,
    await setup.enqueue("in", { n: 2 }, bytes(2)),
  );
  // An enqueue that never finished, and a lone payload.
  await Deno.writeTextFile(`${dir}/.registry/half`, "");
  await Deno.writeTextFile(`${dir}/.tmp/half`, "{}");
  await Deno.writeFile(`${dir}/.data/half`, bytes(3));
  await Deno.writeFile(`${dir}/.data/lone`, bytes(4));
  ageEverything(dir);
  const fs = new RecordingFs(dir);
  const monitor = await openMonitor(fs, dir);
  const report = await monitor.repair({ dryRun: false });
  assert.equal(report.actions.length, 3);
  const recording: Recording = {
    cut: new PowerCut(fs.initial, fs.ops),
    acknowledged: [
      { name: waiting.name, at: 0, metadata: ['{"n":1}'], data: bytes(1) },
      { name: stale.name, at: 0, metadata: ['{"n":2}'], data: bytes(2) },
    ],
  };
  assert.deepEqual(await checkEveryCut(recording, 3), []);
});

Deno.test("power cut (converse): relaxed durability loses acknowledged enqueues", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recording = await recordEnqueues(dir, "relaxed");
  const violations = await checkEveryCut(recording, 4, 2);
  assert.ok(
    violations.some((v) => /is in 0 places|lost its payload/.test(v)),
  );
});

Deno.test("power cut (converse): strict without flushing .data/ loses payloads", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recording = await recordEnqueues(dir, "strict", {
    skipSyncDir: (path) => path === ".data",
  });
  const violations = await checkEveryCut(recording, 5, 2);
  assert.ok(
    violations.some((v) => /lost its payload|has no \.data file/.test(v)),
  );
});

Deno.test("power cut (converse): strict without flushing the queue loses entries", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recording = await recordEnqueues(dir, "strict", {
    skipSyncDir: (path) => path === "in",
  });
  const violations = await checkEveryCut(recording, 6, 2);
  assert.ok(violations.some((v) => /is in 0 places/.test(v)));
});

Deno.test("power cut (converse): strict without flushing file contents corrupts metadata", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recording = await recordEnqueues(dir, "strict", {
    skipSyncFile: (path) => path.startsWith(".tmp/"),
  });
  const violations = await checkEveryCut(recording, 7, 2);
  assert.ok(violations.some((v) => /has metadata/.test(v)));
});

const HOUR = 3_600_000;

/**
 * Records the steps of scheduling: a strict enqueue with a due time, a
 * retry (new metadata, a failure recorded, due later), and a dead-lettering
 * (a failure recorded, moved to another queue).
 */
async function recordScheduling(
  dir: string,
  sabotage: Sabotage = {},
): Promise<
  {
    recording: Recording;
    delayed: string;
    retried: string;
    dead: string;
    due: number;
  }
> {
  const setup = await Spool.create(dir, { queues: QUEUES });
  const retried = (await setup.enqueue("in", { n: 1 }, bytes(1))).name;
  const dead = (await setup.enqueue("in", { n: 2 }, bytes(2))).name;
  const fs = new RecordingFs(dir, sabotage);
  const spool = await openSpool(fs, dir, { queues: QUEUES });
  const due = Date.now() + HOUR;
  const delayed = (await spool.enqueue("in", { n: 0 }, bytes(0), {
    at: new Date(due),
  })).name;
  const delayedAt = fs.ops.length;
  await (await checkout(spool, spool.entry("in", retried)))
    .update(() => ({ n: 10 }))
    .save("in", { at: new Date(due), failure: new Error("try later") });
  await (await checkout(spool, spool.entry("in", dead)))
    .save("out", { failure: new Error("gave up") });
  const recording: Recording = {
    cut: new PowerCut(fs.initial, fs.ops),
    acknowledged: [
      { name: delayed, at: delayedAt, metadata: ['{"n":0}'], data: bytes(0) },
      {
        name: retried,
        at: 0,
        metadata: ['{"n":1}', '{"n":10}'],
        data: bytes(1),
      },
      { name: dead, at: 0, metadata: ['{"n":2}'], data: bytes(2) },
    ],
  };
  return { recording, delayed, retried, dead, due };
}

/**
 * What is wrong with the due times and histories after every cut: a
 * delayed entry visible at all must carry its due time; the retried entry,
 * once back in its queue with its new metadata, must carry its due time and
 * its failure; the dead-lettered one, once in `out`, its failure.
 */
async function checkScheduling(
  recorded: Awaited<ReturnType<typeof recordScheduling>>,
  seed: number,
  samples = 8,
): Promise<string[]> {
  const { recording, delayed, retried, dead, due } = recorded;
  const violations: string[] = [];
  const rng = random(seed);
  for (let cut = 0; cut <= recording.cut.length; cut++) {
    const outcomes = ["least", "most", ...Array(samples).fill(rng)] as const;
    for (const outcome of outcomes) {
      const dir = await Deno.makeTempDir({ dir: SCRATCH });
      try {
        recording.cut.materialize(dir, cut, outcome);
        const when = `cut after op ${cut}`;
        const mtime = (path: string) =>
          Deno.statSync(`${dir}/${path}`).mtime!.getTime();
        const attempts = (name: string) => {
          const text = Deno.readTextFileSync(`${dir}/.registry/${name}`);
          return text === "" ? 0 : JSON.parse(text).attempts;
        };
        if (exists(`${dir}/in/${delayed}`) && mtime(`in/${delayed}`) < due) {
          violations.push(`${when}: the delayed entry is due early`);
        }
        if (
          exists(`${dir}/in/${retried}`) &&
          Deno.readTextFileSync(`${dir}/in/${retried}`) === '{"n":10}'
        ) {
          if (mtime(`in/${retried}`) < due) {
            violations.push(`${when}: the retried entry is due early`);
          }
          if (attempts(retried) !== 1) {
            violations.push(`${when}: the retry's failure is not counted`);
          }
        }
        if (exists(`${dir}/out/${dead}`) && attempts(dead) !== 1) {
          violations.push(`${when}: the dead letter's failure is not counted`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  }
  return violations;
}

Deno.test("power cut: a due time and a recorded failure are never lost before the move they date", async () => {
  await using tmp = await tempDir();
  const recorded = await recordScheduling(tmp.path);
  assert.deepEqual(await checkScheduling(recorded, 8), []);
  // And the usual: nothing acknowledged lost, leftovers explained, repaired.
  assert.deepEqual(await checkEveryCut(recorded.recording, 9, 2), []);
});

Deno.test("power cut (converse): due times set where a power cut need not keep them come back early", async () => {
  await using tmp = await tempDir();
  const recorded = await recordScheduling(tmp.path, {
    skipTouch: (path) =>
      path.startsWith(".tmp/") || path.includes(".checkout/"),
  });
  const violations = await checkScheduling(recorded, 10);
  assert.ok(violations.some((v) => /delayed entry is due early/.test(v)));
  assert.ok(violations.some((v) => /retried entry is due early/.test(v)));
});

Deno.test("power cut (converse): a history replaced without flushing its directory is lost", async () => {
  await using tmp = await tempDir();
  const recorded = await recordScheduling(tmp.path, {
    skipSyncDir: (path) => path === ".registry",
  });
  const violations = await checkScheduling(recorded, 11);
  assert.ok(
    violations.some((v) => /failure is not counted/.test(v)),
    violations.join("\n"),
  );
});
