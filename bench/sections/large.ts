// 1 MiB payloads, streamed: enqueue from a stream and read back as a stream
// (dequeue, read, remove), against the same steps in plain syscalls. Deno KV
// is not a contender: its values are limited to 64 KiB.

import { Spool, streamData } from "../../mod.ts";
import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { settle } from "../lib/machine.ts";
import { denoWorker, runGroup } from "../lib/proc.ts";

const SECTION = "1 MiB payloads, streamed, 1 producer then 1 consumer";
const MIB = 1024 * 1024;

interface Trial {
  writeMiBs: number;
  readMiBs: number;
  entries: number;
  hwmKiB: number;
}

/** Runs the 1 MiB comparison. */
export async function largeSection(bench: Bench): Promise<void> {
  const { results } = bench;
  await settle(bench, "1 MiB payloads", false);
  const contenders: Contender<Trial>[] = [];
  for (const durability of ["strict", "relaxed"] as const) {
    for (const kind of ["multispool", "floor"] as const) {
      contenders.push({
        id: `${kind} ${durability}`,
        run: async () => {
          const dir = bench.dir(`large-${durability}`);
          await Spool.create(dir, { queues: ["q"], data: streamData }, {
            durability,
          });
          const script = kind === "floor" ? "large_floor.ts" : "large_lib.ts";
          const [r] = await runGroup(
            [denoWorker(script, [dir, durability])],
            [bench.scale.largeMs],
          );
          const written = r.written as number;
          return {
            writeMiBs: r.ops / ((written - r.start) / 1000),
            readMiBs: (r.bytes as number) / MIB / ((r.end - written) / 1000),
            entries: r.ops,
            hwmKiB: r.hwmKiB,
          };
        },
      });
    }
  }
  bench.log("1 MiB payloads");
  const trials = await alternate(
    contenders,
    bench.scale.largeRounds,
    (id, round, t) =>
      bench.log(
        `  ${id} round ${round + 1}: write ${
          t.writeMiBs.toFixed(0)
        } MiB/s, read ${t.readMiBs.toFixed(0)} MiB/s`,
      ),
  );
  results.raw.large = Object.fromEntries(trials);
  for (const [id, list] of trials) {
    const peak = Math.max(...list.map((t) => t.hwmKiB)) / 1024;
    const entries = Math.round(
      list.reduce((sum, t) => sum + t.entries, 0) / list.length,
    );
    results.row(
      SECTION,
      "enqueue (stream in)",
      id,
      "MiB/s",
      list.map((t) => t.writeMiBs),
      `~${entries} entries/round; peak RSS ${peak.toFixed(0)} MiB`,
    );
    results.row(
      SECTION,
      "dequeue + stream out + remove",
      id,
      "MiB/s",
      list.map((t) => t.readMiBs),
    );
  }
  for (const durability of ["strict", "relaxed"]) {
    const of = (kind: string, pick: (t: Trial) => number) =>
      trials.get(`${kind} ${durability}`)?.map(pick) ?? [];
    results.ratio(
      SECTION,
      `enqueue ${durability}: multispool / floor`,
      of("multispool", (t) => t.writeMiBs),
      of("floor", (t) => t.writeMiBs),
    );
    results.ratio(
      SECTION,
      `read back ${durability}: multispool / floor`,
      of("multispool", (t) => t.readMiBs),
      of("floor", (t) => t.readMiBs),
    );
  }
}
