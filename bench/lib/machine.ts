// The machine a run measured, and the state of its file system: on ext4
// without a journal, creating files right after many were deleted is slow
// (inode allocation skips recently deleted inodes one by one), which would
// otherwise bias whichever contender runs after a cleanup.

import { delay } from "../../src/delay.ts";
import type { Bench } from "./context.ts";
import { output, succeeds } from "./proc.ts";
import { median } from "./stats.ts";

/** What BENCHMARKS.md needs to say about the machine. */
export interface Machine {
  cpu: string;
  nproc: number;
  ramGiB: number;
  kernel: string;
  deno: string;
  v8: string;
  /** `df -T` of the scratch directory (header and line). */
  df: string;
  /** File system type and mount options of the scratch directory. */
  mount: string;
  /** Whether an ext4 journal (jbd2) exists for that device; undefined if unknown. */
  journal: boolean | undefined;
}

/** A file under /proc: Deno reads /proc only with --allow-all, `cat` can. */
function readProc(path: string): Promise<string> {
  return output("cat", [path]);
}

/** Describes the machine and the file system holding `dir`. */
export async function describeMachine(dir: string): Promise<Machine> {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(await readProc("/proc/cpuinfo"))
    ?.[1] ?? "unknown";
  const mounts = (await readProc("/proc/mounts")).split("\n")
    .map((line) => line.split(" "))
    .filter((fields) => fields.length >= 4 && dir.startsWith(fields[1]))
    .sort((a, b) => b[1].length - a[1].length);
  const [device, mountPoint, type, options] = mounts[0] ?? [];
  let journal: boolean | undefined;
  if (type === "ext4" && device?.startsWith("/dev/")) {
    // jbd2 lists one directory per journal, named DEVICE-INODE.
    const name = device.slice("/dev/".length);
    const journals = await output("ls", ["-1", "/proc/fs/jbd2"]);
    journal = journals.split("\n").some((line) => line.startsWith(`${name}-`));
  }
  return {
    cpu,
    nproc: navigator.hardwareConcurrency,
    ramGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    df: (await output("df", ["-T", dir])).trim(),
    mount: mounts[0] ? `${type} on ${mountPoint} (${options})` : "unknown",
    journal,
  };
}

/** Jiffies of all CPUs from /proc/stat: busy, and in total. */
interface CpuTimes {
  busy: number;
  total: number;
}

async function cpuTimes(): Promise<CpuTimes | undefined> {
  // cpu  user nice system idle iowait irq softirq steal ...
  const line = (await readProc("/proc/stat")).split("\n")[0];
  const fields = line.split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) {
    return undefined;
  }
  const total = fields.reduce((sum, n) => sum + n, 0);
  const [, , , idle, iowait, , , steal] = fields;
  return { busy: total - idle - iowait - steal, total };
}

/**
 * Measures how busy the machine's CPUs are (all of them, every process,
 * kernel included) between `start()` and `stop()`: to tell a contender that
 * waits on the disk from one the processors cannot serve faster.
 */
export class CpuMeter {
  #start: Promise<CpuTimes | undefined> | undefined;
  /** The busy share of all CPUs from `start()` to `stop()` (0..1), NaN if unknown. */
  busy = NaN;

  /** Takes the first sample. */
  start(): void {
    this.#start = cpuTimes();
  }

  /** Takes the last sample and sets `busy`. */
  async stop(): Promise<void> {
    const [first, last] = [await this.#start, await cpuTimes()];
    if (first === undefined || last === undefined) return;
    const total = last.total - first.total;
    if (total > 0) this.busy = (last.busy - first.busy) / total;
  }
}

/**
 * Microseconds per file creation right now (median of 10 batches of 20),
 * in a fresh directory of the scratch area. The files stay until the end of
 * the run: deleting them would slow the next creations down.
 */
export function probeCreateUs(bench: Bench): number {
  const dir = bench.dir("probe");
  const batches: number[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const start = performance.now();
    for (let i = 0; i < 20; i++) {
      Deno.openSync(`${dir}/${batch}-${i}`, { write: true, createNew: true })
        .close();
    }
    batches.push((performance.now() - start) / 20 * 1000);
  }
  return median(batches);
}

/**
 * Marks the scratch directory as the top of a directory tree for ext4's
 * Orlov allocator (`chattr +T`), so that each spool directory made in it is
 * placed in a block group of its own choosing instead of next to its
 * parent. Without it, a spool made soon after a mass deletion nearby (the
 * previous run's cleanup, another process's tests) inherits a block group
 * full of recently freed inodes, which ext4 without a journal skips one by
 * one on every file creation (see `recently_deleted()` in fs/ext4/ialloc.c):
 * creation then costs 0.3-0.9 ms instead of ~20 µs. Best effort: returns
 * false where chattr or the flag is unavailable.
 */
export function spreadDirectories(dir: string): Promise<boolean> {
  return succeeds("chattr", ["+T", dir]);
}

const SETTLED_US = 150;

/**
 * Before a section that creates files, records what file creation costs;
 * with `wait`, first waits (up to the scale's limit) until it is back to
 * its normal cost, as it is some 30 s after the last mass deletion.
 */
export async function settle(
  bench: Bench,
  section: string,
  wait: boolean,
): Promise<void> {
  const deadline = performance.now() + (wait ? bench.scale.settleMs : 0);
  let cost = probeCreateUs(bench);
  const first = cost;
  while (cost > SETTLED_US && performance.now() < deadline) {
    bench.log(
      `file creation costs ${
        cost.toFixed(0)
      } µs now; waiting for the file system to settle`,
    );
    await delay(5000);
    cost = probeCreateUs(bench);
  }
  const probes = (bench.results.raw.createProbes ??= []) as unknown[];
  probes.push({
    section,
    firstUs: first,
    finalUs: cost,
    loadAverage: Deno.loadavg(),
  });
  bench.log(`file creation: ${cost.toFixed(0)} µs per file before ${section}`);
}

/**
 * How long ext4 without a journal keeps skipping a deleted inode: 60 s, or
 * 360 s while its inode-table block is dirty (RECENTCY_MIN and
 * RECENTCY_DIRTY in fs/ext4/ialloc.c). Several processes creating files
 * among such inodes race for the same free bits and slow down many times.
 */
const RECENT_DELETION_MS = 360_000;

/**
 * Waits until a previous run's cleanup (which deletes millions of files) is
 * old enough not to slow this run's file creation. `marker` holds the time
 * that cleanup ended.
 */
export async function waitAfterPreviousRun(
  bench: Bench,
  marker: string,
): Promise<void> {
  let ended: number;
  try {
    ended = Date.parse(Deno.readTextFileSync(marker).trim());
  } catch {
    return;
  }
  const wait = Math.min(
    RECENT_DELETION_MS,
    ended + RECENT_DELETION_MS - Date.now(),
  );
  if (!(wait > 0) || bench.scale.settleMs === 0) return;
  bench.log(
    `the previous run's cleanup ended ${
      ((Date.now() - ended) / 1000).toFixed(0)
    } s ago: waiting ${
      (wait / 1000).toFixed(0)
    } s for its deleted inodes to age out (ext4 without a journal)`,
  );
  await delay(wait);
}
