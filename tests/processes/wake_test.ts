// A reader that only watches wakes for every change that makes an entry
// claimable in its queue: also an unlink in `.checkout/` (repair's requeue
// and finish-claim), which its watch does not see. The reader lost the
// race for the entry while both names stood, and would otherwise never
// look again.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openMonitor } from "../../src/monitor.ts";
import { age } from "../_helpers/ages.ts";
import { scopedTo, startDeno } from "../_helpers/children.ts";
import { recordedSpool } from "../_helpers/recording_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/**
 * Resolves with what `promise` gives, or rejects with `what` after
 * `limitMs`: an entry that should be taken at once and is not.
 */
async function within<T>(
  promise: Promise<T>,
  limitMs: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), limitMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps without giving up the thread: a process stopped at a call. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

Deno.test("wake: a watching reader that lost an entry to a claim cut short takes it once repair finishes the claim", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { fs, spool } = await recordedSpool(dir);
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  // A consumer linked the checkout name and was killed before its unlink.
  Deno.linkSync(`${dir}/q/${name}`, `${dir}/q/.checkout/${name}`);
  age(`${dir}/q/${name}`);
  await using reader = spool.reader("q", { spread: 1 });
  const taken = reader.dequeue();
  // It tried the entry and lost: from now on only a wake-up brings it.
  await fs.completed("list q", 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(fs.ops.includes(`link q/${name} -> q/.checkout/${name}`));
  const monitor = await openMonitor(realFileSystem, dir, {
    limits: { workInProgressMs: 0 },
  });
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["finish-claim"]);
  const job = await within(
    taken,
    10_000,
    `the reader did not wake for ${name}: the finished claim raised no event in its queue`,
  );
  assert.equal(job?.name, name);
  await job?.remove();
});

Deno.test("wake: a watching reader in another process that lost an entry to a requeue in progress takes it once the requeue is done", async () => {
  await using tmp = await tempDir();
  await using marksDir = await tempDir();
  const dir = tmp.path;
  const marks = marksDir.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  // A consumer died holding it.
  await checkout(spool, spool.entry("q", name));
  age(`${dir}/q/.checkout/${name}`);
  const reader = startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    `--allow-write=${dir},${marks}`,
    "tests/processes/fixtures/watch_only_reader.ts",
    dir,
    marks,
  ]);
  try {
    await reader.line((line) => line === "listed", "a first listing");
    // The requeue, held between its link into the queue and its unlink of
    // the checkout name until the reader has tried the entry and lost it.
    const lost = `${marks}/lost-${name}`;
    const held: FileSystem = {
      ...realFileSystem,
      remove(path) {
        if (path === `${dir}/q/.checkout/${name}`) {
          for (let waited = 0; waited < 10_000; waited += 10) {
            try {
              Deno.lstatSync(lost);
              break;
            } catch {
              block(10);
            }
          }
        }
        realFileSystem.remove(path);
      },
    };
    const report = await (await openMonitor(held, dir)).repair({
      dryRun: false,
    });
    assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"]);
    assert.ok(Deno.lstatSync(`${marks}/lost-${name}`).isFile);
    await within(
      reader.line((line) => line === `took ${name}`),
      10_000,
      `the reader did not wake for ${name}: the requeue's unlink raised no event in its queue`,
    );
  } finally {
    await reader.stop("SIGKILL");
  }
});
