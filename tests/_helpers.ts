// Shared test helpers: temporary spools, file trees, child Deno processes,
// and a file system that records every operation it performs.

import { type DirWatcher, type FileSystem, realFileSystem } from "../src/fs.ts";

/** The repository root, for running fixtures as child processes. */
export const ROOT: string = new URL("..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** A temporary directory, removed with everything in it when disposed. */
export interface TempDir extends AsyncDisposable {
  /** Its path. */
  readonly path: string;
}

/**
 * Makes a fresh temporary directory for `await using`:
 * `await using dir = await tempDir();` then `dir.path`.
 */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "multispool-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(
  fn: (dir: string) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "multispool-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The tree under `dir`, one line per directory (`a/`) or file (`a/b`);
 * files at most 200 bytes long show their text after ` = `.
 */
export function tree(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    const items = [...Deno.readDirSync(rel ? `${dir}/${rel}` : dir)];
    for (const item of items) {
      const path = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory) {
        lines.push(`${path}/`);
        walk(path);
      } else {
        const size = Deno.statSync(`${dir}/${path}`).size;
        lines.push(
          size === 0
            ? path
            : size <= 200
            ? `${path} = ${Deno.readTextFileSync(`${dir}/${path}`)}`
            : `${path} (${size} bytes)`,
        );
      }
    }
  };
  walk("");
  return lines.sort();
}

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

/**
 * A file system that performs every operation on the real one and records
 * it as a line such as `rename .tmp/N -> q/N` (paths relative to `root`).
 */
export class RecordingFileSystem implements FileSystem {
  readonly ops: string[] = [];
  readonly #root: string;
  readonly #real: FileSystem;

  constructor(root: string, real: FileSystem = realFileSystem) {
    this.#root = root.replace(/\/$/, "");
    this.#real = real;
  }

  /** Forgets the operations recorded so far. */
  clear(): void {
    this.ops.length = 0;
  }

  #rel(path: string): string {
    return path === this.#root
      ? "."
      : path.startsWith(`${this.#root}/`)
      ? path.slice(this.#root.length + 1)
      : path;
  }

  #log(line: string): void {
    this.ops.push(line);
  }

  createExclusive(path: string): void {
    this.#log(`create ${this.#rel(path)}`);
    this.#real.createExclusive(path);
  }

  async writeFile(
    path: string,
    content: Uint8Array | string | ReadableStream<Uint8Array>,
    options: { createNew: boolean },
  ): Promise<void> {
    this.#log(`write${options.createNew ? "-new" : ""} ${this.#rel(path)}`);
    await this.#real.writeFile(path, content, options);
  }

  async syncFile(path: string): Promise<void> {
    this.#log(`sync ${this.#rel(path)}`);
    await this.#real.syncFile(path);
  }

  readText(path: string): string {
    this.#log(`read ${this.#rel(path)}`);
    return this.#real.readText(path);
  }

  readBytes(path: string): Promise<Uint8Array> {
    this.#log(`read ${this.#rel(path)}`);
    return this.#real.readBytes(path);
  }

  readStream(path: string): ReadableStream<Uint8Array> {
    this.#log(`stream ${this.#rel(path)}`);
    return this.#real.readStream(path);
  }

  rename(from: string, to: string): void {
    this.#log(`rename ${this.#rel(from)} -> ${this.#rel(to)}`);
    this.#real.rename(from, to);
  }

  remove(path: string): void {
    this.#log(`unlink ${this.#rel(path)}`);
    this.#real.remove(path);
  }

  touch(path: string, time: Date): void {
    this.#log(`touch ${this.#rel(path)}`);
    this.#real.touch(path, time);
  }

  stat(path: string): Deno.FileInfo {
    this.#log(`stat ${this.#rel(path)}`);
    return this.#real.stat(path);
  }

  lstat(path: string): Deno.FileInfo {
    this.#log(`lstat ${this.#rel(path)}`);
    return this.#real.lstat(path);
  }

  list(path: string): { name: string; isFile: boolean }[] {
    this.#log(`list ${this.#rel(path)}`);
    return this.#real.list(path);
  }

  listFiles(path: string): Promise<string[]> {
    this.#log(`list ${this.#rel(path)}`);
    return this.#real.listFiles(path);
  }

  watch(path: string): DirWatcher {
    this.#log(`watch ${this.#rel(path)}`);
    return this.#real.watch(path);
  }

  mkdir(path: string): void {
    this.#log(`mkdir ${this.#rel(path)}`);
    this.#real.mkdir(path);
  }

  async syncDir(path: string): Promise<void> {
    this.#log(`syncdir ${this.#rel(path)}`);
    await this.#real.syncDir(path);
  }
}

/** A name generator that hands out `prefix` + a zero-padded counter. */
export function counterNames(): {
  next(input: string | undefined, attempt: number): string;
} {
  let n = 0;
  return {
    next: (input) => `${input ?? ""}${String(++n).padStart(4, "0")}`,
  };
}

/** A child Deno process started from the repository root. */
export interface RunningChild {
  child: Deno.ChildProcess;
  /** Resolves with the first line of output that satisfies `match`. */
  line(match: (line: string) => boolean, what?: string): Promise<string>;
  /** Sends SIGTERM (or `signal`) and collects the output. */
  stop(signal?: Deno.Signal): Promise<ChildResult>;
  /** Waits for the process to end on its own and collects the output. */
  done(): Promise<ChildResult>;
}

/** Starts `deno ARGS` in the background, output piped and read as it comes. */
export function startDeno(args: string[]): RunningChild {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let stdout = "";
  const listeners = new Set<() => void>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      for (const listener of listeners) listener();
    }
  })();
  const output = Promise.all([
    child.status,
    new Response(child.stderr).text(),
    reading,
  ]).then(([status, stderr]) => {
    for (const listener of listeners) listener();
    return { code: status.code, stdout, stderr };
  });
  let ended = false;
  output.then(() => ended = true);
  return {
    child,
    line(match, what = "a line of output") {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines(stdout).find(match);
          if (found !== undefined) {
            listeners.delete(check);
            resolve(found);
          } else if (ended) {
            listeners.delete(check);
            reject(new Error(`the child ended without ${what}: ${stdout}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already ended.
      }
      return output;
    },
    done: () => output,
  };
}

/**
 * Polls `condition` every few milliseconds until it holds; fails after
 * `limitMs` (a guard against hanging, not a timing assertion).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}
