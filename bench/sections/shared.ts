// Through a shared file system: a spool on GlusterFS (replica 3, default
// options, bricks in memory), on CephFS (one MDS without early replies, two
// ceph-fuse clients) and on sshfs, used through two mounts that stand in for
// two hosts (tests/multihost/_rig.ts builds them). Raw races: two
// processes, one on each mount, make the same calls on the same 500 names,
// and how many names both were told they won is counted (rename, link,
// create-new). Enqueue: one producer process on each mount, 4 concurrent
// enqueues each, strict and relaxed. Drain: a backlog drained by one
// consumer process on each mount at once. One producer host, one consumer
// host (strict, 1 and 16 at once): the producer's enqueue rate alone, the
// consumer's drain rate on that backlog, and the time from `enqueue` called
// on one host to handler begun on the other with both running. Needs root
// and FUSE; skipped with a note otherwise. MULTISPOOL_BENCH_SHARED=
// glusterfs,cephfs picks file systems (all three by default; add
// cephfs-early-reply for Ceph's default MDS), and
// MULTISPOOL_BENCH_SHARED_HOSTS_ONLY=1 measures only host to host.

import { alternate } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup, type WorkerResult } from "../lib/proc.ts";
import { createSpool } from "./backlog.ts";
import { quantile } from "../lib/stats.ts";
import {
  cephfs,
  sharedFileSystems,
  type SharedFs,
  type SharedFsKind,
  whyNotHere,
} from "../../tests/multihost/_rig.ts";

const SECTION = "Through a shared file system, 1 KiB payload";
/** Entries in each drained backlog. */
const BACKLOG = 1_000;

/** Entries per second of a group of workers, first start to last end. */
function rate(results: WorkerResult[]): number {
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  return ops / (end - start) * 1000;
}

/** Names in each raw race. */
const RACED = 500;

/** Counts the names both racers were told they won, for each call. */
async function races(bench: Bench, shared: SharedFs): Promise<void> {
  const [a, b] = shared.mounts;
  for (const call of ["rename", "link", "create"]) {
    const dir = `race-${call}`;
    Deno.mkdirSync(`${a}/${dir}/q/.checkout`, { recursive: true });
    Deno.mkdirSync(`${a}/${dir}/reg`);
    for (let i = 0; i < RACED; i++) {
      Deno.writeFileSync(
        `${a}/${dir}/q/e${String(i).padStart(5, "0")}`,
        new Uint8Array(),
      );
    }
    const [one, other] = await runGroup(
      [a, b].map((mount) =>
        denoWorker("race_raw.ts", [`${mount}/${dir}`, call, RACED])
      ),
    );
    const won = new Set(one.won as string[]);
    const twice = (other.won as string[]).filter((name) => won.has(name));
    bench.log(
      `  ${shared.kind} ${call}: ${twice.length} of ${RACED} won twice`,
    );
    bench.results.row(
      SECTION,
      `raw race for ${RACED} names, 2 hosts: names won twice`,
      `${shared.kind} ${call}`,
      "names",
      [twice.length],
    );
  }
}

/** Measures enqueue and drain through `shared`. */
async function measure(bench: Bench, shared: SharedFs): Promise<void> {
  const { results } = bench;
  const [a, b] = shared.mounts;
  let n = 0;
  const spoolPair = async () => {
    const name = `spool${++n}`;
    await createSpool(`${a}/${name}`);
    return [`${a}/${name}`, `${b}/${name}`];
  };
  const enqueueMs = 3 * bench.scale.enqueueMs;
  const rounds = 3;
  const durabilities = ["strict", "relaxed"] as const;
  /** Rates of `run` on a fresh pair of mounts, each durability in turn. */
  const ratesOf = (
    what: string,
    run: (spools: string[], durability: string) => Promise<number>,
  ) =>
    alternate(
      durabilities.map((durability) => ({
        id: durability,
        run: async () => run(await spoolPair(), durability),
      })),
      rounds,
      (id, round, value) =>
        bench.log(
          `  ${shared.kind} ${what} ${id} round ${round + 1}: ${
            value.toFixed(0)
          }/s`,
        ),
    );
  const enqueued = await ratesOf("enqueue", async (spools, durability) =>
    rate(
      await runGroup(
        spools.map((spool) =>
          denoWorker("enqueue_lib.ts", [spool, durability, 4])
        ),
        [enqueueMs],
      ),
    ));
  const drained = await ratesOf("drain", async (spools, durability) => {
    await runGroup(
      [denoWorker("build_lib.ts", [spools[0], BACKLOG, 1024])],
      [],
      1_800_000,
    );
    return rate(
      await runGroup(
        spools.map((spool) =>
          denoWorker("drain_lib.ts", [spool, durability, 32, 0])
        ),
      ),
    );
  });
  for (const durability of durabilities) {
    results.row(
      SECTION,
      `enqueue, 2 hosts x 4 concurrent`,
      `${shared.kind} ${durability}`,
      "entries/s",
      enqueued.get(durability)!,
    );
    results.row(
      SECTION,
      `drain ${BACKLOG}, 1 consumer on each of 2 hosts`,
      `${shared.kind} ${durability}`,
      "entries/s",
      drained.get(durability)!,
    );
  }
}

/** How often the consumer host lists the queue while it waits. */
const POLL_MS = 50;

/**
 * One producer host and one consumer host, strict, `concurrency` at once:
 * enqueue rate of the producer alone (building a backlog), drain rate of
 * the consumer on that backlog, then both together: enqueue→handled
 * latency and the rate entries were handled at.
 */
async function hostToHost(
  bench: Bench,
  shared: SharedFs,
  label: string,
  concurrency: number,
): Promise<void> {
  const { results } = bench;
  const [a, b] = shared.mounts;
  const count = bench.quick ? 40 : concurrency === 1 ? 150 : 400;
  const spoolPair = async (name: string) => {
    await createSpool(`${a}/${name}`);
    return [`${a}/${name}`, `${b}/${name}`];
  };
  const at = `${concurrency} at once`;
  const [onA, onB] = await spoolPair(`hosts-${concurrency}-drain`);
  const [enqueued] = await runGroup(
    [denoWorker("produce_shared.ts", [onA, "strict", concurrency, count])],
    [],
    1_800_000,
  );
  const [drained] = await runGroup(
    [denoWorker("consume_shared.ts", [
      onB,
      "strict",
      concurrency,
      count,
      POLL_MS,
    ])],
    [],
    1_800_000,
  );
  const [onA2, onB2] = await spoolPair(`hosts-${concurrency}-latency`);
  const [, together] = await runGroup(
    [
      denoWorker("produce_shared.ts", [onA2, "strict", concurrency, count]),
      denoWorker("consume_shared.ts", [
        onB2,
        "strict",
        concurrency,
        count,
        POLL_MS,
      ]),
    ],
    [],
    1_800_000,
  );
  const latencies = (together.handled as [number, number][]).map((
    [t0, t],
  ) => t - t0);
  const figures = {
    enqueue: rate([enqueued]),
    drain: rate([drained]),
    handled: rate([together]),
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
  };
  bench.log(
    `  ${label} ${at}: enqueue ${figures.enqueue.toFixed(0)}/s, ` +
      `drain ${figures.drain.toFixed(0)}/s; together: handled ` +
      `${figures.handled.toFixed(0)}/s, enqueue→handled p50 ` +
      `${figures.p50.toFixed(0)} ms, p90 ${figures.p90.toFixed(0)} ms`,
  );
  const contender = `${label} ${at}`;
  const row = (what: string, unit: string, value: number) =>
    results.row(
      SECTION,
      `1 producer host, 1 consumer host, strict: ${what}`,
      contender,
      unit,
      [value],
    );
  row(`enqueue ${count}`, "entries/s", figures.enqueue);
  row(`drain ${count}`, "entries/s", figures.drain);
  row(`both running, ${count}: handled`, "entries/s", figures.handled);
  row(`both running, ${count}: enqueue→handled p50`, "ms", figures.p50);
  row(`both running, ${count}: enqueue→handled p90`, "ms", figures.p90);
}

/**
 * The file systems measured: GlusterFS, CephFS and sshfs, and, only when
 * picked, CephFS with Ceph's default early replies ("cephfs-early-reply").
 */
function fileSystems(): [string, SharedFsKind, () => Promise<SharedFs>][] {
  return [
    ...sharedFileSystems().map(([kind, make]) =>
      [kind, kind, make] as [string, SharedFsKind, () => Promise<SharedFs>]
    ),
    [
      "cephfs-early-reply",
      "cephfs",
      () => cephfs({ mds: { mds_early_reply: "true" } }),
    ],
  ];
}

/** The section: GlusterFS, CephFS, then sshfs (or those picked). */
export async function sharedSection(bench: Bench): Promise<void> {
  const why = whyNotHere();
  if (why !== undefined) {
    bench.results.notes.push(`shared file systems not measured: ${why}`);
    return;
  }
  const picked = Deno.env.get("MULTISPOOL_BENCH_SHARED")?.split(",") ??
    sharedFileSystems().map(([kind]) => kind);
  for (const [label, kind, make] of fileSystems()) {
    if (!picked.includes(label)) continue;
    const whyNot = whyNotHere(kind);
    if (whyNot !== undefined) {
      bench.results.notes.push(`${label} not measured: ${whyNot}`);
      continue;
    }
    bench.log(`shared: setting up ${label}`);
    await using shared = await make();
    if (Deno.env.get("MULTISPOOL_BENCH_SHARED_HOSTS_ONLY") !== "1") {
      await races(bench, shared);
      await measure(bench, shared);
    }
    for (const concurrency of [1, 16]) {
      await hostToHost(bench, shared, label, concurrency);
    }
  }
}
