// The parent/worker handshake every bench worker follows, so that setup
// (runtime start, spool open) stays outside the timed region and several
// workers start their timed work together:
//   worker: "ready\n"   parent: "go ARG...\n"   worker: one JSON line, exit.

import { delay } from "../../src/delay.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let pending = "";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Reads one line from stdin (without the newline); null at end of input. */
async function readLine(): Promise<string | null> {
  const buffer = new Uint8Array(4096);
  for (;;) {
    const newline = pending.indexOf("\n");
    if (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      return line;
    }
    const n = await Deno.stdin.read(buffer);
    if (n === null) return null;
    pending += decoder.decode(buffer.subarray(0, n));
  }
}

function writeAll(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

/** Says "ready" and waits for the parent's "go"; returns the go line's arguments. */
export async function ready(): Promise<string[]> {
  writeAll("ready\n");
  const line = await readLine();
  if (line === null || !line.startsWith("go")) {
    throw new Error(`expected "go" from the parent, got ${line}`);
  }
  return line.split(" ").slice(1).filter((word) => word.length > 0);
}

/**
 * Sends the worker's result to the parent (one JSON line), then stays alive
 * until the parent closes stdin: the parent reads the peak memory of the
 * process (VmHWM) meanwhile, which Deno lets a process read in /proc only
 * with --allow-all. `hwmKiB` here is the current RSS, the fallback.
 */
export async function emit(result: Record<string, unknown>): Promise<void> {
  const rss = Math.round(Deno.memoryUsage().rss / 1024);
  writeAll(`${JSON.stringify({ ...result, hwmKiB: rss })}\n`);
  while (await readLine() !== null);
}

/** Resolves after `ms` milliseconds (the library's one delay). */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** A 1 KiB-style payload of `size` bytes that is not all zeros. */
export function payloadOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/**
 * Runs `concurrency` loops calling `op` until `durationMs` have passed (a
 * synchronous `op` is not awaited, so a floor loop stays synchronous);
 * returns how many calls completed and when the run started and ended.
 */
export async function runFor(
  durationMs: number,
  concurrency: number,
  op: (seq: number) => Promise<unknown> | void,
): Promise<{ ops: number; start: number; end: number }> {
  const start = now();
  const deadline = start + durationMs;
  let ops = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) {
        const pending = op(ops);
        if (pending !== undefined) await pending;
        ops++;
      }
    }),
  );
  return { ops, start, end: now() };
}

/**
 * Says "ready", waits for the parent's "go DURATION_MS", then calls `op`
 * from `concurrency` loops for that long (see `runFor`).
 */
export async function runOnGo(
  concurrency: number,
  op: (seq: number) => Promise<unknown> | void,
): Promise<{ ops: number; start: number; end: number }> {
  const [duration] = await ready();
  return await runFor(Number(duration), concurrency, op);
}
