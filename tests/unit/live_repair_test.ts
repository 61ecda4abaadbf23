// Repair while consumers live: every act of repair on a checkout re-proves,
// at the moment it acts, that the file it acts on is the stale one it
// judged. Each test holds a repair at the await between its judgement and
// its act (tests/_helpers/gate_fs.ts) and lets consumers move the entry on
// meanwhile, as a slow consumer, a second repair or the next consumer
// would.

import assert from "node:assert/strict";
import { type CheckedOutEntry, EntryNotFoundError, Spool } from "../../mod.ts";
import { checkout, requeueStaleCheckout, tryCheckout } from "../../expert.ts";
import {
  Monitor,
  type MonitorOptions,
  type RepairOptions,
  type RepairReport,
} from "../../monitor.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openMonitor } from "../../src/monitor.ts";
import { openSpool } from "../../src/spool.ts";
import { age } from "../_helpers/ages.ts";
import { GateFs } from "../_helpers/gate_fs.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

const QUEUES = ["q", "dead"];

/**
 * A spool in `dir` with one entry (its payload one byte), checked out, whose
 * holder's removal meets a requeue: the queue's name is linked to the
 * checkout just before the holder unlinks its checkout name, and `after`
 * runs 20 ms later.
 */
async function holderMeetingARequeue(
  dir: string,
  after: (waiting: string, checkedOut: string) => void,
): Promise<
  { name: string; holder: CheckedOutEntry<string, unknown, unknown> }
> {
  const { name } = await (await Spool.create(dir, { queues: QUEUES }))
    .enqueue("q", {}, new Uint8Array([1]));
  const checkedOut = `${dir}/q/.checkout/${name}`;
  const waiting = `${dir}/q/${name}`;
  const racing: FileSystem = {
    ...realFileSystem,
    remove(path) {
      if (path !== checkedOut) return realFileSystem.remove(path);
      Deno.linkSync(checkedOut, waiting);
      realFileSystem.remove(path);
      setTimeout(() => after(waiting, checkedOut), 20);
    },
  };
  const spool = await openSpool(racing, dir, { queues: QUEUES });
  return { name, holder: await checkout(spool, spool.entry("q", name)) };
}
/** Repair's history write for an entry it does not hold. */
const historyWrite = (path: string) => path.includes("repair");

/**
 * A spool in `dir` with one entry (its payload one byte), checked out by a
 * consumer silent for longer than the limit: repair may take it.
 */
async function staleCheckout(dir: string): Promise<{
  spool: Spool<string, unknown, Uint8Array>;
  name: string;
  slow: CheckedOutEntry<string, unknown, Uint8Array>;
}> {
  const spool = await Spool.create(dir, { queues: QUEUES });
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  const slow = await checkout(spool, spool.entry("q", name));
  age(`${dir}/q/.checkout/${name}`);
  return { spool, name, slow };
}

/**
 * A repair of `dir` started and held at its history write, between its
 * judgement and its act; `open` lets it go on.
 */
async function heldRepair(
  dir: string,
  repair: RepairOptions,
  options: MonitorOptions = {},
): Promise<{ open(): void; repairing: Promise<RepairReport> }> {
  const gates = new GateFs();
  const monitor = await openMonitor(gates.fs, dir, options);
  const held = gates.hold("writeFile", historyWrite);
  const repairing = monitor.repair(repair);
  await held.reached;
  return { open: () => held.open(), repairing };
}

/**
 * The other half of a race: the slow consumer puts its entry back, and
 * another consumer takes it.
 */
async function putBackAndTakenAgain(
  spool: Spool<string, unknown, Uint8Array>,
  slow: CheckedOutEntry<string, unknown, Uint8Array>,
): Promise<CheckedOutEntry<string, unknown, Uint8Array>> {
  await slow.save("q");
  return await checkout(spool, spool.entry("q", slow.name));
}

/**
 * The taker holds the entry alone (nobody else can take it) with `attempts`
 * abandoned attempts in its history; once it removes it nothing is left.
 */
async function assertHeldAlone(
  dir: string,
  spool: Spool<string, unknown, Uint8Array>,
  taker: CheckedOutEntry<string, unknown, Uint8Array>,
  attempts: number,
): Promise<void> {
  assert.equal(
    await tryCheckout(spool, spool.entry("q", taker.name)),
    undefined,
  );
  assert.equal((await taker.history()).attempts, attempts);
  await taker.remove();
  assert.deepEqual(files(dir), []);
}

/** The files left in the spool, directories aside. */
function files(dir: string): string[] {
  return tree(dir).filter((line) => !line.endsWith("/"));
}

Deno.test("live repair: a requeue held before its act leaves alone a checkout that went back and was taken again", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A slow consumer, its checkout older than the limit.
  const { spool, slow } = await staleCheckout(dir);
  const held = await heldRepair(dir, { dryRun: false });
  const taker = await putBackAndTakenAgain(spool, slow);
  held.open();
  const report = await held.repairing;
  assert.deepEqual(report.actions, []);
  assert.match(report.leftAlone[0]?.reason ?? "", /changed/);
  // Its consumer still holds it, and no abandoned attempt was recorded
  // against it.
  await assertHeldAlone(dir, spool, taker, 0);
});

Deno.test("live repair: of two repairs at once, the one held before its act leaves alone the checkout the other put back", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A consumer died holding it.
  const { spool, name } = await staleCheckout(dir);
  const held = await heldRepair(dir, { dryRun: false });
  // The second repair puts it back; the next consumer takes it.
  const second = await (await Monitor.create(dir)).repair({ dryRun: false });
  assert.deepEqual(second.actions.map((a) => a.kind), ["requeue"]);
  const taker = await checkout(spool, spool.entry("q", name));
  held.open();
  const report = await held.repairing;
  assert.deepEqual(report.actions, []);
  // One abandoned attempt, recorded once.
  const history = await taker.history();
  assert.deepEqual(history.failures.map((f) => f.kind), ["abandoned"]);
  await assertHeldAlone(dir, spool, taker, 1);
});

Deno.test("live repair: moving a damaged checkout, held before its act, leaves alone a checkout taken again meanwhile", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, name, slow } = await staleCheckout(dir);
  Deno.removeSync(`${dir}/.data/${name}`);
  const held = await heldRepair(dir, { dryRun: false, damagedTo: "dead" }, {
    limits: { workInProgressMs: 0 },
  });
  const taker = await putBackAndTakenAgain(spool, slow);
  held.open();
  const report = await held.repairing;
  assert.deepEqual(report.actions, []);
  assert.deepEqual(await spool.list("dead"), []);
  await taker.save("q");
  assert.equal((await spool.list("q")).length, 1);
});

Deno.test("live repair: a consumer whose stale checkout was put back cannot touch, save or remove the next consumer's", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const monitor = await Monitor.create(dir);
  const acts = {
    touch: (job: CheckedOutEntry<string, unknown, Uint8Array>) => job.touch(),
    save: (job: CheckedOutEntry<string, unknown, Uint8Array>) =>
      job.update(() => ({ n: 2 })).save("dead"),
    remove: (job: CheckedOutEntry<string, unknown, Uint8Array>) => job.remove(),
  };
  for (const [act, run] of Object.entries(acts)) {
    const { name } = await spool.enqueue("q", { n: 1 }, new Uint8Array([1]));
    // Alive, but silent for longer than the limit: repair may take it.
    const slow = await checkout(spool, spool.entry("q", name));
    age(`${dir}/q/.checkout/${name}`);
    const report = await monitor.repair({ dryRun: false });
    assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"], act);
    const taker = await checkout(spool, spool.entry("q", name));
    await assert.rejects(run(slow), EntryNotFoundError, act);
    // The next consumer's checkout is whole, and its own.
    assert.deepEqual(taker.metadata, { n: 1 }, act);
    assert.deepEqual(await taker.dataFile.load(), new Uint8Array([1]), act);
    await taker.touch();
    await taker.remove();
    assert.deepEqual(files(dir), [], act);
  }
});

Deno.test("live repair: an abandoned attempt that cannot be recorded is not requeued, and says why", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool, name } = await staleCheckout(dir);
  const full: FileSystem = {
    ...realFileSystem,
    writeFile(path, content, options) {
      if (historyWrite(path)) {
        throw Object.assign(
          new Error(`No space left on device (os error 28): ${path}`),
          { code: "ENOSPC" },
        );
      }
      return realFileSystem.writeFile(path, content, options);
    },
  };
  const monitor = await openMonitor(full, dir);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions, []);
  assert.match(report.leftAlone[0].reason, /not requeued.*no space left/);
  assert.deepEqual(await spool.list("q"), []);
  assert.ok(Deno.lstatSync(`${dir}/q/.checkout/${name}`).isFile);
  assert.deepEqual([...Deno.readDirSync(`${dir}/.tmp`)], []);
});

Deno.test("repair: names of 249 to 255 bytes keep their history: an abandoned attempt counts, a damaged entry moves", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const monitor = await Monitor.create(dir, {
    limits: { workInProgressMs: 0 },
  });
  for (const length of [249, 255]) {
    // The default names: the input, then a ULID of 26 characters.
    const reserve = "x".repeat(length - 26);
    const stale = await spool.enqueue("q", {}, new Uint8Array([1]), {
      reserve,
    });
    assert.equal(stale.name.length, length);
    await checkout(spool, stale);
    age(`${dir}/q/.checkout/${stale.name}`);
    const damaged = await spool.enqueue("q", {}, new Uint8Array([2]), {
      reserve,
    });
    Deno.removeSync(`${dir}/.data/${damaged.name}`);
    const report = await monitor.repair({ dryRun: false, damagedTo: "dead" });
    assert.deepEqual(report.leftAlone, [], `${length} bytes`);
    assert.deepEqual(
      report.actions.map((a) => `${a.kind} ${a.name}`).sort(),
      [`move-damaged ${damaged.name}`, `requeue ${stale.name}`].sort(),
    );
    const history = await stale.direct.readHistory();
    assert.deepEqual(history.failures.map((f) => f.kind), ["abandoned"]);
    const moved = await spool.entry("dead", damaged.name).direct.readHistory();
    assert.deepEqual(moved.failures.map((f) => f.kind), ["damaged"]);
    await (await checkout(spool, stale)).remove();
    await spool.entry("dead", damaged.name).direct.remove();
  }
  assert.deepEqual(files(dir), []);
});

Deno.test("force: requeueStaleCheckout puts back only a checkout older than the limit, and finishes a claim cut short", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const limit = { olderThanMs: 10 * 60_000 };
  const entry = await spool.enqueue("q", {}, new Uint8Array([1]));
  assert.deepEqual(await requeueStaleCheckout(spool, entry, limit), {
    kind: "gone",
  });
  const job = await checkout(spool, entry);
  assert.equal((await requeueStaleCheckout(spool, entry, limit)).kind, "fresh");
  age(`${dir}/q/.checkout/${entry.name}`);
  assert.equal(
    (await requeueStaleCheckout(spool, entry, limit)).kind,
    "requeued",
  );
  await assert.rejects(job.remove(), EntryNotFoundError);
  assert.deepEqual(
    (await entry.direct.readHistory()).failures.map((f) => f.kind),
    ["abandoned"],
  );
  // A claim cut short: one file both waiting and checked out, finished.
  Deno.linkSync(`${dir}/q/${entry.name}`, `${dir}/q/.checkout/${entry.name}`);
  assert.equal((await requeueStaleCheckout(spool, entry, limit)).kind, "fresh");
  // Older than a limit of 0: a millisecond at least.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const cutShort = await requeueStaleCheckout(spool, entry, {
    olderThanMs: 0,
  });
  assert.equal(cutShort.kind, "finished-claim");
  assert.equal((await entry.direct.readHistory()).attempts, 1);
  const taken = await tryCheckout(spool, entry, { evenIfNotDue: true });
  await taken!.remove();
  assert.deepEqual(files(dir), []);
});

Deno.test("force: requeueStaleCheckout held before its act leaves alone a checkout that went back and was taken again", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { spool: base, name, slow } = await staleCheckout(dir);
  const gates = new GateFs();
  const operator = await openSpool(gates.fs, dir, { queues: QUEUES });
  // Strict durability: the history is written and flushed through one
  // descriptor.
  const held = gates.hold("createFile", historyWrite);
  const forcing = requeueStaleCheckout(operator, operator.entry("q", name), {
    olderThanMs: 10 * 60_000,
  });
  await held.reached;
  const taker = await putBackAndTakenAgain(base, slow);
  held.open();
  assert.equal((await forcing).kind, "fresh");
  await assertHeldAlone(dir, base, taker, 0);
});

Deno.test("live repair: a stale holder's removal that races a requeue between its proof and its unlink leaves the entry waiting, whole", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // The requeue links the queue's name just before the holder's unlink of
  // its checkout name (the holder is past the limit: repair may), and
  // stamps it just after.
  const { name, holder } = await holderMeetingARequeue(dir, (waiting) => {
    const now = new Date();
    Deno.utimeSync(waiting, now, now);
  });
  await assert.rejects(holder.remove(), EntryNotFoundError);
  // It waits in its queue, with its payload, for the next consumer.
  const base = await Spool.load(dir, { queues: QUEUES });
  const next = await checkout(base, base.entry("q", name));
  assert.deepEqual(await next.dataFile.load(), new Uint8Array([1]));
  await next.remove();
  assert.deepEqual(files(dir), []);
});

Deno.test("live repair: a removal that meets a requeue's attempt undone (not the file it judged) goes through, and leaves nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A requeue that judged an earlier holder's stamp links the queue's name
  // to this fresh checkout just before its unlink, then finds it is not
  // the file it judged and unlinks its link again.
  const { holder } = await holderMeetingARequeue(
    dir,
    (waiting) => Deno.removeSync(waiting),
  );
  await holder.remove();
  assert.deepEqual(files(dir), []);
});

Deno.test("live repair: a removal whose file a consumer claims through a requeue's passing link leaves that consumer the entry, whole", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A requeue's attempt links the queue's name just before the holder's
  // unlink; a consumer claims the file through it, and the attempt's undo
  // finds its link gone.
  const { name, holder } = await holderMeetingARequeue(
    dir,
    (waiting, checkedOut) => {
      Deno.linkSync(waiting, checkedOut);
      const now = new Date();
      Deno.utimeSync(checkedOut, now, now);
      Deno.removeSync(waiting);
    },
  );
  const checkedOut = `${dir}/q/.checkout/${name}`;
  await assert.rejects(holder.remove(), EntryNotFoundError);
  // The consumer's checkout is whole.
  assert.deepEqual(
    Deno.readFileSync(`${dir}/.data/${name}`),
    new Uint8Array([1]),
  );
  assert.ok(Deno.lstatSync(`${dir}/.registry/${name}`).isFile);
  assert.ok(Deno.lstatSync(checkedOut).isFile);
});
