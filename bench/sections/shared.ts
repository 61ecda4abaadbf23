// Through a shared file system: a spool on GlusterFS (replica 3, default
// options, bricks in memory) and on sshfs, used through two mounts that
// stand in for two hosts (tests/multihost/_rig.ts builds them). Raw races:
// two processes, one on each mount, make the same calls on the same 500
// names, and how many names both were told they won is counted (rename,
// link, create-new). Enqueue: one producer process on each mount, 4
// concurrent enqueues each, strict and relaxed. Drain: a backlog drained by
// one consumer process on each mount at once. Needs root and FUSE; skipped
// with a note otherwise.

import { alternate } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup, type WorkerResult } from "../lib/proc.ts";
import { createSpool } from "./backlog.ts";
import {
  glusterfs,
  type SharedFs,
  sshfs,
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
  const enqueued = await alternate(
    durabilities.map((durability) => ({
      id: durability,
      run: async () => {
        const spools = await spoolPair();
        return rate(
          await runGroup(
            spools.map((spool) =>
              denoWorker("enqueue_lib.ts", [spool, durability, 4])
            ),
            [enqueueMs],
          ),
        );
      },
    })),
    rounds,
    (id, round, value) =>
      bench.log(
        `  ${shared.kind} enqueue ${id} round ${round + 1}: ${
          value.toFixed(0)
        }/s`,
      ),
  );
  const drained = await alternate(
    durabilities.map((durability) => ({
      id: durability,
      run: async () => {
        const spools = await spoolPair();
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
      },
    })),
    rounds,
    (id, round, value) =>
      bench.log(
        `  ${shared.kind} drain ${id} round ${round + 1}: ${
          value.toFixed(0)
        }/s`,
      ),
  );
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

/** The section: GlusterFS, then sshfs. */
export async function sharedSection(bench: Bench): Promise<void> {
  const why = whyNotHere();
  if (why !== undefined) {
    bench.results.notes.push(`shared file systems not measured: ${why}`);
    return;
  }
  for (const make of [glusterfs, sshfs]) {
    bench.log(`shared: setting up ${make.name}`);
    await using shared = await make();
    await races(bench, shared);
    await measure(bench, shared);
  }
}
