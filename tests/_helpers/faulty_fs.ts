// A file system that does everything on the real one, except one call it
// is told to fail: the Nth flush fails with EIO, the Nth write or create
// with ENOSPC (or writes half its content first: a short write), the Nth
// rename, link or unlink with EIO. Its errors are the runtime's: a plain
// `Error` whose `code` is "EIO" or "ENOSPC" and whose message reads like
// Deno's, which is how `toSpoolError` (src/errors.ts) recognizes them.
//
// Tests first run an operation clean, armed with no fault, to count its
// calls of each kind (its steps); then, for N in 1..count, run it again
// from the same starting state with the fault at call N.

import type { FileContent, SyncDirOptions } from "../../src/fs.ts";
import { CLOCK_PROBE_PREFIX } from "../../src/protocol/layout.ts";
import { DelegatingFs } from "./delegating_fs.ts";

/** The calls a fault can hit. */
export type FaultyCall =
  | "syncFile"
  | "syncDir"
  | "writeFile"
  | "createExclusive"
  | "rename"
  | "link"
  | "remove";

/**
 * The faults:
 * - `flush`: `syncFile` or `syncDir` fails with EIO, having flushed
 *   nothing (a failed fsync; after one, the kernel may have dropped the
 *   dirty pages, so a retry that succeeds proves nothing).
 * - `full`: `writeFile` or `createExclusive` fails with ENOSPC, having
 *   created nothing (no inode left, or no block for the first byte).
 * - `short`: `writeFile` writes the first half of its content, then fails
 *   with ENOSPC (the disk filled up during the write).
 * - `move`: `rename`, `link` or `remove` fails with EIO and did not happen.
 * - `moved`: `rename`, `link` or `remove` happened, then fails with EIO (a
 *   reply lost, as a network file system can lose one). A call that fails
 *   by itself (NotFound, say) answers its own error instead.
 */
export type FaultKind = "flush" | "full" | "short" | "move" | "moved";

/** What each fault kind hits, and the error it answers. */
export const FAULTS: Readonly<
  Record<FaultKind, { calls: readonly FaultyCall[]; code: "EIO" | "ENOSPC" }>
> = {
  flush: { calls: ["syncFile", "syncDir"], code: "EIO" },
  full: { calls: ["writeFile", "createExclusive"], code: "ENOSPC" },
  short: { calls: ["writeFile"], code: "ENOSPC" },
  move: { calls: ["rename", "link", "remove"], code: "EIO" },
  moved: { calls: ["rename", "link", "remove"], code: "EIO" },
};

/** Every fault kind, in a fixed order. */
export const FAULT_KINDS: readonly FaultKind[] = Object.keys(
  FAULTS,
) as FaultKind[];

/** A fault to inject: the `at`-th call (from 1) that `kind` can hit. */
export interface Fault {
  kind: FaultKind;
  at: number;
  /** Counts (and fails) only calls whose first path, relative, matches. */
  where?: (path: string) => boolean;
}

/** One call the armed fault could hit, as `rename .tmp/N -> in/N`. */
export interface Call {
  call: FaultyCall;
  /** Relative to the root, like every path here. */
  path: string;
  to?: string;
  /** `rename .tmp/N -> in/N`, `syncDir in`, ... */
  line: string;
}

/** The fault injected: the call, its place in the log, and the error. */
export interface Hit extends Call {
  /** Its index in {@linkcode FaultyFs.log}. */
  index: number;
  /**
   * What the call answered: the injected error (or, for a `moved` call
   * that failed by itself, its own).
   */
  error: Error;
}

const MESSAGES = {
  EIO: "Input/output error (os error 5)",
  ENOSPC: "No space left on device (os error 28)",
};

/** The calls of `log` that a fault of `kind` (with `where`) counts. */
export function faultSteps(
  log: readonly Call[],
  kind: FaultKind,
  where?: (path: string) => boolean,
): Call[] {
  return log.filter((c) =>
    FAULTS[kind].calls.includes(c.call) && (where?.(c.path) ?? true)
  );
}

/** An error as Deno's runtime makes it for a failed system call. */
export function osError(code: "EIO" | "ENOSPC", context: string): Error {
  return Object.assign(new Error(`${MESSAGES[code]}: ${context}`), { code });
}

const utf8 = new TextEncoder();

/** The first half of `content`, as bytes (a stream is read whole first). */
async function firstHalf(content: FileContent): Promise<Uint8Array> {
  const bytes = content instanceof ReadableStream
    ? new Uint8Array(await new Response(content).arrayBuffer())
    : typeof content === "string"
    ? utf8.encode(content)
    : content;
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

/**
 * A {@linkcode FileSystem} that fails one chosen call. Unarmed, or armed
 * with no fault, it only logs (from the last {@linkcode arm}) the calls a
 * fault could hit. The file system's clock probes (`.tmp/.clock-*`) are
 * neither logged nor failed: a probe that fails is a clock read from this
 * process instead, by design, and would only blur the count of steps.
 */
export class FaultyFs extends DelegatingFs {
  /** The calls a fault could hit, since the last {@linkcode arm}. */
  readonly log: Call[] = [];
  /** Called as the fault is injected, before the error is thrown. */
  onFault: ((hit: Hit) => void) | undefined;
  #fault: Fault | undefined;
  #seen = 0;
  #hit: Hit | undefined;

  /** Starts a new log and counts towards `fault` (none: only log). */
  arm(fault?: Fault): void {
    this.log.length = 0;
    this.#fault = fault;
    this.#seen = 0;
    this.#hit = undefined;
  }

  /** The fault injected since the last {@linkcode arm}, if any. */
  get hit(): Hit | undefined {
    return this.#hit;
  }

  /** The logged calls that a fault of `kind` (with `where`) would count. */
  steps(kind: FaultKind, where?: (path: string) => boolean): Call[] {
    return faultSteps(this.log, kind, where);
  }

  /**
   * Logs a call; returns the error to answer if this is the call to fail
   * (the fault is then spent).
   */
  #check(call: FaultyCall, path: string, to?: string): Hit | undefined {
    if (path.includes(`/${CLOCK_PROBE_PREFIX}`)) return undefined;
    const rel = this.rel(path);
    const relTo = to === undefined ? undefined : this.rel(to);
    const line = `${call} ${rel}${relTo === undefined ? "" : ` -> ${relTo}`}`;
    const entry: Call = relTo === undefined
      ? { call, path: rel, line }
      : { call, path: rel, to: relTo, line };
    this.log.push(entry);
    const fault = this.#fault;
    if (
      fault === undefined || this.#hit !== undefined ||
      !FAULTS[fault.kind].calls.includes(call) ||
      !(fault.where?.(rel) ?? true) ||
      ++this.#seen !== fault.at
    ) return undefined;
    const syscall = {
      syncFile: "fdatasync",
      syncDir: "fsync",
      writeFile: "writefile",
      createExclusive: "open",
      rename: "rename",
      link: "link",
      remove: "remove",
    }[call];
    const context = to === undefined
      ? `${syscall} '${path}'`
      : `${syscall} '${path}' -> '${to}'`;
    const hit = {
      ...entry,
      index: this.log.length - 1,
      error: osError(FAULTS[fault.kind].code, context),
    };
    this.#hit = hit;
    return hit;
  }

  #inject(hit: Hit): never {
    this.onFault?.(hit);
    throw hit.error;
  }

  override createExclusive(path: string): void {
    const hit = this.#check("createExclusive", path);
    if (hit !== undefined) this.#inject(hit);
    this.real.createExclusive(path);
  }

  override async writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean },
  ): Promise<void> {
    const hit = this.#check("writeFile", path);
    if (hit === undefined) {
      return await this.real.writeFile(path, content, options);
    }
    if (this.#fault?.kind === "short") {
      await this.real.writeFile(path, await firstHalf(content), options);
    } else if (content instanceof ReadableStream) {
      await content.cancel();
    }
    this.#inject(hit);
  }

  override async syncFile(path: string): Promise<void> {
    const hit = this.#check("syncFile", path);
    if (hit !== undefined) this.#inject(hit);
    await this.real.syncFile(path);
  }

  override async syncDir(
    path: string,
    options?: SyncDirOptions,
  ): Promise<void> {
    const hit = this.#check("syncDir", path);
    if (hit !== undefined) this.#inject(hit);
    await this.real.syncDir(path, options);
  }

  override rename(from: string, to: string): void {
    this.#move("rename", from, to, () => this.real.rename(from, to));
  }

  override link(from: string, to: string): void {
    this.#move("link", from, to, () => this.real.link(from, to));
  }

  override remove(path: string): void {
    this.#move("remove", path, undefined, () => this.real.remove(path));
  }

  #move(
    call: FaultyCall,
    path: string,
    to: string | undefined,
    real: () => void,
  ): void {
    const hit = this.#check(call, path, to);
    if (hit === undefined) return real();
    if (this.#fault?.kind === "moved") {
      try {
        real();
      } catch (error) {
        // It did not happen: there is no reply to lose, and its own
        // error (such as NotFound) is the answer.
        hit.error = error as Error;
      }
    }
    this.#inject(hit);
  }
}
