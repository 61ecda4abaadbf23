// Several hosts, one spool: the spool on a real shared file system, used
// through two mounts that stand in for two hosts (two clients, each with its
// own caches). On GlusterFS (a replica-3 volume, default options), on CephFS
// (one monitor, one OSD, one MDS without early replies; two ceph-fuse
// clients without cache: see the rig) and on sshfs:
// - create-new is exclusive: two reservers collide on every name, and every
//   name goes to exactly one of them, even where sshfs tells the loser
//   "permission denied";
// - a claim is exclusive: two racers try every entry, and each is won once;
// - producers and polling consumers on both mounts: every acknowledged entry
//   is handled exactly once, nothing is left or stuck, and check is clean;
// - a delayed entry made on one host waits there and on the other, and is
//   taken when due (sshfs keeps whole seconds: due times round up);
// - a claim cut short on one host is reported and finished from the other;
// - a consumer whose clock is half an hour off stamps its checkout with the
//   file system's time, so the monitor on the other host finds nothing old
//   (on CephFS, where each client stamps with its own host's clock, the
//   consumer's process is skewed, and a client whose own clock is off is
//   shown to stamp with it: there the hosts' clocks must agree).
//
// Run with `deno task test:multihost` (as root; tests/multihost/install.sh
// installs the Debian packages). Where root or FUSE is missing, every test
// is skipped and the reason printed; where one file system's packages are
// missing, that file system's test is.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import { checkout, tryCheckout } from "../../expert.ts";
import {
  type RunningChild,
  scopedTo,
  startDeno,
  untilOutput,
} from "../_helpers/children.ts";
import { sharedFileSystems, skewedClock, whyNotHere } from "./_rig.ts";

const why = whyNotHere();
if (why !== undefined) {
  console.log(`multihost: SKIPPED, ${why}`);
}

/** How many entries each producer enqueues; four producers. */
const PER_PRODUCER = why === undefined
  ? Number(Deno.env.get("MULTISPOOL_MULTIHOST_ENTRIES") ?? 500)
  : 0;

const PROCESSES = "tests/processes/fixtures";
const FIXTURES = "tests/multihost/fixtures";

for (const [kind, make] of sharedFileSystems()) {
  const whyNot = why ?? whyNotHere(kind);
  if (why === undefined && whyNot !== undefined) {
    console.log(`multihost ${kind}: SKIPPED, ${whyNot}`);
  }
  Deno.test({
    name: `multihost ${kind}: one spool, two hosts`,
    ignore: whyNot !== undefined,
    async fn(t) {
      await using shared = await make();
      const [a, b] = shared.mounts;
      let n = 0;
      /** A new spool, made through mount `a`, and its path in both mounts. */
      const newSpool = async (queues: string[]) => {
        const name = `spool${++n}`;
        await Spool.create(`${a}/${name}`, { queues });
        return [`${a}/${name}`, `${b}/${name}`] as const;
      };

      await t.step(
        "create-new is exclusive: colliding reservers get every name once",
        async () => {
          const [onA, onB] = await newSpool(["q"]);
          const count = 300;
          const racers = [onA, onB].map((spool) =>
            startDeno([
              "run",
              "--quiet",
              ...scopedTo(spool),
              `${FIXTURES}/reserver.ts`,
              spool,
              String(count),
            ], { stdin: true })
          );
          await go(racers);
          const names = (await Promise.all(racers.map(ended))).flatMap((out) =>
            JSON.parse(out) as string[]
          );
          assert.equal(names.length, 2 * count);
          assert.equal(new Set(names).size, names.length, "a name given twice");
          // Every input was contended, and each was won once.
          const firsts = names.filter((name) => !name.includes("-"));
          assert.equal(new Set(firsts).size, count);
        },
      );

      await t.step(
        "a claim is exclusive: racers on both hosts win each entry once",
        async () => {
          const [onA, onB] = await newSpool(["q", "done"]);
          const spool = await Spool.load(onA, { queues: ["q", "done"] }, {
            durability: "relaxed",
          });
          const count = 300;
          const names = new Set<string>();
          for (let i = 0; i < count; i++) {
            names.add((await spool.enqueue("q", i, new Uint8Array())).name);
          }
          const racers = [onA, onB].map((path) =>
            startDeno([
              "run",
              "--quiet",
              ...scopedTo(path),
              `${PROCESSES}/racer.ts`,
              path,
            ], { stdin: true })
          );
          await go(racers);
          const reports = (await Promise.all(racers.map(ended))).map((out) =>
            JSON.parse(out) as { won: string[] }
          );
          const won = reports.flatMap((report) => report.won);
          assert.equal(won.length, count, "entries won twice or never");
          assert.deepEqual(new Set(won), names);
          // Both hosts won some: the race was real.
          assert.ok(reports.every((report) => report.won.length > 0));
          assert.equal((await spool.list("done")).length, count);
          assert.deepEqual(
            await Monitor.create(onA).then((m) => m.runOnce()),
            [],
          );
        },
      );

      await t.step(
        "producers and polling consumers on both hosts: each entry handled exactly once",
        async () => {
          const [onA, onB] = await newSpool(["q"]);
          const mounts = [onA, onB];
          // On each host, one consumer makes its calls in line and one on
          // the thread pool, where its claims and removals interleave.
          const consumers = Array.from({ length: 4 }, (_, i) =>
            startDeno([
              "run",
              "--quiet",
              ...scopedTo(mounts[i % 2]),
              `${PROCESSES}/consumer.ts`,
              mounts[i % 2],
              "4",
              "50",
              i < 2 ? "in-line" : "off-thread",
            ]));
          try {
            await Promise.all(
              consumers.map((c) => c.line((l) => l === "ready")),
            );
            const producers = Array.from({ length: 4 }, (_, i) =>
              startDeno([
                "run",
                "--quiet",
                ...scopedTo(mounts[(i + 1) % 2]),
                `${PROCESSES}/producer.ts`,
                mounts[(i + 1) % 2],
                String(PER_PRODUCER),
                `p${i}`,
                "strict",
              ]));
            const produced = (await Promise.all(producers.map(ended)))
              .flatMap((out) => out.split("\n").filter(Boolean));
            assert.equal(produced.length, 4 * PER_PRODUCER);
            const handled = () =>
              consumers.flatMap((c) => c.lines().filter((l) => l !== "ready"));
            const wanted = new Set(produced);
            await untilOutput(
              consumers,
              () =>
                handled().filter((name) => wanted.has(name)).length >=
                  wanted.size,
              "every entry handled",
              300_000,
            );
          } finally {
            await Promise.all(consumers.map((c) => c.stop()));
          }
          const counts = new Map<string, number>();
          for (const c of consumers) {
            for (const name of c.lines().filter((l) => l !== "ready")) {
              counts.set(name, (counts.get(name) ?? 0) + 1);
            }
          }
          const twice = [...counts].filter(([, count]) => count > 1);
          assert.deepEqual(twice, [], "entries handled more than once");
          assert.equal(counts.size, 4 * PER_PRODUCER);
          // Nothing left, nothing stuck, and the monitor agrees.
          for (
            const sub of ["q", "q/.checkout", ".registry", ".data", ".tmp"]
          ) {
            assert.deepEqual(filesIn(`${onA}/${sub}`), [], sub);
          }
          assert.deepEqual(
            await Monitor.create(onB).then((m) => m.runOnce()),
            [],
          );
        },
      );

      await t.step(
        "a delayed entry made on one host is taken on the other when due, not before",
        async () => {
          const [onA, onB] = await newSpool(["q"]);
          const spoolA = await Spool.load(onA, { queues: ["q"] });
          const spoolB = await Spool.load(onB, { queues: ["q"] });
          const entry = await spoolA.enqueue("q", { n: 1 }, new Uint8Array(), {
            delay: 1500,
          });
          const due = await spoolB.entry("q", entry.name).direct.readDue();
          assert.ok(due !== undefined, "host B sees the due time");
          const later = await spoolA.enqueue("q", { n: 2 }, new Uint8Array(), {
            delay: 3_600_000,
          });
          // Polling only: no watch event crosses hosts.
          await using reader = spoolB.reader("q", {
            watch: false,
            pollIntervalMs: 100,
          });
          const job = await reader.dequeue();
          const at = Date.now();
          assert.equal(job?.name, entry.name);
          assert.ok(
            at >= due.getTime(),
            `taken ${due.getTime() - at} ms early`,
          );
          await job!.remove();
          assert.equal(await reader.dequeueAvailable(), undefined);
          // Made due from host B, it is taken from host A.
          await spoolB.entry("q", later.name).direct.makeDue();
          const again = await tryCheckout(
            spoolA,
            spoolA.entry("q", later.name),
          );
          assert.equal(again?.name, later.name);
          await again!.remove();
        },
      );

      await t.step(
        "a claim cut short on one host is found and finished from the other",
        async () => {
          const [onA, onB] = await newSpool(["q"]);
          const spoolA = await Spool.load(onA, { queues: ["q"] });
          const { name } = await spoolA.enqueue(
            "q",
            { n: 1 },
            new Uint8Array([1]),
          );
          // A consumer on host A linked the checkout name and died.
          const waiting = `${onA}/q/${name}`;
          Deno.linkSync(waiting, `${onA}/q/.checkout/${name}`);
          const spoolB = await Spool.load(onB, { queues: ["q"] });
          assert.equal(
            await tryCheckout(spoolB, spoolB.entry("q", name)),
            undefined,
          );
          // Just linked (its change time cannot be set back): no grace for
          // a claim in progress.
          const monitor = await Monitor.create(onB, {
            limits: { workInProgressMs: 0 },
          });
          const [problem, ...rest] = await monitor.runOnce();
          assert.deepEqual(rest, []);
          assert.equal(problem.kind, "duplicated");
          assert.equal(problem.sameFile, true);
          const hourAgo = new Date(Date.now() - 3_600_000);
          Deno.utimeSync(waiting, hourAgo, hourAgo);
          const report = await monitor.repair({ dryRun: false });
          assert.deepEqual(report.actions.map((a) => a.kind), ["finish-claim"]);
          assert.deepEqual(await monitor.runOnce(), []);
          const job = await checkout(spoolB, spoolB.entry("q", name));
          assert.deepEqual(job.metadata, { n: 1 });
          await job.remove();
        },
      );

      await t.step(
        "checkout ages survive clock skew between hosts",
        async () => {
          if (shared.kind === "glusterfs") {
            // With features.ctime on (the default), each GlusterFS client
            // stamps files with its own host's clock, and no file carries the
            // server's time: there, hosts must keep their clocks in step.
            // With it off, the bricks stamp what is created.
            await shared.setOption("features.ctime", "off");
          }
          for (const skew of ["-30m", "+30m"]) {
            // The skewed host: its processes (and its GlusterFS client) run on
            // a clock half an hour off. A CephFS client stamps with its own
            // clock, whatever the servers' (see the next step): there, only
            // the processes are skewed, as on sshfs, whose server stamps.
            const skewedMount = shared.kind === "glusterfs"
              ? await shared.mountClient({ faketime: skew })
              : b;
            const [onA] = await newSpool(["q"]);
            const onSkewed = `${skewedMount}/${onA.slice(a.length + 1)}`;
            const spool = await Spool.load(onA, { queues: ["q"] });
            const { name } = await spool.enqueue("q", {}, new Uint8Array());
            const holder = startDeno([
              "run",
              "--quiet",
              ...scopedTo(onSkewed),
              `${PROCESSES}/hold_checkout.ts`,
              onSkewed,
            ], { env: skewedClock(skew) });
            try {
              await holder.line((line) => line === name, "the checkout");
              const stamped = Deno.statSync(`${onA}/q/.checkout/${name}`)
                .mtime!;
              // Stamped on the file system's clock, not the holder's: its own
              // clock would put it half an hour away from now.
              const off = Math.abs(stamped.getTime() - Date.now());
              assert.ok(off < 5 * 60_000, `stamped ${off} ms away (${skew})`);
              // So the monitor on this host sees a young checkout, and repair
              // would not take it from its live consumer.
              const monitor = await Monitor.create(onA, {
                limits: { maxCheckedOutAgeMs: 10 * 60_000 },
              });
              assert.deepEqual(await monitor.runOnce(), []);
              assert.deepEqual((await monitor.repair()).actions, []);
            } finally {
              await holder.stop("SIGKILL");
            }
          }
        },
      );

      if (shared.kind === "cephfs") {
        await t.step(
          "a CephFS client stamps with its own host's clock: hosts keep their clocks in step",
          async () => {
            // What docs/several-hosts.md tells CephFS users: no server
            // clock can be had through a client whose own clock is off, so
            // a checkout made there looks half an hour old (or young) to
            // every other host.
            const skewed = await shared.mountClient({ faketime: "-30m" });
            const [onA] = await newSpool(["q"]);
            const onSkewed = `${skewed}/${onA.slice(a.length + 1)}`;
            Deno.writeFileSync(`${onSkewed}/.tmp/probe`, new Uint8Array());
            const stamped = Deno.statSync(`${onA}/.tmp/probe`).mtime!;
            const behind = Date.now() - stamped.getTime();
            assert.ok(
              Math.abs(behind - 30 * 60_000) < 5 * 60_000,
              `stamped ${behind} ms behind`,
            );
          },
        );
      }
    },
  });
}

/** Waits until every racer is ready, then tells them all to go. */
async function go(racers: RunningChild[]): Promise<void> {
  await Promise.all(racers.map((r) => r.line((l) => l === "ready")));
  await Promise.all(racers.map((r) => r.send("go\n")));
}

/** Waits for a child to end well and returns its output after "ready". */
async function ended(child: RunningChild): Promise<string> {
  const result = await child.done();
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.replace(/^ready\n/, "").trim();
}

/**
 * The files in `dir`, each confirmed by opening it: sshfs answers a listing
 * from a cache for up to 20 seconds, and may still list what another host
 * has removed.
 */
function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].filter((item) => {
    if (!item.isFile) return false;
    try {
      Deno.openSync(`${dir}/${item.name}`).close();
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }).map((item) => item.name);
}
