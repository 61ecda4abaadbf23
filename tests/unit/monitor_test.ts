// The monitor: every problem kind appearing and disappearing, the daemon's
// start and end events, and repair. (Repair of states built by killing
// processes is in ../processes/repair_test.ts.)

import assert from "node:assert/strict";
import {
  EntryNotFoundError,
  Monitor,
  type MonitorEvent,
  NotASpoolError,
  QueueNotFoundError,
  Spool,
} from "../../mod.ts";
import { checkout, listCheckoutsUnsafe } from "../../expert.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openMonitor } from "../../src/monitor.ts";
import { age, ELEVEN_MINUTES, summary } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { emptySpool, tree } from "../_helpers/tree.ts";

/** No grace for work in progress: these files are made just before. */
const NOW = { limits: { workInProgressMs: 0 } };

async function healthySpool(dir: string) {
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const waiting = await spool.enqueue("a", 1, new Uint8Array());
  await spool.enqueue("b", 2, new Uint8Array());
  const held = await checkout(
    spool,
    await spool.enqueue("a", 3, new Uint8Array()),
  );
  // A tmp file of a live entry (a metadata rewrite in progress).
  await Deno.writeTextFile(`${dir}/.tmp/${waiting.name}`, "4");
  return { spool, waiting, held };
}

Deno.test("monitor: a healthy spool has no problems", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { held } = await healthySpool(dir);
  const monitor = await Monitor.create(dir);
  assert.equal(monitor.dir, dir);
  assert.deepEqual(await monitor.queues(), ["a", "b"]);
  assert.deepEqual(await monitor.runOnce(), []);
  await held.remove();
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("monitor: every kind of problem appears and disappears", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await healthySpool(dir);
  const monitor = await Monitor.create(dir, {
    limits: { maxQueueAgesMs: { b: 60_000 }, workInProgressMs: 0 },
  });
  const cases: [string, string[]][] = [
    [".tmp/x", ["orphaned x tmp"]],
    [".data/x", ["orphaned x data"]],
    ["a/x", ["orphaned x a"]],
    ["b/.checkout/x", ["orphaned x b/.checkout"]],
    [".registry/x", ["orphaned x registry"]],
  ];
  for (const [file, expected] of cases) {
    await Deno.writeTextFile(`${dir}/${file}`, "1");
    const problems = await monitor.runOnce();
    assert.deepEqual(summary(problems), expected, file);
    assert.equal(
      problems[0].mtime.getTime(),
      Deno.statSync(`${dir}/${file}`).mtime!.getTime(),
    );
    await Deno.remove(`${dir}/${file}`);
    assert.deepEqual(await monitor.runOnce(), [], `${file} removed`);
  }

  // Too old: tmp files and checkouts after 10 minutes, a queue with a limit.
  const spool = await Spool.load(dir, { queues: ["a", "b"] });
  const entry = await spool.enqueue("b", 5, new Uint8Array());
  await Deno.writeTextFile(`${dir}/.tmp/${entry.name}`, "6");
  const tmpTime = age(`${dir}/.tmp/${entry.name}`);
  age(`${dir}/b/${entry.name}`, 61_000);
  const [checkedOut] = await listCheckoutsUnsafe(spool, "a");
  age(`${dir}/a/.checkout/${checkedOut.name}`);
  assert.deepEqual(
    summary(await monitor.runOnce()).sort(),
    [
      `too-old ${checkedOut.name} a/.checkout`,
      `too-old ${entry.name} b`,
      `too-old ${entry.name} tmp`,
    ].sort(),
  );
  const tmpProblem = (await monitor.runOnce()).find((p) => p.dirs[0] === "tmp");
  assert.equal(tmpProblem?.mtime.getTime(), tmpTime.getTime());
  // Queue "a" has no limit; "b" with a larger one is fine.
  age(`${dir}/a/${(await spool.list("a"))[0].name}`, 10 * ELEVEN_MINUTES);
  const lenient = await Monitor.create(dir, {
    limits: { maxQueueAgesMs: { b: 120_000 } },
  });
  assert.deepEqual(
    summary(await lenient.runOnce()).filter((s) => s.endsWith(" b")),
    [],
  );
  // Moving on (checkout and save) touches the files: no longer too old.
  await Deno.remove(`${dir}/.tmp/${entry.name}`);
  await (await checkout(spool, entry)).save("b");
  await checkedOut.save("a");
  assert.deepEqual(await monitor.runOnce(), []);

  // Duplicated: one name in two places; mtime is the registry file's.
  await Deno.copyFile(
    `${dir}/b/${entry.name}`,
    `${dir}/a/.checkout/${entry.name}`,
  );
  const [dup] = await monitor.runOnce();
  assert.deepEqual(summary([dup]), [
    `duplicated ${entry.name} a/.checkout,b`,
  ]);
  assert.equal(
    dup.mtime.getTime(),
    Deno.statSync(`${dir}/.registry/${entry.name}`).mtime!.getTime(),
  );
  await Deno.remove(`${dir}/a/.checkout/${entry.name}`);
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("monitor: an entry moving during the scan is not reported", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const moving = await spool.enqueue("a", 1, new Uint8Array());
  const removed = await spool.enqueue("a", 2, new Uint8Array());
  const listed = new Set<string>();
  let enqueued: Promise<unknown> = Promise.resolve();
  // Between listings (made side by side, in any order), other processes go
  // on: once the registry is listed, a third entry is enqueued; once a/
  // is, an entry moves from a to b (seen in neither, or in both) and
  // another is removed.
  const fs: FileSystem = {
    ...realFileSystem,
    async listFiles(path: string) {
      const names = await realFileSystem.listFiles(path);
      listed.add(path.slice(dir.length + 1));
      if (path.endsWith("/.registry")) {
        enqueued = spool.enqueue("b", 3, new Uint8Array());
        await enqueued;
      } else if (path.endsWith("/a")) {
        Deno.renameSync(`${dir}/a/${moving.name}`, `${dir}/b/${moving.name}`);
        Deno.removeSync(`${dir}/a/${removed.name}`);
        Deno.removeSync(`${dir}/.data/${removed.name}`);
        Deno.removeSync(`${dir}/.registry/${removed.name}`);
      }
      return names;
    },
  };
  const monitor = await openMonitor(fs, dir);
  assert.deepEqual(await monitor.runOnce(), []);
  assert.ok(listed.has(".registry") && listed.has("a"));
  await enqueued;
});

Deno.test("monitor: refuses what is not a spool and creates nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await assert.rejects(Monitor.create(`${dir}/missing`), NotASpoolError);
  await Deno.writeTextFile(`${dir}/file`, "");
  await assert.rejects(Monitor.create(dir), NotASpoolError);
  assert.deepEqual(tree(dir), ["file"]);
  await Deno.remove(`${dir}/file`);
  await Spool.create(dir, { queues: ["a"] });
  await assert.rejects(
    Monitor.create(dir, { queues: ["a", "zz"] }),
    QueueNotFoundError,
  );
  await assert.rejects(
    Monitor.create(dir, { limits: { maxQueueAgesMs: { zz: 1 } } }),
    /not a queue/,
  );
  await assert.rejects(
    Monitor.create(dir, { limits: { maxTmpFileAgeMs: -1 } }),
    /maxTmpFileAgeMs/,
  );
  assert.deepEqual(tree(dir), emptySpool("a"));
});

Deno.test("monitor: watch starts an alert on the (N+1)-th check and ends it after the fix", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  let checks = 0;
  const fs: FileSystem = {
    ...realFileSystem,
    listFiles(path: string) {
      if (path.endsWith("/.registry")) checks++;
      return realFileSystem.listFiles(path);
    },
  };
  const monitor = await openMonitor(fs, dir, {
    limits: { workInProgressMs: 0 },
  });
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  const stop = new AbortController();
  const seen: [number, MonitorEvent][] = [];
  for await (
    const event of monitor.watch({
      checkEveryMs: 10,
      alertAfterCycles: 2,
      signal: stop.signal,
    })
  ) {
    seen.push([checks, event]);
    if (event.kind === "start" && seen.length === 1) {
      // Fix it: the next check ends the alert.
      await Deno.remove(`${dir}/.data/stray`);
    } else if (event.kind === "start") {
      // A problem that changed (a new mtime) is a new problem.
      await Deno.remove(`${dir}/.data/again`);
    } else if (seen.length === 2) {
      await Deno.writeTextFile(`${dir}/.data/again`, "");
    } else {
      stop.abort();
    }
  }
  assert.deepEqual(
    seen.map(([n, e]) => [n, e.kind, e.problem.name]),
    [
      [3, "start", "stray"],
      [4, "end", "stray"],
      [7, "start", "again"],
      [8, "end", "again"],
    ],
  );
  assert.ok(seen.every(([, e]) => e.problem.kind === "orphaned"));
});

Deno.test("monitor: a problem whose mtime changes is a new problem", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const monitor = await Monitor.create(dir, NOW);
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  age(`${dir}/.data/stray`, 60_000);
  const stop = new AbortController();
  const events: string[] = [];
  let n = 0;
  for await (
    const event of monitor.watch({
      checkEveryMs: 5,
      alertAfterCycles: 0,
      signal: stop.signal,
    })
  ) {
    events.push(`${event.kind} ${event.problem.mtime.getTime()}`);
    if (++n === 1) {
      Deno.utimeSync(`${dir}/.data/stray`, new Date(), new Date());
    }
    if (n === 3) stop.abort();
  }
  assert.equal(events.length, 3);
  assert.match(events[0], /^start /);
  assert.match(events[1], /^end /);
  assert.match(events[2], /^start /);
  assert.equal(events[0].split(" ")[1], events[1].split(" ")[1]);
  assert.notEqual(events[1].split(" ")[1], events[2].split(" ")[1]);
});

/**
 * A spool with queue q, and its one entry checked out by a consumer silent
 * for longer than the limit.
 */
async function staleCheckout(dir: string) {
  const spool = await Spool.create(dir, { queues: ["q"] });
  const job = await checkout(
    spool,
    await spool.enqueue("q", 1, new Uint8Array()),
  );
  age(`${dir}/q/.checkout/${job.name}`);
  return { spool, job };
}

Deno.test("repair: a stale checkout without its data is reported, never requeued", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, job } = await staleCheckout(dir);
  await Deno.remove(`${dir}/.data/${job.name}`);
  const monitor = await Monitor.create(dir);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions, []);
  assert.equal(report.leftAlone.length, 1);
  assert.match(report.leftAlone[0].problem.reason ?? "", /payload is missing/);
  assert.match(report.leftAlone[0].reason, /damagedTo/);
  assert.deepEqual(await spool.list("q"), []);
  await assert.rejects(job.dataFile.load(), EntryNotFoundError);
});

Deno.test("repair: a consumer that touches its checkout keeps it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { job } = await staleCheckout(dir);
  const monitor = await Monitor.create(dir);
  assert.equal((await monitor.repair()).actions.length, 1);
  await job.touch();
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions, []);
  await job.save("q");
});

Deno.test("repair: orphans no crash explains are left alone and reported", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  // A payload used by an entry without registry file ("d2") is not
  // explained by any crash; a lone old payload ("d") is a power cut's.
  for (
    const file of [
      ".data/d",
      ".data/d2",
      "q/d2",
      "q/w",
      "q/.checkout/c",
      ".tmp/t",
    ]
  ) {
    await Deno.writeTextFile(`${dir}/${file}`, "");
    age(`${dir}/${file}`);
  }
  await Deno.writeTextFile(`${dir}/.data/young`, "");
  // Aged by hand: their change times say "just now", their ages do not.
  const monitor = await Monitor.create(dir, NOW);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => [a.kind, a.name]), [
    ["delete-leftovers", "d"],
    ["delete-tmp", "t"],
  ]);
  assert.deepEqual(
    report.leftAlone.map((l) => l.problem.name).sort(),
    ["c", "c", "d2", "d2", "w", "young"],
  );
  assert.deepEqual(
    tree(dir).filter((l) => !l.endsWith("/")).sort(),
    [
      ".data/d2 = ",
      ".data/young",
      "q/.checkout/c",
      "q/d2",
      "q/w",
    ].map((l) => l.replace(" = ", "")),
  );
});
