// What a trial cost beyond its wall time: CPU time of the processes that
// did the work (user and system, from /proc/PID/stat, the figures
// getrusage reports), the busy share of all CPUs (/proc/stat), and what the
// disks under the scratch file system did (/proc/diskstats). Sampled by the
// parent just before "go" and once every result is in, so that start-up and
// the wait to be released are not counted.

/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** One process's CPU time so far, ms. */
interface ProcessCpu {
  userMs: number;
  sysMs: number;
}

/** One block device's counters so far. */
interface DiskCounters {
  writes: number;
  sectorsWritten: number;
  /** Milliseconds the device had I/O in flight (utilization). */
  ioMs: number;
  flushes: number;
}

interface Sample {
  at: number;
  processes: Map<number, ProcessCpu>;
  cpu?: { busy: number; total: number };
  disks: Map<string, DiskCounters>;
}

/** What a trial cost, between the two samples. */
export interface Cost {
  wallMs: number;
  /** CPU time of the sampled processes (workers and daemons), ms. */
  userMs: number;
  sysMs: number;
  /** Busy share of all CPUs, every process and the kernel (0..1). */
  cpuBusy: number;
  /** Per device: utilization (0..1), writes and flush requests per second. */
  disks: Record<
    string,
    { util: number; writesPerS: number; flushesPerS: number; mibPerS: number }
  >;
}

/**
 * Reads several files under /proc in one `sh` (Deno reads /proc only with
 * --allow-all, which the quick run does not have). A file that is gone
 * (a process that has exited) comes back empty.
 */
async function readProcFiles(paths: string[]): Promise<Map<string, string>> {
  const script = 'for f; do echo "@@@ $f"; cat "$f" 2>/dev/null; done';
  const result = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...paths],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(result.stdout);
  const files = new Map<string, string>();
  for (const part of text.split("@@@ ").slice(1)) {
    const newline = part.indexOf("\n");
    files.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return files;
}

function parseProcessStat(text: string): ProcessCpu | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // After "(comm)": state is field 3; utime and stime are fields 14 and 15.
  const fields = text.slice(close + 2).split(" ");
  const user = Number(fields[11]);
  const sys = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(sys)) return undefined;
  return {
    userMs: user * 1000 / TICKS_PER_S,
    sysMs: sys * 1000 / TICKS_PER_S,
  };
}

function parseCpu(text: string): { busy: number; total: number } | undefined {
  const fields = text.split("\n")[0].split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) {
    return undefined;
  }
  const total = fields.reduce((sum, n) => sum + n, 0);
  const [, , , idle, iowait, , , steal] = fields;
  return { busy: total - idle - iowait - steal, total };
}

function parseDisks(text: string, names: string[]): Map<string, DiskCounters> {
  const disks = new Map<string, DiskCounters>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !names.includes(f[2])) continue;
    disks.set(f[2], {
      writes: Number(f[7]),
      sectorsWritten: Number(f[9]),
      ioMs: Number(f[12]),
      flushes: f.length >= 19 ? Number(f[18]) : NaN,
    });
  }
  return disks;
}

/**
 * Measures a trial's cost: `start(pids)` before "go", `stop()` once every
 * result is in. `daemons` are sampled too (a server the workers talk to);
 * `devices` are block device names (`loop0`, `vda`).
 */
export class UsageMeter {
  readonly #daemons: number[];
  readonly #devices: string[];
  #pids: number[] = [];
  #first: Sample | undefined;
  /** The trial's cost, once stopped. */
  cost: Cost | undefined;

  constructor(daemons: number[] = [], devices: string[] = []) {
    this.#daemons = daemons;
    this.#devices = devices;
  }

  async #sample(): Promise<Sample> {
    const pids = [...this.#pids, ...this.#daemons];
    const files = await readProcFiles([
      ...pids.map((pid) => `/proc/${pid}/stat`),
      "/proc/stat",
      "/proc/diskstats",
    ]);
    const processes = new Map<number, ProcessCpu>();
    for (const pid of pids) {
      const cpu = parseProcessStat(files.get(`/proc/${pid}/stat`) ?? "");
      if (cpu !== undefined) processes.set(pid, cpu);
    }
    return {
      at: performance.now(),
      processes,
      cpu: parseCpu(files.get("/proc/stat") ?? ""),
      disks: parseDisks(files.get("/proc/diskstats") ?? "", this.#devices),
    };
  }

  /** Takes the first sample, of these worker processes and the daemons. */
  async start(pids: number[] = []): Promise<void> {
    this.#pids = pids;
    this.#first = await this.#sample();
  }

  /** Takes the last sample and sets `cost`. */
  async stop(): Promise<void> {
    const first = this.#first!;
    const last = await this.#sample();
    const wallMs = last.at - first.at;
    let userMs = 0;
    let sysMs = 0;
    for (const [pid, end] of last.processes) {
      const begin = first.processes.get(pid);
      if (begin === undefined) continue;
      userMs += end.userMs - begin.userMs;
      sysMs += end.sysMs - begin.sysMs;
    }
    let cpuBusy = NaN;
    if (first.cpu !== undefined && last.cpu !== undefined) {
      const total = last.cpu.total - first.cpu.total;
      if (total > 0) cpuBusy = (last.cpu.busy - first.cpu.busy) / total;
    }
    const disks: Cost["disks"] = {};
    for (const [name, end] of last.disks) {
      const begin = first.disks.get(name);
      if (begin === undefined) continue;
      const s = wallMs / 1000;
      disks[name] = {
        util: (end.ioMs - begin.ioMs) / wallMs,
        writesPerS: (end.writes - begin.writes) / s,
        flushesPerS: (end.flushes - begin.flushes) / s,
        mibPerS: (end.sectorsWritten - begin.sectorsWritten) * 512 / 2 ** 20 /
          s,
      };
    }
    this.cost = { wallMs, userMs, sysMs, cpuBusy, disks };
  }
}
