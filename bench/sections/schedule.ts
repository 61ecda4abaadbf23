// Scheduling: how late a waiting reader hands out delayed
// entries after their due time, and what a delay costs an enqueue.
//
// Lateness: a reader waits in its own process (`reader.iter`); a producer
// process then enqueues 10,000 empty entries with `{ at }`, all due a lead
// time after it starts (so that the whole backlog waits before the first is
// due). "Dense": every entry due at a random time within a few seconds
// (the reader also has to keep up, 2,000 entries a second); "sparse": 500
// of them due in that window and the rest an hour later (how promptly the
// reader wakes with a large set of delayed entries it is not to take).
// Lateness = the time the handler was called minus the due time asked for,
// both from Date.now() on this host. The reader removes each entry; strict
// and relaxed differ in that removal only (the backlog is built relaxed).
// In the dense case the reader also runs with `iter`'s concurrency at 16,
// as a consumer with slow handlers would (and as strict removals need to
// share their directory flushes). Entries handled before their due time
// are counted in the notes (there should be none).
//
// Enqueue: the same worker enqueues 1 KiB entries due at once or with a
// delay, strict and relaxed, alternated in the same rounds; the ratio
// delayed / plain is per round.

import { Spool } from "../../mod.ts";
import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { CpuMeter, settle } from "../lib/machine.ts";
import { denoWorker, runGroup, type WorkerResult } from "../lib/proc.ts";
import { median, quantile } from "../lib/stats.ts";
import { textMetadata } from "../workers/_codecs.ts";

const LATENESS = "Schedule: lateness after the due time, 1 reader process";
const ENQUEUE = "Schedule: enqueue with and without a delay, 1 KiB payload";

/** A reader measured: its durability, and entries handled at once. */
interface ReaderKind {
  durability: "strict" | "relaxed";
  concurrency: number;
}

const ONE_RELAXED: ReaderKind = { durability: "relaxed", concurrency: 1 };
const ONE_STRICT: ReaderKind = { durability: "strict", concurrency: 1 };

/** How big the section is. */
interface Plan {
  /** Rounds of the lateness comparison. */
  latenessRounds: number;
  /** Entries waiting, all delayed. */
  entries: number;
  /** Of which due within the window in the sparse case. */
  sparseDue: number;
  /** From the producer's start to the window; longer than the build. */
  leadMs: number;
  /** The window the due times are spread over. */
  spreadMs: number;
  /** The readers measured in the dense case (every entry due soon). */
  dense: ReaderKind[];
  /** The readers measured in the sparse case. */
  sparse: ReaderKind[];
  /** Rounds of the enqueue comparison, and each trial's length. */
  enqueueRounds: number;
  enqueueMs: number;
  /** Producers in one process for the enqueue comparison. */
  enqueueConcurrency: number[];
}

const FULL_PLAN: Plan = {
  latenessRounds: 3,
  entries: 10_000,
  sparseDue: 500,
  leadMs: 6_000,
  spreadMs: 5_000,
  dense: [
    ONE_RELAXED,
    { durability: "relaxed", concurrency: 16 },
    ONE_STRICT,
    { durability: "strict", concurrency: 16 },
  ],
  sparse: [ONE_RELAXED, ONE_STRICT],
  enqueueRounds: 7,
  enqueueMs: 1_000,
  enqueueConcurrency: [1, 16],
};

/** A smoke test: a few seconds. */
const QUICK_PLAN: Plan = {
  latenessRounds: 1,
  entries: 1_000,
  sparseDue: 0,
  leadMs: 1_000,
  spreadMs: 1_000,
  dense: [ONE_RELAXED],
  sparse: [],
  enqueueRounds: 1,
  enqueueMs: 200,
  enqueueConcurrency: [1],
};

interface LatenessTrial {
  /** Handler called minus due, ms, per entry. */
  late: number[];
  /** Enqueues that resolved after their entry was due (lead too short). */
  afterDue: number;
  /** Backlog build rate, entries/s. */
  buildRate: number;
}

interface Case {
  label: string;
  due: number;
  readers: ReaderKind[];
}

/** A reader's name in the tables. */
function readerId({ durability, concurrency }: ReaderKind): string {
  return `reader ${durability}, ${
    concurrency === 1 ? "1 at a time" : `${concurrency} at once`
  }`;
}

function latenessContender(
  bench: Bench,
  plan: Plan,
  kase: Case,
  { durability, concurrency }: ReaderKind,
): Contender<LatenessTrial> {
  return {
    id: readerId({ durability, concurrency }),
    run: async () => {
      const dir = bench.dir(`schedule-lateness-${durability}`);
      await Spool.create(dir, { queues: ["q"], metadata: textMetadata }, {
        durability,
      });
      const [reader, producer] = await runGroup(
        [
          denoWorker("schedule_reader.ts", [
            dir,
            durability,
            concurrency,
            kase.due,
          ]),
          denoWorker("schedule_producer.ts", [
            dir,
            plan.entries,
            kase.due,
            plan.leadMs,
            plan.spreadMs,
          ]),
        ],
        [],
        300_000,
      );
      return {
        late: reader.late as number[],
        afterDue: producer.afterDue as number,
        buildRate: producer.ops / (producer.end - producer.start) * 1000,
      };
    },
  };
}

async function lateness(bench: Bench, plan: Plan): Promise<void> {
  const { results } = bench;
  const cases: Case[] = [{
    label: `${plan.entries.toLocaleString("en-US")} due over ${
      plan.spreadMs / 1000
    } s`,
    due: plan.entries,
    readers: plan.dense,
  }];
  if (plan.sparse.length > 0) {
    cases.push({
      label: `${plan.sparseDue.toLocaleString("en-US")} due over ${
        plan.spreadMs / 1000
      } s, ${
        (plan.entries - plan.sparseDue).toLocaleString("en-US")
      } an hour later`,
      due: plan.sparseDue,
      readers: plan.sparse,
    });
  }
  const raw: Record<string, unknown> = {};
  for (const kase of cases) {
    bench.log(`schedule: lateness, ${kase.label}`);
    const trials = await alternate(
      kase.readers.map((r) => latenessContender(bench, plan, kase, r)),
      plan.latenessRounds,
      (id, round, t) =>
        bench.log(
          `  ${id} round ${round + 1}: p50 ${quantile(t.late, 0.5)} ms, p99 ${
            quantile(t.late, 0.99)
          } ms, max ${quantile(t.late, 1)} ms; built at ${
            t.buildRate.toFixed(0)
          }/s, ${t.afterDue} enqueued after due`,
        ),
    );
    const caseRaw: Record<string, unknown> = {};
    for (const [id, list] of trials) {
      caseRaw[id] = list.map((t) => ({
        p50: quantile(t.late, 0.5),
        p90: quantile(t.late, 0.9),
        p99: quantile(t.late, 0.99),
        max: quantile(t.late, 1),
        min: quantile(t.late, 0),
        early: t.late.filter((x) => x < 0).length,
        handled: t.late.length,
        afterDue: t.afterDue,
        buildRate: t.buildRate,
      }));
      const early = list.reduce(
        (sum, t) => sum + t.late.filter((x) => x < 0).length,
        0,
      );
      const afterDue = list.reduce((sum, t) => sum + t.afterDue, 0);
      const note = [
        `${list[0]?.late.length ?? 0} handled/round`,
        `built at ${median(list.map((t) => t.buildRate)).toFixed(0)} entries/s`,
        ...(early > 0 ? [`${early} handled before due (all rounds)`] : []),
        ...(afterDue > 0 ? [`${afterDue} enqueued after due`] : []),
      ].join("; ");
      for (
        const [label, q] of [["p50", 0.5], ["p99", 0.99], ["max", 1]] as const
      ) {
        results.row(
          LATENESS,
          `${kase.label}: ${label}`,
          id,
          "ms",
          list.map((t) => quantile(t.late, q)),
          label === "p50" ? note : undefined,
        );
      }
    }
    raw[kase.label] = caseRaw;
  }
  results.raw.scheduleLateness = raw;
  for (const kase of cases) {
    for (const reader of kase.readers) {
      const id = readerId(reader);
      results.target(
        `p99 lateness, ${kase.label} (${id})`,
        results.find(LATENESS, `${kase.label}: p99`, id)?.value ?? NaN,
        " ms",
        "<",
        50,
        "handler called - due time, 1 waiting reader process",
      );
    }
  }
}

interface EnqueueTrial {
  rate: number;
  cpuBusy: number;
}

async function enqueue(bench: Bench, plan: Plan): Promise<void> {
  const { results } = bench;
  const raw: Record<string, unknown> = {};
  for (const concurrency of plan.enqueueConcurrency) {
    const shape = concurrency === 1
      ? "1 producer"
      : `${concurrency} concurrent, 1 process`;
    bench.log(`schedule: enqueue, ${shape}`);
    const contenders: Contender<EnqueueTrial>[] = [];
    for (const durability of ["strict", "relaxed"] as const) {
      for (const mode of ["plain", "delayed"] as const) {
        contenders.push({
          id: `${mode} ${durability}`,
          run: async () => {
            const dir = bench.dir(`schedule-enqueue-${mode}-${durability}`);
            await Spool.create(dir, { queues: ["q"] }, { durability });
            const cpu = new CpuMeter();
            const [result]: WorkerResult[] = await runGroup(
              [
                denoWorker("enqueue_lib.ts", [
                  dir,
                  durability,
                  concurrency,
                  mode,
                ]),
              ],
              [plan.enqueueMs],
              undefined,
              cpu,
            );
            return {
              rate: result.ops / (result.end - result.start) * 1000,
              cpuBusy: cpu.busy,
            };
          },
        });
      }
    }
    const trials = await alternate(
      contenders,
      plan.enqueueRounds,
      (id, round, t) =>
        bench.log(`  ${id} round ${round + 1}: ${t.rate.toFixed(0)}/s`),
    );
    raw[shape] = Object.fromEntries(trials);
    const rates = (id: string) => trials.get(id)?.map((t) => t.rate) ?? [];
    for (const [id, list] of trials) {
      const busy = median(list.map((t) => t.cpuBusy).filter(Number.isFinite));
      results.row(
        ENQUEUE,
        shape,
        id,
        "entries/s",
        list.map((t) => t.rate),
        `CPUs ${Number.isFinite(busy) ? (busy * 100).toFixed(0) : "?"}% busy`,
      );
    }
    for (const durability of ["strict", "relaxed"]) {
      const ratio = results.ratio(
        ENQUEUE,
        `${shape}: delayed / plain (${durability})`,
        rates(`delayed ${durability}`),
        rates(`plain ${durability}`),
      );
      results.target(
        `delayed enqueue vs plain, ${shape} (${durability})`,
        ratio.value,
        "x",
        ">=",
        0.9,
        "enqueue with { delay } / without, same worker, side by side",
      );
    }
  }
  results.raw.scheduleEnqueue = raw;
}

/** Runs the scheduling section: enqueue costs first, then lateness. */
export async function scheduleSection(bench: Bench): Promise<void> {
  const plan = bench.quick ? QUICK_PLAN : FULL_PLAN;
  // Enqueue first: the lateness trials delete their entries, and creating
  // files among recently deleted inodes is slow on ext4 without a journal.
  await settle(bench, "schedule", true);
  await enqueue(bench, plan);
  await lateness(bench, plan);
}
