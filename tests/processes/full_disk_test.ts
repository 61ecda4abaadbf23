// A full disk, for real: a small tmpfs (4 MiB, 2048 inodes) filled by
// producer processes while consumer processes drain it. Every acknowledged
// entry is handled once, whole (its payload's SHA-256 checked); every
// rejected enqueue leaves nothing behind; producers resume once consumers
// free space. Needs root (to mount the tmpfs); skipped, and says so,
// without it. Waits on the children's output, never on time.
//
// The inodes are few, but enough that the bytes run out first: with the
// inodes used up, no consumer can check an entry out (see the ignored test
// at the end), and the spool would stay full.

import assert from "node:assert/strict";
import { DiskFullError, Spool } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import {
  runDeno,
  type RunningChild,
  scopedTo,
  startDeno,
  untilOutput,
} from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { mountTmpfs, umount } from "../_helpers/tmpfs.ts";

const PRODUCERS = 2;
const CONSUMERS = 2;

/** Runs `body` with a small tmpfs mounted at `mnt`, unmounted after. */
async function withTmpfs(
  t: Deno.TestContext,
  size: string,
  inodes: number,
  body: (mnt: string) => Promise<void>,
): Promise<void> {
  await using tmp = await tempDir();
  const mnt = `${tmp.path}/mnt`;
  await Deno.mkdir(mnt);
  if (!await mountTmpfs(mnt, size, inodes)) {
    console.log("SKIPPED: needs root to mount a tmpfs");
    await t.step({
      name: "SKIPPED: needs root to mount a tmpfs",
      ignore: true,
      fn() {},
    });
    return;
  }
  try {
    await body(mnt);
  } finally {
    assert.ok(await umount(mnt), `could not unmount ${mnt}`);
  }
}

/** The files (not directories) under `dir`, relative to it. */
function files(dir: string, rel = ""): string[] {
  const found: string[] = [];
  for (const item of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
    const path = rel ? `${rel}/${item.name}` : item.name;
    if (item.isDirectory) found.push(...files(dir, path));
    else found.push(path);
  }
  return found;
}

/** The second word of each of `child`'s lines starting with `word`. */
const named = (child: RunningChild, word: string) =>
  child.lines().filter((l) => l.startsWith(`${word} `)).map((l) =>
    l.split(" ")[1]
  );

/** Whether `child` printed an `ack` after its first `full`. */
function resumed(child: RunningChild): boolean {
  const lines = child.lines();
  const full = lines.indexOf("full");
  return full !== -1 && lines.slice(full).some((l) => l.startsWith("ack "));
}

Deno.test("full disk: producers fill a tmpfs while consumers drain it; nothing acknowledged is lost, nothing rejected is left", async (t) => {
  await withTmpfs(t, "4m", 2048, async (mnt) => {
    const dir = `${mnt}/spool`;
    await Spool.create(dir, { queues: ["q"] });
    const run = (fixture: string, stdin = false) =>
      startDeno([
        "run",
        "--quiet",
        ...scopedTo(mnt),
        `tests/processes/fixtures/${fixture}`,
        dir,
      ], { stdin });
    const producers = Array.from(
      { length: PRODUCERS },
      () => run("full_disk_producer.ts", true),
    );
    const consumers: RunningChild[] = [];
    try {
      // Alone, the producers fill the disk: each is told it is full.
      await untilOutput(
        producers,
        () => producers.every((p) => p.lines().includes("full")),
        "every producer told the disk is full",
      );
      const ackedWhenFull = producers.flatMap((p) => named(p, "ack")).length;
      assert.ok(ackedWhenFull > 0);

      // Consumers free space, and the producers, still trying, resume.
      for (let i = 0; i < CONSUMERS; i++) {
        consumers.push(run("full_disk_consumer.ts"));
      }
      await Promise.all(consumers.map((c) => c.line((l) => l === "ready")));
      await untilOutput(
        [...producers, ...consumers],
        () =>
          producers.every(resumed) &&
          producers.flatMap((p) => named(p, "ack")).length >=
            2 * ackedWhenFull,
        "every producer acknowledged again after the disk was full",
      );

      // Stop the producers, then let the consumers drain the spool.
      const results = await Promise.all(producers.map(async (p) => {
        await p.send("stop\n");
        return await p.done();
      }));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const acked = producers.flatMap((p) => named(p, "ack"));
      const handled = () => consumers.flatMap((c) => named(c, "handled"));
      await untilOutput(
        consumers,
        () => new Set(handled()).size >= acked.length,
        "every acknowledged entry handled",
      );
      for (const consumer of consumers) {
        const result = await consumer.stop();
        assert.equal(result.code, 0, result.stderr);
      }

      // Each acknowledged entry handled once, its payload intact.
      assert.deepEqual([...handled()].sort(), [...acked].sort());
      const bad = consumers.flatMap((c) =>
        c.lines().filter((l) => l.startsWith("handled ") && !l.endsWith(" ok"))
      );
      assert.deepEqual(bad, []);
      // The rejected enqueues left nothing: no file at all is left, and the
      // check (nothing in progress now: no grace) is clean.
      assert.deepEqual(files(dir), []);
      const monitor = await Monitor.create(dir, {
        limits: { workInProgressMs: 0 },
      });
      assert.deepEqual(await monitor.runOnce(), []);
      const check = await runDeno([
        "run",
        "--quiet",
        ...scopedTo(mnt),
        "cli/main.ts",
        "check",
        dir,
      ]);
      assert.deepEqual(
        [check.code, check.stdout],
        [0, `${dir}: no problems\n`],
        check.stderr,
      );

      const done = results.map((r) =>
        r.stdout.trim().split("\n").at(-1)!.split(" ").map(Number)
      );
      const rejectedAtReserve = done.reduce((sum, d) => sum + d[2], 0);
      const rejectedAtWrite = done.reduce((sum, d) => sum + d[3], 0);
      assert.ok(rejectedAtReserve + rejectedAtWrite > 0);
      console.log(
        `full disk: ${acked.length} enqueues acknowledged (${ackedWhenFull} before the disk first filled), ${
          rejectedAtReserve + rejectedAtWrite
        } rejected with DiskFullError (${rejectedAtReserve} reserving a name, ${rejectedAtWrite} writing) in ${
          producers.flatMap((p) => p.lines().filter((l) => l === "full")).length
        } spells of a full disk, ${handled().length} entries handled, ${
          consumers.flatMap((c) => c.lines().filter((l) => l === "full")).length
        } checkouts rejected as full`,
      );
    } finally {
      for (const child of [...producers, ...consumers]) {
        if (!child.ended()) await child.stop("SIGKILL");
      }
    }
  });
});

// BUG (checkout needs a free inode on tmpfs): a claim links the entry's
// metadata file into `.checkout/` (src/protocol/claim.ts, `claim`), and
// tmpfs counts every hard link against `nr_inodes`. Once producers have
// used up the inodes, every checkout fails with DiskFullError ("Cannot
// check out entry ... link ..."), so no consumer can free anything: the
// spool stays full for good. A consumer must be able to drain a full spool.
Deno.test({
  name: "full disk: a spool whose inodes ran out can still be drained",
  ignore: true,
  async fn(t) {
    await withTmpfs(t, "4m", 40, async (mnt) => {
      const spool = await Spool.create(`${mnt}/spool`, { queues: ["q"] });
      let acked = 0;
      for (;;) {
        try {
          await spool.enqueue("q", { acked }, new Uint8Array(100));
          acked++;
        } catch (error) {
          if (!(error instanceof DiskFullError)) throw error;
          break;
        }
      }
      assert.ok(acked > 0);
      await using reader = spool.reader("q", { watch: false });
      for (let handled = 0; handled < acked; handled++) {
        const job = await reader.dequeueAvailable();
        assert.ok(job !== undefined);
        await job.remove();
      }
      // Space came back: a producer resumes.
      await spool.enqueue("q", {}, new Uint8Array(100));
    });
  },
});
