// Drain throughput (check out + remove) from a backlog: 1 consumer, 2 and 4
// consumer processes, against the syscall floor, Deno KV's listenQueue
// (small backlogs only: its delivery slows down as its backlog grows) and
// python3-dirq; and what the reader's spreading costs in order.
//
// The main cases use empty entries (metadata "" and an empty payload): on
// a file system mounted with `discard`, unlinking a file that owns data
// blocks waits for a discard request, which would swamp the figures with
// the virtual disk's cost. One small case of written-back 1 KiB entries
// shows that cost.

import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { probeCreateUs } from "../lib/machine.ts";
import {
  denoWorker,
  kvWorker,
  parallel,
  runGroup,
  type WorkerResult,
  type WorkerSpec,
} from "../lib/proc.ts";
import { type DirqPython, dirqWorker } from "../lib/python.ts";
import { displacement } from "../lib/stats.ts";
import { type Backlog, buildBacklog, type Engine, syncAll } from "./backlog.ts";
import {
  buildHuge,
  drainHuge,
  type HugeBacklog,
  hugeTargetsNotMeasured,
} from "./huge.ts";

const SECTION = "Drain (check out + remove)";
/** Deno KV's listenQueue takes minutes beyond this backlog. */
const KV_MAX_BACKLOG = 10_000;

interface Kind {
  id: string;
  engine: Engine;
  processes: number;
  spread: number;
  durability: "strict" | "relaxed";
  /** Record the handling order (multi-process cases). */
  record: boolean;
}

const BASE = {
  engine: "multispool",
  processes: 1,
  spread: 32,
  durability: "relaxed",
  record: false,
} as const;
const ONE: Kind = { ...BASE, id: "multispool, 1 consumer" };
const STRICT: Kind = {
  ...BASE,
  id: "multispool strict, 1 consumer",
  durability: "strict",
};
const FLOOR: Kind = { ...BASE, id: "floor, 1 consumer", engine: "floor" };
const TWO: Kind = {
  ...BASE,
  id: "multispool, 2 processes",
  processes: 2,
  record: true,
};
const FOUR: Kind = {
  ...BASE,
  id: "multispool, 4 processes",
  processes: 4,
  record: true,
};
const FOUR_STRICT_ORDER: Kind = {
  ...FOUR,
  id: "multispool, 4 processes, spread 1",
  spread: 1,
};
const KV: Kind = {
  ...BASE,
  id: "deno kv listenQueue, 1 consumer",
  engine: "kv",
};
const DIRQ: Kind = { ...BASE, id: "python3-dirq, 1 consumer", engine: "dirq" };

interface Case {
  label: string;
  size: number;
  payloadBytes: number;
  /** Flush all dirty pages before draining (entries written back). */
  synced: boolean;
  kinds: Kind[];
}

function cases(bench: Bench, dirq: DirqPython | undefined): Case[] {
  const peers = (size: number) => [
    ...(size <= KV_MAX_BACKLOG ? [KV] : []),
    ...(dirq === undefined ? [] : [DIRQ]),
  ];
  const list: Case[] = bench.scale.drainSizes.map((size) => ({
    label: `${size.toLocaleString("en-US")} empty entries`,
    size,
    payloadBytes: 0,
    synced: false,
    kinds: [
      ONE,
      ...(size <= 1_000 ? [STRICT] : []),
      FLOOR,
      TWO,
      FOUR,
      FOUR_STRICT_ORDER,
      ...peers(size),
    ],
  }));
  const size = bench.scale.drainWrittenBack;
  list.push({
    label: `${size.toLocaleString("en-US")} 1 KiB entries, written back`,
    size,
    payloadBytes: 1024,
    synced: true,
    kinds: [ONE, FLOOR, TWO, ...(dirq === undefined ? [] : [DIRQ])],
  });
  return list;
}

function drainSpecs(
  kind: Kind,
  backlog: Backlog,
  dirq: DirqPython | undefined,
): WorkerSpec[] {
  switch (kind.engine) {
    case "kv":
      return [kvWorker("drain_kv.ts", [backlog.path, backlog.size])];
    case "dirq":
      return [dirqWorker(dirq!.python, ["drain", backlog.path])];
    case "floor":
      return [denoWorker("drain_floor.ts", [backlog.path, kind.durability])];
    case "multispool":
      return Array.from(
        { length: kind.processes },
        () =>
          denoWorker("drain_lib.ts", [
            backlog.path,
            kind.durability,
            kind.spread,
            kind.record ? 1 : 0,
          ]),
      );
  }
}

interface Trial {
  rate: number;
  ops: number;
  hwmKiB: number;
  /** Displacement from name order, when recorded. */
  order?: { mean: number; max: number; p99: number };
  /** Entries each process handled. */
  shares: number[];
  /** Entries handled more than once (must be 0), when recorded. */
  duplicates?: number;
}

function summarize(results: WorkerResult[], record: boolean): Trial {
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  const trial: Trial = {
    rate: ops / (end - start) * 1000,
    ops,
    hwmKiB: Math.max(...results.map((r) => r.hwmKiB)),
    shares: results.map((r) => r.ops),
  };
  if (record) {
    const handled = results.flatMap((r) => r.handled as [string, number][]);
    trial.order = displacement(handled);
    trial.duplicates = handled.length -
      new Set(handled.map(([name]) => name)).size;
  }
  return trial;
}

/** Builds every backlog, then drains them side by side; judges the drain targets. */
export async function drainSection(
  bench: Bench,
  dirq: DirqPython | undefined,
): Promise<void> {
  const { scale } = bench;
  const pairs = cases(bench, dirq).flatMap((c) =>
    c.kinds.map((kind) => ({ id: `${c.label}|${kind.id}`, c, kind }))
  );
  const total = pairs.reduce((sum, p) => sum + p.c.size, 0) *
      scale.drainRounds + scale.hugeBacklog;
  bench.log(
    `drain: building ${pairs.length * scale.drainRounds} backlogs, ${
      total.toLocaleString("en-US")
    } entries in all (file creation: ${probeCreateUs(bench).toFixed(0)} µs)`,
  );
  const backlogs = new Map<string, Backlog>();
  await parallel(
    pairs.flatMap((pair) =>
      Array.from({ length: scale.drainRounds }, (_, round) => async () => {
        const { c, kind } = pair;
        backlogs.set(
          `${round}|${pair.id}`,
          await buildBacklog(bench, kind.engine, c.size, c.payloadBytes, dirq),
        );
      })
    ),
    2,
  );
  let huge: HugeBacklog | undefined;
  if (scale.hugeBacklog > 0) huge = await buildHuge(bench);
  // Written back: the 1 KiB case measures entries that own disk blocks, and
  // no drain competes with the writeback of the others.
  await syncAll();
  bench.log("drain: draining");
  const contenders: Contender<Trial>[] = pairs.map((pair) => ({
    id: pair.id,
    run: async (round) => {
      const backlog = backlogs.get(`${round}|${pair.id}`)!;
      const specs = drainSpecs(pair.kind, backlog, dirq);
      return summarize(await runGroup(specs), pair.kind.record);
    },
  }));
  const trials = await alternate(
    contenders,
    scale.drainRounds,
    (id, round, t) =>
      bench.log(
        `  ${id.replace("|", ": ")} round ${round + 1}: ${
          t.rate.toFixed(0)
        }/s, ${t.ops} entries`,
      ),
  );
  bench.results.raw.drain = Object.fromEntries(trials);
  report(bench, pairs, trials);
  bench.results.notes.push(
    'drain: "empty entries" have empty metadata and payload files, which own no data blocks; on this file system (mounted with discard) unlinking a file that owns blocks waits for a discard request (~0.1 ms), as the written-back 1 KiB case shows',
  );
  if (huge !== undefined) await drainHuge(bench, huge);
  else hugeTargetsNotMeasured(bench);
}

function report(
  bench: Bench,
  pairs: { id: string; c: Case; kind: Kind }[],
  trials: Map<string, Trial[]>,
): void {
  const { results } = bench;
  for (const { id, c, kind } of pairs) {
    const list = trials.get(id)!;
    const notes: string[] = [];
    const order = list.map((t) => t.order).filter((o) => o !== undefined);
    if (order.length > 0) {
      const mean = order.reduce((sum, o) => sum + o.mean, 0) / order.length;
      const max = Math.max(...order.map((o) => o.max));
      notes.push(`order: mean displacement ${mean.toFixed(1)}, max ${max}`);
    }
    const wrong = list.filter((t) => t.ops !== c.size).length;
    if (wrong > 0) notes.push(`${wrong} rounds drained a different count!`);
    const twice = list.reduce((sum, t) => sum + (t.duplicates ?? 0), 0);
    if (twice > 0) notes.push(`${twice} entries handled twice!`);
    results.row(
      SECTION,
      c.label,
      kind.id,
      "entries/s",
      list.map((t) => t.rate),
      notes.join("; "),
    );
  }
  const rates = (c: Case, kind: Kind) =>
    trials.get(`${c.label}|${kind.id}`)?.map((t) => t.rate) ?? [];
  const all = [...new Map(pairs.map((p) => [p.c.label, p.c])).values()];
  for (const c of all) {
    const ratio = (name: string, a: Kind, b: Kind) => {
      if (c.kinds.includes(a) && c.kinds.includes(b)) {
        results.ratio(SECTION, `${c.label}: ${name}`, rates(c, a), rates(c, b));
      }
    };
    ratio("1 consumer / floor", ONE, FLOOR);
    ratio("2 processes / 1 consumer", TWO, ONE);
    ratio("4 processes / 1 consumer", FOUR, ONE);
    ratio("4 processes: spread 32 / spread 1", FOUR, FOUR_STRICT_ORDER);
    ratio("strict / relaxed, 1 consumer", STRICT, ONE);
    ratio("1 consumer / deno kv", ONE, KV);
    ratio("1 consumer / python3-dirq", ONE, DIRQ);
  }
  const empty = all.filter((c) => c.payloadBytes === 0);
  const small = empty.find((c) => c.size === 1_000);
  const large = empty.find((c) => c.size === 100_000);
  const perEntry = small === undefined || large === undefined
    ? NaN
    : results.ratio(
      SECTION,
      `1 consumer: ${large.label} / ${small.label}, per-entry rate`,
      rates(large, ONE),
      rates(small, ONE),
    ).value;
  results.target(
    "drain, 100,000 vs 1,000 backlog, per-entry rate",
    perEntry,
    "x",
    ">=",
    0.8,
    large === undefined ? "full run only" : "multispool, 1 consumer",
  );
  const biggest = empty.at(-1)!;
  results.target(
    `drain, 2 consumer processes vs 1 (${biggest.label})`,
    results.findRatio(SECTION, `${biggest.label}: 2 processes / 1 consumer`)
      ?.value ?? NaN,
    "x",
    ">=",
    1.5,
    "multispool",
  );
}
