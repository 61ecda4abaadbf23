// Latency from `enqueue` resolving in one process to the handler of a
// waiting reader in another process starting, p50 and p99. Timestamps are
// wall-clock (performance.timeOrigin + performance.now()) on one host; the
// producer records when each enqueue was called and resolved, the reader
// when each handler began, joined by sequence number.

import { jsonMetadata, Spool } from "../../mod.ts";
import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { settle } from "../lib/machine.ts";
import { denoWorker, kvWorker, runGroup } from "../lib/proc.ts";
import { quantile } from "../lib/stats.ts";

const SECTION = "Latency, enqueue resolved -> handler in another process";

interface Trial {
  /** Handler start minus enqueue resolved, ms, per entry. */
  resolved: number[];
  /** Handler start minus enqueue called, ms, per entry. */
  called: number[];
  lost: number;
}

function join(
  sent: [number, number, number][],
  handled: [number, number][],
): Trial {
  const at = new Map(handled);
  const trial: Trial = { resolved: [], called: [], lost: 0 };
  for (const [seq, t0, t1] of sent) {
    const t = at.get(seq);
    if (t === undefined) {
      trial.lost++;
      continue;
    }
    trial.resolved.push(t - t1);
    trial.called.push(t - t0);
  }
  return trial;
}

type Sent = [number, number, number][];
type Handled = [number, number][];

/** Runs the latency comparison and judges the latency targets. */
export async function latencySection(bench: Bench): Promise<void> {
  const { results, scale } = bench;
  await settle(bench, "latency", false);
  const n = scale.latencyEntries;
  const spoolContender = (
    durability: "strict" | "relaxed",
  ): Contender<Trial> => ({
    id: `multispool ${durability}`,
    run: async () => {
      const dir = bench.dir(`latency-${durability}`);
      await Spool.create(dir, {
        queues: ["q"],
        metadata: jsonMetadata<{ seq: number; t0: number }>(),
      }, { durability });
      const [reader, producer] = await runGroup(
        [
          denoWorker("latency_reader.ts", [dir, durability, n]),
          denoWorker("latency_producer.ts", [dir, durability, n]),
        ],
        [],
        120_000,
      );
      return join(producer.sent as Sent, reader.handled as Handled);
    },
  });
  const contenders: Contender<Trial>[] = [
    spoolContender("strict"),
    spoolContender("relaxed"),
    {
      id: "deno kv, same process",
      run: async () => {
        const path = `${bench.dir("latency-kv")}/kv.sqlite3`;
        const [result] = await runGroup(
          [
            kvWorker("latency_kv.ts", ["same", path, n, 4, 10_000]),
          ],
          [],
          120_000,
        );
        return join(result.sent as Sent, result.handled as Handled);
      },
    },
  ];
  bench.log("latency");
  const trials = await alternate(
    contenders,
    scale.latencyRounds,
    (id, round, trial) =>
      bench.log(
        `  ${id} round ${round + 1}: p50 ${
          quantile(trial.resolved, 0.5).toFixed(2)
        } ms, p99 ${quantile(trial.resolved, 0.99).toFixed(2)} ms`,
      ),
  );
  const raw: Record<string, unknown> = {};
  for (const [id, list] of trials) {
    raw[id] = list.map((t) => ({
      p50: quantile(t.resolved, 0.5),
      p99: quantile(t.resolved, 0.99),
      max: quantile(t.resolved, 1),
      calledP50: quantile(t.called, 0.5),
      calledP99: quantile(t.called, 0.99),
      lost: t.lost,
    }));
    const lost = list.reduce((sum, t) => sum + t.lost, 0);
    const note = `${list[0]?.resolved.length ?? 0} entries/round${
      lost > 0 ? `, ${lost} never handled` : ""
    }`;
    for (const [label, q] of [["p50", 0.5], ["p99", 0.99]] as const) {
      for (const from of ["resolved", "called"] as const) {
        results.row(
          SECTION,
          `${from} -> handler ${label}`,
          id,
          "ms",
          list.map((t) => quantile(t[from], q)),
          from === "resolved" ? note : undefined,
        );
      }
    }
  }
  results.notes.push(
    "latency, strict: an entry is visible from its rename, before the queue directory flush that ends enqueue, so a waiting reader can start before enqueue resolves (negative figures)",
  );
  if (scale.kvCrossEntries > 0) await kvAcrossProcesses(bench, raw);
  results.raw.latency = raw;
  const value = (durability: string, label: string) =>
    results.find(
      SECTION,
      `resolved -> handler ${label}`,
      `multispool ${durability}`,
    )
      ?.value ?? NaN;
  for (const durability of ["strict", "relaxed"]) {
    results.target(
      `latency p50 across processes (${durability})`,
      value(durability, "p50"),
      " ms",
      "<",
      2,
      "enqueue resolved -> handler start",
    );
    results.target(
      `latency p99 across processes (${durability})`,
      value(durability, "p99"),
      " ms",
      "<",
      20,
      "enqueue resolved -> handler start",
    );
  }
}

/**
 * Deno KV across processes: a listener in one process, a producer in
 * another. One round with a few messages, because delivery to another
 * process waits for that process's own poll of the database.
 */
async function kvAcrossProcesses(
  bench: Bench,
  raw: Record<string, unknown>,
): Promise<void> {
  const n = bench.scale.kvCrossEntries;
  bench.log(`latency: deno kv across processes (${n} messages, up to 90 s)`);
  const path = `${bench.dir("latency-kv-cross")}/kv.sqlite3`;
  (await Deno.openKv(path)).close();
  const [listener, producer] = await runGroup(
    [
      kvWorker("latency_kv.ts", ["listen", path, n, 0, 90_000]),
      kvWorker("latency_kv.ts", ["produce", path, n, 200, 0]),
    ],
    [],
    180_000,
  );
  const trial = join(producer.sent as Sent, listener.handled as Handled);
  raw["deno kv, across processes"] = trial;
  const note = `${n} messages, one round${
    trial.lost > 0 ? `; ${trial.lost} not delivered within 90 s` : ""
  }`;
  bench.results.row(
    SECTION,
    "resolved -> handler p50",
    "deno kv, across processes",
    "ms",
    [quantile(trial.resolved, 0.5)],
    note,
  );
}
