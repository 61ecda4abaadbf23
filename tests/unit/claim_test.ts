// Claims where the file system does not behave like one local disk: a link
// made through a handle another host made stale, an unlink whose reply was
// lost, "permission denied" for a name that exists, ESTALE, a file system
// whose clock is not this process's; and the claim a crash cut short, as
// the monitor and repair see it. The real thing, on GlusterFS and sshfs,
// is in tests/multihost/.

import assert from "node:assert/strict";
import { checkout, tryCheckout } from "../../expert.ts";
import { Spool } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import {
  exclusive,
  type FileSystem,
  fresh,
  realFileSystem,
} from "../../src/fs.ts";
import { openMonitor } from "../../src/monitor.ts";
import { openSpool } from "../../src/spool.ts";
import { age, summary } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

const QUEUES = ["q", "done"];

Deno.test("claim: a link made through a stale handle is taken back, and the entry stays where it went", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  // Host A takes the entry and saves it to "done".
  await (await checkout(spool, spool.entry("q", name))).save("done");
  // Host B cached a handle on q/NAME before that, and (as a GlusterFS client
  // does) reaches the file through it wherever the file went.
  const waiting = `${dir}/q/${name}`;
  const moved = `${dir}/done/${name}`;
  const through = (path: string) => path === waiting ? moved : path;
  const stale: FileSystem = {
    ...realFileSystem,
    touch: (path, time) => realFileSystem.touch(through(path), time),
    link: (from, to) => realFileSystem.link(through(from), to),
    // Which is why a rename cannot claim there: it would move the file
    // from "done" into q/.checkout/, and tell host B it won.
    rename: (from, to) => realFileSystem.rename(through(from), to),
  };
  const hostB = await openSpool(stale, dir, { queues: QUEUES });
  assert.equal(await tryCheckout(hostB, hostB.entry("q", name)), undefined);
  assert.equal(Deno.lstatSync(moved).nlink, 1);
  assert.deepEqual(
    tree(dir).filter((line) => line.includes(name)).map((line) =>
      line.split(" ")[0]
    ),
    [`.data/${name}`, `.registry/${name}`, `done/${name}`],
  );
  // The entry is where host A put it, for the consumers of "done".
  const taken = await checkout(spool, spool.entry("done", name));
  await taken.remove();
});

Deno.test("claim: an unlink whose reply was lost leaves the checkout to repair, never to two consumers", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  const waiting = `${dir}/q/${name}`;
  // The unlink is carried out, but its reply is lost: the call made again
  // is told "not found" (NFS over an unreliable transport).
  const lossy: FileSystem = {
    ...realFileSystem,
    remove(path) {
      realFileSystem.remove(path);
      if (path === waiting) {
        throw new Deno.errors.NotFound(`No such file or directory: ${path}`);
      }
    },
  };
  const unlucky = await openSpool(lossy, dir, { queues: QUEUES });
  assert.equal(await tryCheckout(unlucky, unlucky.entry("q", name)), undefined);
  // Nobody holds it, and nobody else can take it either.
  assert.equal(await tryCheckout(spool, spool.entry("q", name)), undefined);
  const checkedOut = `${dir}/q/.checkout/${name}`;
  assert.equal(Deno.lstatSync(checkedOut).nlink, 1);
  // Once the checkout is older than its limit, repair puts it back.
  age(checkedOut);
  const monitor = await Monitor.create(dir);
  assert.deepEqual(summary(await monitor.runOnce()), [
    `too-old ${name} q/.checkout`,
  ]);
  const report = await monitor.repair({ dryRun: false });
  assert.deepEqual(report.actions.map((a) => a.kind), ["requeue"]);
  const again = await checkout(spool, spool.entry("q", name));
  await again.remove();
  assert.deepEqual(await monitor.runOnce(), []);
});

Deno.test("claim: one cut short by a crash is one file in two places; repair finishes it once it is old", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const { name } = await spool.enqueue("q", { n: 1 }, new Uint8Array([1]));
  // A consumer linked the checkout name and died before the unlink.
  const waiting = `${dir}/q/${name}`;
  Deno.linkSync(waiting, `${dir}/q/.checkout/${name}`);
  // No other consumer can take it meanwhile.
  assert.equal(await tryCheckout(spool, spool.entry("q", name)), undefined);
  // Just linked: a claim in progress, as far as a check can tell.
  assert.deepEqual(await (await Monitor.create(dir)).runOnce(), []);
  // The link's change time cannot be aged by hand: no grace here.
  const monitor = await Monitor.create(dir, {
    limits: { workInProgressMs: 0 },
  });
  const [problem] = await monitor.runOnce();
  assert.equal(problem.kind, "duplicated");
  assert.equal(problem.sameFile, true);
  assert.deepEqual(summary([problem]), [`duplicated ${name} q,q/.checkout`]);
  // Young: it could be a claim in progress, so repair leaves it.
  const early = await monitor.repair({ dryRun: false });
  assert.deepEqual(early.actions, []);
  assert.match(early.leftAlone[0].reason, /claim in progress/);
  // Old (the two names are one file: aging one ages both). Consumers that
  // keep failing to claim it do not make it young again, or repair would
  // never finish it.
  age(waiting);
  assert.equal(await tryCheckout(spool, spool.entry("q", name)), undefined);
  const plan = await monitor.repair();
  assert.deepEqual(
    plan.actions.map((a) => `${a.kind} ${a.name}`),
    [`finish-claim ${name}`],
  );
  assert.deepEqual(plan.leftAlone, []);
  await monitor.repair({ dryRun: false });
  assert.deepEqual(await monitor.runOnce(), []);
  assert.throws(() => Deno.lstatSync(`${dir}/q/.checkout/${name}`));
  // The entry waits in its queue again, whole.
  const job = await checkout(spool, spool.entry("q", name));
  assert.deepEqual(job.metadata, { n: 1 });
  assert.deepEqual(await job.dataFile.load(), new Uint8Array([1]));
  await job.remove();
});

Deno.test("claim: a checkout is a link, stamps, then an unlink; a lost claim changes nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const ops: string[] = [];
  const rel = (path: string) => path.slice(dir.length + 1);
  const recording: FileSystem = {
    ...realFileSystem,
    touch(path, time) {
      ops.push(`touch ${rel(path)}`);
      realFileSystem.touch(path, time);
    },
    link(from, to) {
      ops.push(`link ${rel(from)} -> ${rel(to)}`);
      realFileSystem.link(from, to);
    },
    remove(path) {
      ops.push(`unlink ${rel(path)}`);
      realFileSystem.remove(path);
    },
    rename(from, to) {
      ops.push(`rename ${rel(from)} -> ${rel(to)}`);
      realFileSystem.rename(from, to);
    },
  };
  const spool = await openSpool(recording, dir, { queues: QUEUES }, {
    createIfMissing: true,
  });
  const { name } = await spool.enqueue("q", {}, new Uint8Array());
  ops.length = 0;
  const job = await checkout(spool, spool.entry("q", name));
  assert.deepEqual(ops, [
    `link q/${name} -> q/.checkout/${name}`,
    `touch q/.checkout/${name}`,
    `touch .registry/${name}`,
    `unlink q/${name}`,
  ]);
  // A process that fails to claim changes nothing.
  ops.length = 0;
  assert.equal(await tryCheckout(spool, spool.entry("q", name)), undefined);
  assert.deepEqual(ops, [`link q/${name} -> q/.checkout/${name}`]);
  ops.length = 0;
  // Saving is the holder's alone: one rename.
  await job.save("done");
  assert.deepEqual(ops, [
    `touch q/.checkout/${name}`,
    `touch .registry/${name}`,
    `rename q/.checkout/${name} -> done/${name}`,
  ]);
});

Deno.test("claim: a rename whose reply was lost is recognised as done", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  let failures = 0;
  const lossy: FileSystem = {
    ...realFileSystem,
    rename(from, to) {
      realFileSystem.rename(from, to);
      if (failures++ === 0) throw new Error("Input/output error (os error 5)");
    },
  };
  const spool = await openSpool(lossy, dir, { queues: QUEUES }, {
    createIfMissing: true,
  });
  // The publishing rename happened: the enqueue resolves, the entry is whole.
  const entry = await spool.enqueue("q", { n: 1 }, new Uint8Array([7]));
  const job = await checkout(spool, entry);
  assert.deepEqual(await job.dataFile.load(), new Uint8Array([7]));
  await job.remove();
  assert.deepEqual(tree(dir).filter((line) => !line.endsWith("/")), []);
});

Deno.test("claim: a rename that failed is not mistaken for one that happened", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const failing: FileSystem = {
    ...realFileSystem,
    rename() {
      throw new Error("Input/output error (os error 5)");
    },
  };
  const spool = await openSpool(failing, dir, { queues: QUEUES }, {
    createIfMissing: true,
  });
  await assert.rejects(
    () => spool.enqueue("q", {}, new Uint8Array([7])),
    /Input\/output error/,
  );
  // Nothing half-done is left behind.
  assert.deepEqual(tree(dir).filter((line) => !line.endsWith("/")), []);
});

Deno.test("fs: 'permission denied' for a name that exists means it is taken", async () => {
  await using tmp = await tempDir();
  const taken = `${tmp.path}/taken`;
  Deno.writeTextFileSync(taken, "");
  const denied = () => {
    throw new Deno.errors.PermissionDenied(
      "Operation not permitted (os error 1)",
    );
  };
  // What the losers of a create race on sshfs are told.
  assert.throws(() => exclusive(taken, denied), Deno.errors.AlreadyExists);
  // Where the name does not exist, it is what it says.
  assert.throws(
    () => exclusive(`${tmp.path}/free`, denied),
    Deno.errors.PermissionDenied,
  );
  // Deno's own permission checks are never mistaken for a taken name.
  assert.throws(
    () =>
      exclusive(taken, () => {
        throw new Deno.errors.NotCapable("Requires write access");
      }),
    Deno.errors.NotCapable,
  );
});

Deno.test("fs: a look that answers ESTALE is made again; a lasting ESTALE is thrown", () => {
  const stale = () =>
    Object.assign(new Error("Stale file handle (os error 116)"), {
      code: "ESTALE",
    });
  let calls = 0;
  assert.equal(
    fresh(() => {
      if (++calls < 3) throw stale();
      return "fresh";
    }),
    "fresh",
  );
  assert.equal(calls, 3);
  calls = 0;
  assert.throws(() =>
    fresh(() => {
      calls++;
      throw stale();
    }), /Stale file handle/);
  assert.ok(calls > 1 && calls < 10);
});

Deno.test("clock: stamps and ages follow the file system's clock, not this process's", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A file server whose clock is half an hour behind this process's: it
  // stamps what it creates with its own time.
  const BEHIND = 30 * 60_000;
  const serverTime = () => new Date(Date.now() - BEHIND);
  const server: FileSystem = {
    ...realFileSystem,
    createExclusive(path) {
      realFileSystem.createExclusive(path);
      realFileSystem.touch(path, serverTime());
    },
    async writeFile(path, content, options) {
      await realFileSystem.writeFile(path, content, options);
      realFileSystem.touch(path, serverTime());
    },
    async createFile(path, content) {
      const file = await realFileSystem.createFile(path, content);
      realFileSystem.touch(path, serverTime());
      return file;
    },
  };
  const spool = await openSpool(server, dir, { queues: QUEUES }, {
    createIfMissing: true,
  });
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  const job = await checkout(spool, entry);
  const stamped = Deno.statSync(`${dir}/q/.checkout/${entry.name}`).mtime!;
  assert.ok(
    Math.abs(stamped.getTime() - serverTime().getTime()) < 60_000,
    `stamped ${stamped.toISOString()}, the server says ${serverTime().toISOString()}`,
  );
  // A monitor measures against the same clock: a checkout made a moment
  // ago is a moment old, not half an hour.
  const monitor = await openMonitor(server, dir, {
    limits: { maxCheckedOutAgeMs: 5 * 60_000 },
  });
  assert.deepEqual(await monitor.runOnce(), []);
  await job.remove();
  // The probes that read the clock leave nothing behind.
  assert.deepEqual(tree(dir).filter((line) => !line.endsWith("/")), []);
});

Deno.test("claim: a link that fails with another error is lost if anyone holds the entry, an error if none does", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: QUEUES });
  const { name } = await spool.enqueue("q", {}, new Uint8Array());
  const eio = () => new Error("Input/output error (os error 5)");
  // The loser of a race on GlusterFS: the winner's link stands.
  const winner = await checkout(spool, spool.entry("q", name));
  await winner.save("q");
  Deno.linkSync(`${dir}/q/${name}`, `${dir}/q/.checkout/${name}`);
  const racing: FileSystem = {
    ...realFileSystem,
    link() {
      throw eio();
    },
  };
  const loser = await openSpool(racing, dir, { queues: QUEUES });
  assert.equal(await tryCheckout(loser, loser.entry("q", name)), undefined);
  // Waiting and held by nobody, twice: the error is the disk's, and it
  // says so.
  Deno.removeSync(`${dir}/q/.checkout/${name}`);
  await assert.rejects(
    () => tryCheckout(loser, loser.entry("q", name)),
    /Cannot check out entry .*Input\/output error/,
  );
  const job = await checkout(spool, spool.entry("q", name));
  await job.remove();
});
