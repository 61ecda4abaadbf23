// Child Deno processes started from the repository root: run to the end,
// or started in the background and followed line by line, which is how
// tests wait on them (a handshake on stdout and stdin, never a sleep).

/** The repository root, for running fixtures as child processes. */
export const ROOT: string = new URL("../..", import.meta.url).pathname
  .replace(/\/$/, "");

/** The only grants a spool's processes need: read and write on `dir`. */
export function scopedTo(dir: string): string[] {
  return [`--allow-read=${dir}`, `--allow-write=${dir}`];
}

/** What a child process printed and how it ended. */
export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno ARGS` from the repository root and collects its output. */
export async function runDeno(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<ChildResult> {
  const command = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  });
  const child = command.spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    } catch (error) {
      // The child may stop reading early (and fail); its output tells.
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    }
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A child Deno process started from the repository root. */
export interface RunningChild {
  child: Deno.ChildProcess;
  /** The lines of output so far. */
  lines(): string[];
  /** Resolves with the first line of output that satisfies `match`. */
  line(match: (line: string) => boolean, what?: string): Promise<string>;
  /** Resolves once the child has printed at least `count` lines. */
  lineCount(count: number, what?: string): Promise<void>;
  /** Calls `listener` after each chunk of output and at the end. */
  onOutput(listener: () => void): () => void;
  /** Whether the process has ended and its output is all read. */
  ended(): boolean;
  /** Writes `text` to the child's stdin (started with `stdin: true`). */
  send(text: string): Promise<void>;
  /** Sends SIGTERM (or `signal`) and collects the output. */
  stop(signal?: Deno.Signal): Promise<ChildResult>;
  /** Waits for the process to end on its own and collects the output. */
  done(): Promise<ChildResult>;
}

/** Starts `deno ARGS` in the background, output piped and read as it comes. */
export function startDeno(
  args: string[],
  options: {
    stdin?: boolean;
    /** More environment variables for the child. */
    env?: Record<string, string>;
  } = {},
): RunningChild {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  let stdout = "";
  const listeners = new Set<() => void>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      for (const listener of [...listeners]) listener();
    }
  })();
  let ended = false;
  const output = Promise.all([
    child.status,
    new Response(child.stderr).text(),
    reading,
  ]).then(([status, stderr]) => {
    ended = true;
    for (const listener of [...listeners]) listener();
    return { code: status.code, stdout, stderr };
  });
  const stdin = options.stdin ? child.stdin.getWriter() : undefined;
  /** Resolves with `found()` once it is defined; rejects if the child ends. */
  const until = <T>(found: () => T | undefined, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value !== undefined) {
          listeners.delete(check);
          resolve(value);
        } else if (ended) {
          listeners.delete(check);
          reject(new Error(`the child ended without ${what}: ${stdout}`));
        }
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    lines: () => lines(stdout),
    line: (match, what = "a line of output") =>
      until(() => lines(stdout).find(match), what),
    lineCount: (count, what = `${count} lines of output`) =>
      until(() => lines(stdout).length >= count ? true : undefined, what)
        .then(() => {}),
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ended: () => ended,
    async send(text) {
      if (stdin === undefined) throw new Error("started without stdin");
      await stdin.write(new TextEncoder().encode(text));
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already ended.
      }
      await stdin?.close().catch(() => {});
      return await output;
    },
    async done() {
      await stdin?.close().catch(() => {});
      return await output;
    },
  };
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}

/**
 * Resolves once `condition` holds, checking it after every chunk of output
 * of any of `children`. Rejects if they have all ended without it, or after
 * `limitMs`: a guard against a test that would hang, not a timing assertion.
 */
export function untilOutput(
  children: RunningChild[],
  condition: () => boolean,
  what: string,
  limitMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const finish = (error?: Error) => {
      clearTimeout(guard);
      for (const stop of stops) stop();
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = () => {
      if (condition()) finish();
      else if (children.every((c) => c.ended())) {
        finish(new Error(`the children ended without ${what}`));
      }
    };
    const guard = setTimeout(
      () => finish(new Error(`gave up waiting for ${what}`)),
      limitMs,
    );
    for (const child of children) stops.push(child.onOutput(check));
    check();
  });
}
