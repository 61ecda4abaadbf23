// The exact order of file-system operations of each protocol step, in both
// durability modes, plus group commit and the I/O limit.

import assert from "node:assert/strict";
import { checkout, listCheckoutsUnsafe } from "../../expert.ts";
import { Spool } from "../../mod.ts";
import { GroupCommit } from "../../src/group_commit.ts";
import { openSpool } from "../../src/spool.ts";
import { Throttle } from "../../src/throttle.ts";
import { counterNames } from "../_helpers/names.ts";
import {
  recordedSpool,
  RecordingFileSystem,
} from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

async function lifeOps(dir: string, durability: "strict" | "relaxed") {
  const fs = new RecordingFileSystem(dir);
  const spool = await openSpool(fs, dir, {
    queues: ["a", "b"],
    names: counterNames(),
  }, { createIfMissing: true, durability });
  const steps: Record<string, string[]> = {};
  const step = async (name: string, f: () => Promise<unknown>) => {
    fs.clear();
    await f();
    steps[name] = [...fs.ops];
  };
  await spool.enqueue("a", { x: 1 }, new Uint8Array([1]));
  await step("enqueue", () => spool.enqueue("a", { x: 1 }, new Uint8Array()));
  let job;
  await step("checkout", async () => {
    job = await checkout(spool, spool.entry("a", "0002"));
  });
  await step("save", () => job!.save("b"));
  const again = await checkout(spool, spool.entry("b", "0002"));
  await step("save with metadata", () => again.update(() => 2).save("a"));
  const last = await checkout(spool, spool.entry("a", "0002"));
  await step("remove", () => last.remove());
  await spool.enqueue("a", { x: 3 }, new Uint8Array());
  // Claimed by another process (a spool opened apart, with its own state).
  const elsewhere = await Spool.load(dir, { queues: ["a", "b"] }, {
    durability,
  });
  await checkout(elsewhere, elsewhere.entry("a", "0003"));
  const [listed] = await listCheckoutsUnsafe(spool, "a");
  await step("remove, not claimed here", () => listed.remove());
  await step("direct remove", () => spool.entry("a", "0001").direct.remove());
  return steps;
}

Deno.test("protocol: strict durability flushes before publishing and before unlinking data", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const steps = await lifeOps(dir, "strict");
  assert.deepEqual(steps.enqueue, [
    "create .registry/0002",
    "write-new .data/0002",
    "write-new .tmp/0002",
    "sync .data/0002",
    "sync .tmp/0002",
    "syncdir .registry",
    "syncdir .data",
    "rename .tmp/0002 -> a/0002",
    "syncdir a",
  ]);
  assert.deepEqual(steps.checkout, [
    "link a/0002 -> a/.checkout/0002",
    // Read before the stamp: the file's time says whether it is due.
    "read a/.checkout/0002",
    "touch a/.checkout/0002",
    "touch .registry/0002",
    "unlink a/0002",
  ]);
  assert.deepEqual(steps.save, [
    // Still this process's checkout (see protocol.verifyStamp).
    "lstat a/.checkout/0002",
    "touch a/.checkout/0002",
    "touch .registry/0002",
    "rename a/.checkout/0002 -> b/0002",
  ]);
  assert.deepEqual(steps["save with metadata"], [
    "write-new .tmp/0002",
    // The new file keeps the checkout's stamp.
    "touch .tmp/0002",
    "sync .tmp/0002",
    "lstat b/.checkout/0002",
    "rename .tmp/0002 -> b/.checkout/0002",
    "touch b/.checkout/0002",
    "touch .registry/0002",
    "rename b/.checkout/0002 -> a/0002",
  ]);
  // The claim stamped the registry file just now: no second stamp.
  assert.deepEqual(steps.remove, [
    "lstat a/.checkout/0002",
    "unlink a/.checkout/0002",
    // Not linked back into its queue meanwhile (a requeue racing).
    "exists a/0002",
    "syncdir a/.checkout",
    "unlink .data/0002",
    "unlink .registry/0002",
  ]);
  // Claimed by someone else, or long ago: the stamp dates the removal, so
  // that leftovers of a removal cut short look like work in progress.
  assert.deepEqual(steps["remove, not claimed here"], [
    "lstat a/.checkout/0003",
    "touch .registry/0003",
    // Proved again right before the unlink, and looked at after it.
    "lstat a/.checkout/0003",
    "unlink a/.checkout/0003",
    "exists a/0003",
    "syncdir a/.checkout",
    "unlink .data/0003",
    "unlink .registry/0003",
  ]);
  assert.deepEqual(steps["direct remove"], [
    "touch .registry/0001",
    "unlink a/0001",
    "syncdir a",
    "unlink .data/0001",
    "unlink .registry/0001",
  ]);
});

Deno.test("protocol: relaxed durability makes the same moves with no flush", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const steps = await lifeOps(dir, "relaxed");
  assert.deepEqual(steps.enqueue, [
    "create .registry/0002",
    "write-new .data/0002",
    "write-new .tmp/0002",
    "rename .tmp/0002 -> a/0002",
  ]);
  assert.deepEqual(steps.remove, [
    "lstat a/.checkout/0002",
    "unlink a/.checkout/0002",
    "exists a/0002",
    "unlink .data/0002",
    "unlink .registry/0002",
  ]);
  for (const ops of Object.values(steps)) {
    assert.ok(!ops.some((op) => op.startsWith("sync")), ops.join("\n"));
  }
});

Deno.test("protocol: concurrent strict enqueues share directory flushes", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  fs.clear();
  const n = 64;
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) => spool.enqueue("q", i, new Uint8Array()),
    ),
  );
  const count = (prefix: string) =>
    fs.ops.filter((op) => op.startsWith(prefix)).length;
  assert.equal(count("sync .data/"), n);
  assert.equal(count("rename "), n);
  // Every enqueue needed three directory flushes; they were shared.
  assert.ok(count("syncdir ") < 3 * n, `${count("syncdir ")} flushes`);
  assert.equal((await spool.list("q")).length, n);
});

Deno.test("GroupCommit: a caller waits for a flush that started after it asked", async () => {
  const started: number[] = [];
  const gates: (() => void)[] = [];
  let onStart: (() => void) | undefined;
  const commit = new GroupCommit((_dir) => {
    started.push(started.length);
    onStart?.();
    return new Promise<void>((resolve) => gates.push(resolve));
  });
  const first = commit.flush("d");
  assert.equal(started.length, 1);
  // Arrive while the first flush runs: all share the second one.
  const second = [commit.flush("d"), commit.flush("d"), commit.flush("d")];
  assert.equal(started.length, 1);
  const secondStarted = new Promise<void>((resolve) => onStart = resolve);
  gates[0]();
  await first;
  await secondStarted;
  assert.equal(started.length, 2);
  gates[1]();
  await Promise.all(second);
  assert.equal(started.length, 2, "the three shared one flush");
  // Another directory is independent.
  const other = commit.flush("e");
  assert.equal(started.length, 3);
  gates[2]();
  await other;
});

Deno.test("GroupCommit: a failed flush rejects its callers and the next one runs", async () => {
  let calls = 0;
  const commit = new GroupCommit(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("EIO")) : Promise.resolve();
  });
  const failing = commit.flush("d");
  const next = commit.flush("d");
  await assert.rejects(failing, /EIO/);
  await next;
  assert.equal(calls, 2);
});

Deno.test("Throttle: runs at most `limit` jobs at once, in arrival order", async () => {
  const throttle = new Throttle(3);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  // The first jobs hold their slots until three run at once.
  const three = Promise.withResolvers<void>();
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      throttle.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        if (active === 3) three.resolve();
        await three.promise;
        active--;
      })),
  );
  assert.equal(peak, 3);
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.throws(() => new Throttle(0), RangeError);
});

Deno.test("protocol: ioConcurrency bounds concurrent file jobs", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  let active = 0;
  let peak = 0;
  const fs = new RecordingFileSystem(dir);
  const sync = fs.syncFile.bind(fs);
  // The first flushes hold their slots until two run at once: other jobs
  // keep the second slot busy until a second flush gets it.
  const two = Promise.withResolvers<void>();
  fs.syncFile = async (path: string) => {
    active++;
    peak = Math.max(peak, active);
    if (active === 2) two.resolve();
    await two.promise;
    await sync(path);
    active--;
  };
  const spool = await openSpool(
    fs,
    dir,
    { queues: ["q"], ioConcurrency: 2 },
    {
      createIfMissing: true,
    },
  );
  await Promise.all(
    Array.from({ length: 10 }, () => spool.enqueue("q", 0, new Uint8Array())),
  );
  assert.equal(peak, 2);
});
