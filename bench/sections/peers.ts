// multispool against every peer a user weighs, side by side in one run, on
// one file system: Deno KV, python3-dirq, qlobber-fsq, plainjob
// (SQLite) and BullMQ (Redis), each at the durabilities it has, 1 KiB
// payloads. Every workload alternates its contenders round by round; a
// ratio is the median of per-round ratios. CPU per entry (user and system,
// of the worker processes and, for BullMQ, of redis-server) is measured
// beside each rate (bench/lib/usage.ts). How each peer's durability was
// checked is bench/sections/syscalls.ts's table.

import { Spool } from "../../mod.ts";
import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import type { NodePeers } from "../lib/peers.ts";
import {
  denoWorker,
  kvWorker,
  nodeWorker,
  runGroup,
  type WorkerResult,
  type WorkerSpec,
} from "../lib/proc.ts";
import { type DirqPython, dirqWorker } from "../lib/python.ts";
import { type Redis, startRedis } from "../lib/redis.ts";
import { quantile } from "../lib/stats.ts";
import { UsageMeter } from "../lib/usage.ts";
import { createSpool } from "./backlog.ts";

const SECTION = "Against the peers, 1 KiB payloads";
const SUMMARY =
  "Against the best peer at equal durability (median of per-round ratios)";
const CPU_SECTION = "CPU per entry (user + system µs), against the peers";
const LATENCY_SECTION =
  "Latency against the peers, enqueue resolved -> handler in another process";

/** One trial's figures. */
interface Trial {
  rate: number;
  ops: number;
  userUs: number;
  sysUs: number;
  cpuBusy: number;
}

/** What the section needs besides the bench. */
export interface PeerSetup {
  dirq?: DirqPython;
  peers: NodePeers;
  /** Block devices of the file system measured (for the disk counters). */
  devices: string[];
  rounds: number;
}

type Durability = "strict" | "relaxed";

/** A contender of one workload: how to prepare a trial and what to run. */
interface Entrant {
  id: string;
  /** multispool's own contenders; the others are peers (or the floor). */
  ours?: boolean;
  /** Not a peer either: the floor of the protocol's calls. */
  floor?: boolean;
  /** Makes the trial's workers (after building a backlog, for drains). */
  specs: () => Promise<WorkerSpec[]>;
  /** Servers whose CPU counts too. */
  daemons?: () => number[];
  /** After the trial (empty a server). */
  after?: () => Promise<void>;
}

function sum(results: WorkerResult[]): { ops: number; ms: number } {
  const ops = results.reduce((total, r) => total + r.ops, 0);
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  return { ops, ms: end - start };
}

async function trial(
  entrant: Entrant,
  goArgs: (string | number)[],
  devices: string[],
): Promise<Trial> {
  const specs = await entrant.specs();
  const meter = new UsageMeter(entrant.daemons?.() ?? [], devices);
  try {
    const results = await runGroup(specs, goArgs, 600_000, meter);
    const { ops, ms } = sum(results);
    const cost = meter.cost!;
    return {
      rate: ops / ms * 1000,
      ops,
      userUs: cost.userMs * 1000 / ops,
      sysUs: cost.sysMs * 1000 / ops,
      cpuBusy: cost.cpuBusy,
    };
  } finally {
    await entrant.after?.();
  }
}

/** Flushes the file system holding `path` (syncfs), so that a backlog is written back. */
async function syncFs(path: string): Promise<void> {
  await new Deno.Command("sync", { args: ["-f", path] }).output();
}

/** Runs the section on the bench's scratch directory. */
export async function peersSection(
  bench: Bench,
  setup: PeerSetup,
): Promise<void> {
  const { peers } = setup;
  const servers: Partial<Record<"always" | "everysec", Redis>> = {};
  try {
    if (peers.bullmq !== undefined) {
      for (const fsync of ["always", "everysec"] as const) {
        servers[fsync] = await startRedis(
          peers.node!,
          bench.dir(`redis-${fsync}`),
          fsync,
        );
      }
    }
    await workloads(bench, setup, servers);
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
}

async function workloads(
  bench: Bench,
  setup: PeerSetup,
  servers: Partial<Record<"always" | "everysec", Redis>>,
): Promise<void> {
  const { peers, dirq } = setup;
  const node = peers.node ?? "node";
  const quick = bench.quick;
  let queues = 0;
  const fresh = (label: string) => bench.dir(label);

  // multispool and the floor.
  const spool = async (durability: Durability) => {
    const dir = fresh(`spool-${durability}`);
    await Spool.create(dir, { queues: ["q"] }, { durability });
    return dir;
  };
  const backlog = async (engine: string, size: number): Promise<string> => {
    switch (engine) {
      case "multispool": {
        const dir = fresh("backlog");
        await createSpool(dir);
        await runGroup(
          [denoWorker("build_lib.ts", [dir, size, 1024])],
          [],
          600_000,
        );
        await syncFs(dir);
        return dir;
      }
      case "dirq": {
        const dir = bench.path("backlog-dirq");
        await runGroup([dirqWorker(dirq!.python, ["fill", dir, size, 1024])]);
        await syncFs(bench.root);
        return dir;
      }
      case "qlobber-fsq": {
        const dir = fresh("backlog-fsq");
        await runGroup(
          [
            nodeWorker(node, "qlobber_fsq.cjs", {
              mode: "fill",
              dir,
              count: size,
            }),
          ],
          [],
          600_000,
        );
        await syncFs(dir);
        return dir;
      }
      case "one-file": {
        const dir = fresh("backlog-one-file");
        await runGroup(
          [denoWorker("one_file_floor.ts", ["fill", dir, size])],
          [],
          600_000,
        );
        await syncFs(dir);
        return dir;
      }
      case "plainjob": {
        const path = `${fresh("backlog-plainjob")}/jobs.sqlite3`;
        await runGroup(
          [
            nodeWorker(node, "plainjob.cjs", {
              mode: "fill",
              path,
              durability: "relaxed",
              count: size,
            }),
          ],
          [],
          600_000,
        );
        await syncFs(path);
        return path;
      }
    }
    throw new Error(`no backlog for ${engine}`);
  };

  const bullmq = (
    fsync: "always" | "everysec",
    options: Record<string, unknown>,
    fill?: number,
  ): Entrant | undefined => {
    const server = servers[fsync];
    if (server === undefined) return undefined;
    const durability = fsync === "always" ? "strict" : "relaxed";
    const label =
      `BullMQ ${peers.bullmq} (appendfsync ${fsync}, ${durability})`;
    return {
      id: label,
      specs: async () => {
        const queue = `q${++queues}`;
        if (fill !== undefined) {
          await runGroup(
            [
              nodeWorker(node, "bullmq.cjs", {
                mode: "fill",
                port: server.port,
                queue,
                count: fill,
              }),
            ],
            [],
            600_000,
          );
        }
        return [
          nodeWorker(node, "bullmq.cjs", {
            ...options,
            port: server.port,
            queue,
          }),
        ];
      },
      daemons: () => [server.pid],
      after: () => server.flush(),
    };
  };
  const plainjob = (
    durability: Durability,
    options: Record<string, unknown>,
    fill?: number,
  ): Entrant | undefined => {
    if (peers.plainjob === undefined) return undefined;
    const sync = durability === "strict" ? "FULL" : "NORMAL";
    return {
      id: `plainjob ${peers.plainjob} (synchronous=${sync}, ${durability})`,
      specs: async () => {
        const path = fill === undefined
          ? `${fresh("plainjob")}/jobs.sqlite3`
          : await backlog("plainjob", fill);
        return [
          nodeWorker(node, "plainjob.cjs", { ...options, path, durability }),
        ];
      },
    };
  };
  const qlobber = (
    options: Record<string, unknown>,
    fill?: number,
  ): Entrant | undefined => {
    if (peers.qlobberFsq === undefined) return undefined;
    return {
      id: `qlobber-fsq ${peers.qlobberFsq} (relaxed: never flushes)`,
      specs: async () => {
        const dir = fill === undefined
          ? fresh("fsq")
          : await backlog("qlobber-fsq", fill);
        return [nodeWorker(node, "qlobber_fsq.cjs", { ...options, dir })];
      },
    };
  };
  const dirqEntrant = (mode: "enqueue" | "drain", fill?: number) =>
    dirq === undefined ? undefined : {
      id: `python3-dirq ${dirq.version} (relaxed: never flushes)`,
      specs: async () => {
        const dir = fill === undefined
          ? bench.path("dirq")
          : await backlog("dirq", fill);
        return [dirqWorker(dirq.python, [mode, dir])];
      },
    } satisfies Entrant;
  const kv = (concurrency: number): Entrant => ({
    id: "Deno KV (strict: flushes every enqueue)",
    specs: async () => {
      const path = `${fresh("kv")}/kv.sqlite3`;
      (await Deno.openKv(path)).close();
      return [kvWorker("enqueue_kv.ts", [path, concurrency])];
    },
  });
  const enqueueLib = (
    durability: Durability,
    concurrency: number,
  ): Entrant => ({
    id: `multispool ${durability}${
      concurrency > 1 ? `, ${concurrency} concurrent` : ""
    }`,
    ours: true,
    specs: async () => [
      denoWorker("enqueue_lib.ts", [
        await spool(durability),
        durability,
        concurrency,
      ]),
    ],
  });
  const floor = (durability: Durability): Entrant => ({
    id: `floor ${durability} (the protocol's calls, by hand)`,
    floor: true,
    specs: async () => [
      denoWorker("enqueue_floor.ts", [await spool(durability), durability]),
    ],
  });

  // Not a peer: dirq's calls made by hand in Deno. Beside dirq, what the
  // runtime costs; beside multispool, what the on-disk format costs.
  const oneFile = (mode: "enqueue" | "drain", fill?: number): Entrant => ({
    id: "one file an entry, dirq's calls by hand in Deno (relaxed)",
    floor: true,
    specs: async () => [
      denoWorker("one_file_floor.ts", [
        mode,
        fill === undefined
          ? fresh("one-file")
          : await backlog("one-file", fill),
      ]),
    ],
  });
  const manyFloor = (batch: number, how: "fdatasync" | "syncfs"): Entrant => ({
    id: how === "fdatasync"
      ? `floor strict, enqueueMany x ${batch} (the library's calls, by hand)`
      : `floor strict, x ${batch} with one syncfs a batch (by hand, FFI)`,
    floor: true,
    specs: async () => [
      denoWorker(
        "enqueue_many_floor.ts",
        [await spool("strict"), batch, how],
        how === "syncfs" ? ["--allow-ffi"] : [],
      ),
    ],
  });

  const ms = bench.scale.enqueueMs;
  const strictBacklog = quick ? 200 : 2_000;
  const relaxedBacklog = quick ? 300 : 5_000;
  const only = <T>(list: (T | undefined)[]) =>
    list.filter((x): x is T => x !== undefined);

  interface Workload {
    label: string;
    durability: Durability;
    entrants: Entrant[];
    goArgs: (string | number)[];
  }
  const drainLib = (
    durability: Durability,
    handlers: number,
    size: number,
  ): Entrant => ({
    id: `multispool ${durability}, reader.iter concurrency ${handlers}`,
    ours: true,
    specs: async () => [
      denoWorker("drain_iter.ts", [
        await backlog("multispool", size),
        durability,
        handlers,
        size,
      ]),
    ],
  });
  const list: Workload[] = [
    {
      label: "strict enqueue, 1 producer",
      durability: "strict",
      goArgs: [ms],
      entrants: only([
        enqueueLib("strict", 1),
        floor("strict"),
        quick ? undefined : kv(1),
        plainjob("strict", { mode: "enqueue", concurrency: 1 }),
        bullmq("always", { mode: "enqueue", concurrency: 1 }),
      ]),
    },
    {
      label: "relaxed enqueue, 1 producer",
      durability: "relaxed",
      goArgs: [ms],
      entrants: only([
        enqueueLib("relaxed", 1),
        floor("relaxed"),
        oneFile("enqueue"),
        dirqEntrant("enqueue"),
        qlobber({ mode: "enqueue", concurrency: 1 }),
        plainjob("relaxed", { mode: "enqueue", concurrency: 1 }),
        bullmq("everysec", { mode: "enqueue", concurrency: 1 }),
      ]),
    },
    {
      label: `relaxed drain, 1 consumer (${
        relaxedBacklog.toLocaleString("en-US")
      } entries)`,
      durability: "relaxed",
      goArgs: [],
      entrants: only([
        drainLib("relaxed", 1, relaxedBacklog),
        {
          id: "floor relaxed (the protocol's calls, by hand)",
          floor: true,
          specs: async () => [
            denoWorker("drain_floor.ts", [
              await backlog("multispool", relaxedBacklog),
              "relaxed",
            ]),
          ],
        },
        oneFile("drain", relaxedBacklog),
        dirqEntrant("drain", relaxedBacklog),
        qlobber(
          { mode: "drain", count: relaxedBacklog, handlers: 1 },
          relaxedBacklog,
        ),
        plainjob("relaxed", {
          mode: "drain",
          count: relaxedBacklog,
          handlers: 1,
        }, relaxedBacklog),
        bullmq("everysec", {
          mode: "drain",
          count: relaxedBacklog,
          handlers: 1,
        }, relaxedBacklog),
      ]),
    },
  ];
  if (!quick) {
    list.push(
      {
        label: "strict enqueue, 16 concurrent",
        durability: "strict",
        goArgs: [ms],
        entrants: only([
          enqueueLib("strict", 16),
          {
            id:
              "floor strict, 16 concurrent, shared directory flushes (by hand)",
            floor: true,
            specs: async () => [
              denoWorker("enqueue_shared.ts", [await spool("strict"), 16]),
            ],
          },
          kv(16),
          plainjob("strict", { mode: "enqueue", concurrency: 16 }),
          bullmq("always", { mode: "enqueue", concurrency: 16 }),
        ]),
      },
      {
        label: "strict enqueue in batches, 1 producer",
        durability: "strict",
        goArgs: [ms],
        entrants: only([
          ...[64, 256].map((batch): Entrant => ({
            id: `multispool strict, enqueueMany x ${batch}`,
            ours: true,
            specs: async () => [
              denoWorker("enqueue_many.ts", [
                await spool("strict"),
                "strict",
                batch,
              ]),
            ],
          })),
          manyFloor(256, "fdatasync"),
          manyFloor(256, "syncfs"),
          enqueueLib("strict", 16),
          plainjob("strict", { mode: "enqueue", concurrency: 1 }),
          ((b) => {
            if (b !== undefined) b.id += ", 16 concurrent";
            return b;
          })(bullmq("always", { mode: "enqueue", concurrency: 16 })),
          ...[64, 256].flatMap((batch) => {
            const p = plainjob("strict", {
              mode: "enqueue",
              concurrency: 1,
              batch,
            });
            const b = bullmq("always", {
              mode: "enqueue",
              concurrency: 1,
              batch,
            });
            if (p !== undefined) p.id += `, addMany x ${batch}`;
            if (b !== undefined) b.id += `, addBulk x ${batch}`;
            return [p, b];
          }),
        ]),
      },
      {
        label: `strict drain, 16 handlers (${
          strictBacklog.toLocaleString("en-US")
        } entries)`,
        durability: "strict",
        goArgs: [],
        entrants: only([
          drainLib("strict", 16, strictBacklog),
          plainjob("strict", {
            mode: "drain",
            count: strictBacklog,
            handlers: 16,
          }, strictBacklog),
          bullmq("always", {
            mode: "drain",
            count: strictBacklog,
            handlers: 16,
          }, strictBacklog),
        ]),
      },
      {
        label: `relaxed drain, 16 handlers (${
          relaxedBacklog.toLocaleString("en-US")
        } entries)`,
        durability: "relaxed",
        goArgs: [],
        entrants: only([
          drainLib("relaxed", 16, relaxedBacklog),
          drainLib("relaxed", 1, relaxedBacklog),
          qlobber(
            { mode: "drain", count: relaxedBacklog, handlers: 16 },
            relaxedBacklog,
          ),
          plainjob("relaxed", {
            mode: "drain",
            count: relaxedBacklog,
            handlers: 16,
          }, relaxedBacklog),
          bullmq("everysec", {
            mode: "drain",
            count: relaxedBacklog,
            handlers: 16,
          }, relaxedBacklog),
        ]),
      },
    );
  }
  // "16 concurrent" entrants of the batch workload are there for reference:
  // the best a strict producer does without batches.
  for (const workload of list) {
    await measureWorkload(bench, setup, workload);
  }
  if (!quick) await latency(bench, setup, servers);
}

async function measureWorkload(
  bench: Bench,
  setup: PeerSetup,
  workload: {
    label: string;
    entrants: Entrant[];
    goArgs: (string | number)[];
  },
): Promise<void> {
  const { results } = bench;
  bench.log(`peers: ${workload.label}`);
  // Unique ids: a reference entrant may appear in two workloads.
  const trials = await alternate(
    workload.entrants.map((entrant) => ({
      id: entrant.id,
      run: () => trial(entrant, workload.goArgs, setup.devices),
    })) satisfies Contender<Trial>[],
    setup.rounds,
    (id, round, t) =>
      bench.log(
        `  ${id} round ${round + 1}: ${t.rate.toFixed(0)}/s, ${
          t.userUs.toFixed(0)
        }+${t.sysUs.toFixed(0)} µs CPU/entry`,
      ),
  );
  const raw = (results.raw.peers ??= {}) as Record<string, unknown>;
  raw[`${results.fs}|${workload.label}`] = Object.fromEntries(trials);
  for (const entrant of workload.entrants) {
    const list = trials.get(entrant.id)!;
    const user = quantile(list.map((t) => t.userUs), 0.5);
    const sys = quantile(list.map((t) => t.sysUs), 0.5);
    const busy = quantile(list.map((t) => t.cpuBusy), 0.5);
    results.row(
      SECTION,
      workload.label,
      entrant.id,
      "entries/s",
      list.map((t) => t.rate),
      `CPU ${user.toFixed(0)} user + ${sys.toFixed(0)} sys µs/entry${
        entrant.daemons === undefined ? "" : " (with redis-server)"
      }; CPUs ${(busy * 100).toFixed(0)}% busy`,
    );
    results.row(
      CPU_SECTION,
      workload.label,
      entrant.id,
      "µs/entry",
      list.map((t) => t.userUs + t.sysUs),
      `user ${user.toFixed(0)}, system ${sys.toFixed(0)}`,
    );
  }
  // Each of ours against each peer and the floor, per round.
  const ours = workload.entrants.filter((e) => e.ours);
  const others = workload.entrants.filter((e) => !e.ours);
  for (const mine of ours) {
    const a = trials.get(mine.id)!.map((t) => t.rate);
    for (const other of others) {
      results.ratio(
        SECTION,
        `${workload.label}: ${mine.id} / ${other.id}`,
        a,
        trials.get(other.id)!.map((t) => t.rate),
      );
    }
    // Against the best peer of each round (not the floor).
    const peers = others.filter((e) => !e.floor);
    if (peers.length > 0) {
      const best = a.map((_, round) =>
        Math.max(...peers.map((p) => trials.get(p.id)![round].rate))
      );
      const ratio = results.ratio(
        SECTION,
        `${workload.label}: ${mine.id} / best peer of the round`,
        a,
        best,
      );
      // The peer with the best median names the row.
      const top = peers.map((p) => ({
        id: p.id,
        rate: quantile(trials.get(p.id)!.map((t) => t.rate), 0.5),
      })).sort((x, y) => y.rate - x.rate)[0];
      const ahead = ratio.value >= 1;
      results.row(
        SUMMARY,
        workload.label,
        mine.id,
        "x best peer",
        ratio.rounds,
        `${ahead ? "AHEAD" : "BEHIND"}: ${
          Math.round(quantile(a, 0.5)).toLocaleString("en-US")
        }/s against ${top.id} at ${
          Math.round(top.rate).toLocaleString("en-US")
        }/s (best median)`,
      );
    }
  }
}

type Sent = [number, number, number][];
type Handled = [number, number][];

async function latency(
  bench: Bench,
  setup: PeerSetup,
  servers: Partial<Record<"always" | "everysec", Redis>>,
): Promise<void> {
  const { peers } = setup;
  const node = peers.node ?? "node";
  const n = bench.scale.latencyEntries;
  const pairs: { id: string; make: () => Promise<WorkerSpec[]> }[] = [];
  for (const durability of ["strict", "relaxed"] as const) {
    pairs.push({
      id: `multispool ${durability}`,
      make: async () => {
        const dir = bench.dir(`latency-${durability}`);
        await Spool.create(dir, { queues: ["q"] }, { durability });
        return [
          denoWorker("latency_reader.ts", [dir, durability, n]),
          denoWorker("latency_producer.ts", [dir, durability, n]),
        ];
      },
    });
  }
  for (const fsync of ["always", "everysec"] as const) {
    const server = servers[fsync];
    if (server === undefined) continue;
    pairs.push({
      id: `BullMQ (appendfsync ${fsync})`,
      make: () => {
        const queue = `latency-${fsync}-${Math.random().toString(36).slice(2)}`;
        const base = { port: server.port, queue, count: n };
        return Promise.resolve([
          nodeWorker(node, "bullmq.cjs", { ...base, mode: "consume" }),
          nodeWorker(node, "bullmq.cjs", { ...base, mode: "produce" }),
        ]);
      },
    });
  }
  if (peers.plainjob !== undefined) {
    for (const durability of ["strict", "relaxed"] as const) {
      pairs.push({
        id: `plainjob (synchronous=${
          durability === "strict" ? "FULL" : "NORMAL"
        }, worker polls every 10 ms)`,
        make: async () => {
          const path = `${bench.dir("latency-plainjob")}/jobs.sqlite3`;
          const base = { path, durability, count: n };
          // Made (WAL mode) before two processes open it: switching a new
          // database to WAL takes a lock that the other would fail on.
          await runGroup([
            nodeWorker(node, "plainjob.cjs", {
              ...base,
              mode: "fill",
              count: 0,
            }),
          ]);
          return [
            nodeWorker(node, "plainjob.cjs", {
              ...base,
              mode: "consume",
              pollMs: 10,
            }),
            nodeWorker(node, "plainjob.cjs", { ...base, mode: "produce" }),
          ];
        },
      });
    }
  }
  if (peers.qlobberFsq !== undefined) {
    pairs.push({
      id: "qlobber-fsq (relaxed)",
      make: () => {
        const dir = bench.dir("latency-fsq");
        return Promise.resolve([
          nodeWorker(node, "qlobber_fsq.cjs", {
            dir,
            count: n,
            mode: "consume",
          }),
          nodeWorker(node, "qlobber_fsq.cjs", {
            dir,
            count: n,
            mode: "produce",
          }),
        ]);
      },
    });
  }
  bench.log("peers: latency");
  const trials = await alternate(
    pairs.map((pair) => ({
      id: pair.id,
      run: async () => {
        const [reader, producer] = await runGroup(
          await pair.make(),
          [],
          180_000,
        );
        await Promise.all(Object.values(servers).map((s) => s.flush()));
        const at = new Map(reader.handled as Handled);
        const resolved: number[] = [];
        const called: number[] = [];
        let lost = 0;
        for (const [seq, t0, t1] of producer.sent as Sent) {
          const t = at.get(seq);
          if (t === undefined) lost++;
          else {
            resolved.push(t - t1);
            called.push(t - t0);
          }
        }
        return { resolved, called, lost };
      },
    })),
    setup.rounds,
    (id, round, t) =>
      bench.log(
        `  ${id} round ${round + 1}: p50 ${
          quantile(t.resolved, 0.5).toFixed(2)
        } ms, p99 ${quantile(t.resolved, 0.99).toFixed(2)} ms`,
      ),
  );
  for (const [id, list] of trials) {
    const lost = list.reduce((total, t) => total + t.lost, 0);
    for (const [label, q] of [["p50", 0.5], ["p99", 0.99]] as const) {
      bench.results.row(
        LATENCY_SECTION,
        `resolved -> handler ${label}`,
        id,
        "ms",
        list.map((t) => quantile(t.resolved, q)),
        `${n} entries/round${lost > 0 ? `, ${lost} never handled` : ""}`,
      );
      // From the call: what a producer waits plus what the reader waits.
      bench.results.row(
        LATENCY_SECTION,
        `called -> handler ${label}`,
        id,
        "ms",
        list.map((t) => quantile(t.called, q)),
      );
    }
  }
}
