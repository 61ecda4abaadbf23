// Building drain backlogs before anything is drained: on ext4 without a
// journal, inode allocation steps over recently deleted inodes one by one,
// so files created soon after a mass deletion are many times slower to make.

import { Spool } from "../../mod.ts";
import type { Bench } from "../lib/context.ts";
import { denoWorker, kvWorker, runGroup } from "../lib/proc.ts";
import { type DirqPython, dirqWorker } from "../lib/python.ts";
import { textMetadata } from "../workers/_codecs.ts";

/** Which implementation's on-disk format a backlog is in. */
export type Engine = "multispool" | "floor" | "kv" | "dirq";

/** A backlog ready to drain. */
export interface Backlog {
  path: string;
  size: number;
}

/**
 * Builds `size` entries of `payloadBytes` each (0: empty entries, which own
 * no data blocks) in the format `engine` drains.
 */
export async function buildBacklog(
  bench: Bench,
  engine: Engine,
  size: number,
  payloadBytes: number,
  dirq: DirqPython | undefined,
): Promise<Backlog> {
  if (engine === "kv") {
    const path = `${bench.dir("backlog-kv")}/kv.sqlite3`;
    await runGroup([kvWorker("build_kv.ts", [path, size, payloadBytes])]);
    return { path, size };
  }
  if (engine === "dirq") {
    const path = bench.path("backlog-dirq");
    await runGroup([
      dirqWorker(dirq!.python, ["fill", path, size, payloadBytes]),
    ]);
    return { path, size };
  }
  const path = bench.dir(`backlog-${size}`);
  await createSpool(path);
  await runGroup(
    [denoWorker("build_lib.ts", [path, size, payloadBytes])],
    [],
    1_800_000,
  );
  return { path, size };
}

/** Creates the spool a backlog goes in (same codecs as the workers). */
export async function createSpool(path: string): Promise<void> {
  await Spool.create(path, { queues: ["q"], metadata: textMetadata }, {
    durability: "relaxed",
  });
}

/** Flushes every dirty page of the machine, so that all backlogs are written back. */
export async function syncAll(): Promise<void> {
  await new Deno.Command("sync").output();
}
