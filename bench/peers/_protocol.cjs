// The bench's worker handshake (bench/workers/_protocol.ts) for the Node
// peers: print "ready", read "go ARG...", print one JSON line, then stay
// until the parent closes stdin (it reads this process's peak memory then).
"use strict";

const readline = require("node:readline");

const lines = readline.createInterface({ input: process.stdin });
const pending = [];
const waiting = [];
lines.on("line", (line) => {
  const next = waiting.shift();
  if (next) next(line);
  else pending.push(line);
});
lines.on("close", () => {
  for (const next of waiting.splice(0)) next(null);
  closed = true;
});
let closed = false;

/** The next line of stdin, or null at its end. */
function readLine() {
  if (pending.length > 0) return Promise.resolve(pending.shift());
  if (closed) return Promise.resolve(null);
  return new Promise((resolve) => waiting.push(resolve));
}

/** Wall-clock milliseconds with sub-millisecond resolution. */
function now() {
  return performance.timeOrigin + performance.now();
}

/** Says "ready" and waits for "go"; returns the go line's arguments. */
async function ready() {
  process.stdout.write("ready\n");
  const line = await readLine();
  if (line === null || !line.startsWith("go")) {
    throw new Error(`expected "go" from the parent, got ${line}`);
  }
  return line.split(" ").slice(1).filter((word) => word.length > 0);
}

/** Sends the result, then waits for stdin to close. */
async function emit(result) {
  const hwmKiB = Math.round(process.memoryUsage().rss / 1024);
  process.stdout.write(`${JSON.stringify({ ...result, hwmKiB })}\n`);
  while (await readLine() !== null);
}

/** Resolves after `ms` milliseconds. */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A message of `size` bytes as text: `{"seq":N,"t0":T,"pad":"xxx..."}`, so
 * that every peer carries the same 1 KiB and a consumer can read the
 * sequence number back.
 */
function message(seq, t0, size) {
  const head = JSON.stringify({ seq, t0, pad: "" });
  return `${head.slice(0, -2)}${"x".repeat(Math.max(0, size - head.length))}"}`;
}

/**
 * Runs `concurrency` loops calling `op` until `durationMs` have passed;
 * returns how many calls completed (each call counts `per` entries) and
 * when the run started and ended.
 */
async function runFor(durationMs, concurrency, per, op) {
  const start = now();
  const deadline = start + durationMs;
  let ops = 0;
  let seq = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) {
        await op(seq);
        seq += per;
        ops += per;
      }
    }),
  );
  return { ops, start, end: now() };
}

/** The options object every peer script takes as its one argument. */
function options() {
  return JSON.parse(process.argv[2] ?? "{}");
}

module.exports = { emit, message, now, options, ready, runFor, sleep };
