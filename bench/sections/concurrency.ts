// Does concurrency help, and what limits it: strict enqueue from 16, 32 and
// 64 producers (in one process, and spread over processes), and drains with
// 1 and 16 handlers, each with the CPU time per entry, how busy the CPUs
// were, and what the disks did (/proc/diskstats of the scratch file
// system's device and the disk under it: utilization, writes and flush
// requests per second). A disk near 100% busy is the limit; CPUs near 100%
// busy with the disk idle say the code (or the kernel's work for it) is.

import { Spool } from "../../mod.ts";
import { alternate } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup, type WorkerSpec } from "../lib/proc.ts";
import { quantile } from "../lib/stats.ts";
import { type Cost, UsageMeter } from "../lib/usage.ts";
import { createSpool } from "./backlog.ts";

const SECTION = "Concurrency: what limits it, 1 KiB payloads";

interface Trial {
  rate: number;
  userUs: number;
  sysUs: number;
  cost: Cost;
}

interface Shape {
  id: string;
  specs: () => Promise<WorkerSpec[]>;
  goArgs: (string | number)[];
}

function describe(list: Trial[], devices: string[]): string {
  const m = (pick: (t: Trial) => number) => quantile(list.map(pick), 0.5);
  const parts = [
    `CPU ${m((t) => t.userUs).toFixed(0)} user + ${
      m((t) => t.sysUs).toFixed(0)
    } sys µs/entry`,
    `CPUs ${(m((t) => t.cost.cpuBusy) * 100).toFixed(0)}% busy`,
  ];
  for (const device of devices) {
    const d = (pick: (x: Cost["disks"][string]) => number) =>
      m((t) =>
        t.cost.disks[device] === undefined ? NaN : pick(t.cost.disks[device])
      );
    parts.push(
      `${device} ${(d((x) => x.util) * 100).toFixed(0)}% busy, ${
        d((x) => x.writesPerS).toFixed(0)
      } writes/s, ${d((x) => x.flushesPerS).toFixed(0)} flushes/s`,
    );
  }
  return parts.join("; ");
}

/** Runs the concurrency comparisons on the bench's scratch directory. */
export async function concurrencySection(
  bench: Bench,
  devices: string[],
  rounds: number,
): Promise<void> {
  const ms = bench.scale.enqueueMs;
  const spool = async () => {
    const dir = bench.dir("conc-strict");
    await Spool.create(dir, { queues: ["q"] }, { durability: "strict" });
    return dir;
  };
  const enqueue = (processes: number, concurrency: number): Shape => ({
    id: processes === 1
      ? `${concurrency} concurrent, 1 process`
      : `${processes} processes x ${concurrency} concurrent`,
    specs: async () => {
      const dir = await spool();
      return Array.from(
        { length: processes },
        () => denoWorker("enqueue_lib.ts", [dir, "strict", concurrency]),
      );
    },
    goArgs: [ms],
  });
  const enqueueShapes: Shape[] = [
    enqueue(1, 1),
    enqueue(1, 16),
    enqueue(1, 32),
    enqueue(1, 64),
    enqueue(2, 32),
    enqueue(4, 16),
    {
      id: "floor: 64 concurrent, shared directory flushes (by hand)",
      specs: async () => [denoWorker("enqueue_shared.ts", [await spool(), 64])],
      goArgs: [ms],
    },
  ];
  const size = bench.quick ? 200 : 3_000;
  const drain = (
    durability: "strict" | "relaxed",
    handlers: number,
  ): Shape => ({
    id: `${durability} drain, ${handlers} handler${handlers > 1 ? "s" : ""}`,
    specs: async () => {
      const dir = bench.dir("conc-backlog");
      await createSpool(dir);
      await runGroup(
        [denoWorker("build_lib.ts", [dir, size, 1024])],
        [],
        600_000,
      );
      await new Deno.Command("sync", { args: ["-f", dir] }).output();
      return [denoWorker("drain_iter.ts", [dir, durability, handlers, size])];
    },
    goArgs: [],
  });
  const drainShapes = [
    drain("relaxed", 1),
    drain("relaxed", 16),
    drain("strict", 1),
    drain("strict", 16),
  ];
  for (
    const [label, shapes] of [
      ["strict enqueue", enqueueShapes],
      [`drain ${size.toLocaleString("en-US")} entries`, drainShapes],
    ] as const
  ) {
    bench.log(`concurrency: ${label}`);
    const trials = await alternate(
      shapes.map((shape) => ({
        id: shape.id,
        run: async (): Promise<Trial> => {
          const specs = await shape.specs();
          const meter = new UsageMeter([], devices);
          const results = await runGroup(specs, shape.goArgs, 600_000, meter);
          const ops = results.reduce((total, r) => total + r.ops, 0);
          const start = Math.min(...results.map((r) => r.start));
          const end = Math.max(...results.map((r) => r.end));
          const cost = meter.cost!;
          return {
            rate: ops / (end - start) * 1000,
            userUs: cost.userMs * 1000 / ops,
            sysUs: cost.sysMs * 1000 / ops,
            cost,
          };
        },
      })),
      rounds,
      (id, round, t) =>
        bench.log(`  ${id} round ${round + 1}: ${t.rate.toFixed(0)}/s`),
    );
    const raw = (bench.results.raw.concurrency ??= {}) as Record<
      string,
      unknown
    >;
    raw[`${bench.results.fs}|${label}`] = Object.fromEntries(trials);
    for (const [id, list] of trials) {
      bench.results.row(
        SECTION,
        label,
        id,
        "entries/s",
        list.map((t) => t.rate),
        describe(list, devices),
      );
    }
    const rates = (id: string) => trials.get(id)!.map((t) => t.rate);
    const [first, ...rest] = shapes;
    if (label === "strict enqueue") {
      const base = shapes[1];
      for (const shape of rest.slice(1)) {
        bench.results.ratio(
          SECTION,
          `strict enqueue: ${shape.id} / ${base.id}`,
          rates(shape.id),
          rates(base.id),
        );
      }
      bench.results.ratio(
        SECTION,
        `strict enqueue: ${base.id} / ${first.id}`,
        rates(base.id),
        rates(first.id),
      );
    } else {
      for (const durability of ["relaxed", "strict"]) {
        bench.results.ratio(
          SECTION,
          `${durability} drain: 16 handlers / 1`,
          rates(`${durability} drain, 16 handlers`),
          rates(`${durability} drain, 1 handler`),
        );
      }
    }
  }
}
