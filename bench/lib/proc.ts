// Child processes for the bench: spawn workers, wait until all are ready,
// start them together, collect their one-line JSON results.

/** The repository root: workers run from here so that deno.json applies. */
export const ROOT: string = new URL("../..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** A command line for one worker process. */
export interface WorkerSpec {
  cmd: string;
  args: string[];
}

/** What every worker reports; workers add their own fields. */
export interface WorkerResult {
  ops: number;
  start: number;
  end: number;
  hwmKiB: number;
  [field: string]: unknown;
}

/**
 * The permissions Deno workers run with: read and write (what the spool
 * needs), or all. Deno checks a path against the permissions at every file
 * call, resolving each of its components (a `readlink` each), unless it runs
 * with `--allow-all`; Node.js peers have no such checks.
 */
export type WorkerPermissions = "read-write" | "all";

/** Permission flags for a Deno worker. */
export function permissionFlags(permissions: WorkerPermissions): string[] {
  return permissions === "all"
    ? ["--allow-all"]
    : ["--allow-read", "--allow-write"];
}

let workerPermissions: WorkerPermissions = "read-write";

/** Sets the permissions of every Deno worker started from now on. */
export function setWorkerPermissions(permissions: WorkerPermissions): void {
  workerPermissions = permissions;
}

/** A Deno worker script under bench/workers/. */
export function denoWorker(
  script: string,
  args: (string | number)[],
  extraFlags: string[] = [],
): WorkerSpec {
  return {
    cmd: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      ...permissionFlags(workerPermissions),
      // Deno refuses another --allow-* beside --allow-all, which grants it.
      ...extraFlags.filter((flag) =>
        workerPermissions !== "all" || !flag.startsWith("--allow-")
      ),
      `${ROOT}/bench/workers/${script}`,
      ...args.map(String),
    ],
  };
}

/** A Node.js worker script under bench/peers/, given one JSON argument. */
export function nodeWorker(
  node: string,
  script: string,
  options: Record<string, unknown>,
): WorkerSpec {
  return {
    cmd: node,
    args: [`${ROOT}/bench/peers/${script}`, JSON.stringify(options)],
  };
}

/** A Deno worker that uses Deno KV. */
export function kvWorker(
  script: string,
  args: (string | number)[],
): WorkerSpec {
  return denoWorker(script, args, ["--unstable-kv"]);
}

const live = new Set<Deno.ChildProcess>();

/** Kills every worker still running (on interrupt or failure). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** One running worker, read line by line. */
class Worker {
  readonly #child: Deno.ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: Promise<string>;
  readonly label: string;
  readonly pid: number;

  constructor(spec: WorkerSpec) {
    this.label = [spec.cmd.split("/").at(-1), ...spec.args.slice(-4)].join(" ");
    this.#child = new Deno.Command(spec.cmd, {
      args: spec.args,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    live.add(this.#child);
    this.pid = this.#child.pid;
    this.#lines = this.#child.stdout
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(splitLines())[Symbol.asyncIterator]();
    this.#stdin = this.#child.stdin.getWriter();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async line(): Promise<string> {
    const next = await this.#lines.next();
    if (next.done) throw await this.#failure("ended without output");
    return next.value;
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  async finish(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    // Drain what is left so that the process can exit.
    for (;;) {
      const next = await this.#lines.next();
      if (next.done) break;
    }
    const status = await this.#child.status;
    live.delete(this.#child);
    if (!status.success) {
      throw await this.#failure(`exited with code ${status.code}`);
    }
    await this.#stderr;
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    live.delete(this.#child);
  }

  async #failure(what: string): Promise<Error> {
    const status = await this.#child.status;
    live.delete(this.#child);
    const stderr = (await this.#stderr).trim().split("\n").slice(-15).join(
      "\n",
    );
    return new Error(
      `worker ${this.label} ${what} (code ${status.code}):\n${stderr}`,
    );
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      rest += chunk;
      let newline;
      while ((newline = rest.indexOf("\n")) >= 0) {
        controller.enqueue(rest.slice(0, newline));
        rest = rest.slice(newline + 1);
      }
    },
    flush(controller) {
      if (rest.length > 0) controller.enqueue(rest);
    },
  });
}

async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} took longer than ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the workers as one trial: spawns them all, waits for every "ready",
 * sends each the same "go ARGS" at once, and returns their results in order.
 * `timed` is started just before "go" and stopped once every result is in.
 */
export async function runGroup(
  specs: WorkerSpec[],
  goArgs: (string | number)[] = [],
  timeoutMs = 300_000,
  timed?: {
    start(pids: number[]): void | Promise<void>;
    stop(): Promise<unknown>;
  },
): Promise<WorkerResult[]> {
  const workers = specs.map((spec) => new Worker(spec));
  const work = (async () => {
    for (const worker of workers) {
      const line = await worker.line();
      if (line !== "ready") {
        throw new Error(`worker ${worker.label} said ${line}, not ready`);
      }
    }
    const go = ["go", ...goArgs].join(" ");
    await timed?.start(workers.map((worker) => worker.pid));
    await Promise.all(workers.map((worker) => worker.send(go)));
    const lines = await Promise.all(workers.map((worker) => worker.line()));
    await timed?.stop();
    const results = await Promise.all(
      workers.map(async (worker, i) => {
        const result = JSON.parse(lines[i]) as WorkerResult;
        // The worker waits for stdin to close: it is still there to measure.
        result.hwmKiB = await peakRssKiB(worker.pid) ?? result.hwmKiB;
        return result;
      }),
    );
    await Promise.all(workers.map((worker) => worker.finish()));
    return results;
  })();
  try {
    return await withTimeout(work, timeoutMs, "a worker group", () => {
      for (const worker of workers) worker.kill();
    });
  } catch (error) {
    for (const worker of workers) worker.kill();
    throw error;
  }
}

/**
 * A live process's peak resident set size (VmHWM, KiB). Deno reads /proc
 * only with --allow-all, so `cat` reads it; undefined where that fails.
 */
async function peakRssKiB(pid: number): Promise<number | undefined> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match === null ? undefined : Number(match[1]);
}

/** Runs `jobs` with at most `limit` at once; results in order. */
export async function parallel<T>(
  jobs: (() => Promise<T>)[],
  limit: number,
): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await jobs[index]();
      }
    }),
  );
  return results;
}

/** Runs a command to completion and returns its stdout (empty on failure). */
export async function output(cmd: string, args: string[]): Promise<string> {
  try {
    const result = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "null",
    }).output();
    return result.success ? new TextDecoder().decode(result.stdout) : "";
  } catch {
    return "";
  }
}

/**
 * Whether `cmd ARGS` (run in `cwd`, if given) exits with 0; false where it
 * cannot run at all. Its output is not kept.
 */
export async function succeeds(
  cmd: string,
  args: string[],
  cwd?: string,
): Promise<boolean> {
  try {
    const result = await new Deno.Command(cmd, {
      args,
      cwd,
      stdout: "null",
      stderr: "null",
    }).output();
    return result.success;
  } catch {
    return false;
  }
}
