// The bench's worker handshake (bench/workers/_protocol.ts) for the Node
// peers: print "ready", read "go ARG...", print one JSON line, then stay
// until the parent closes stdin (it reads this process's peak memory then).
// `drive` runs a peer's modes; a peer says only how it adds and takes.
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

/**
 * Runs the mode the options name, with a peer that says how it adds
 * messages and takes them:
 *
 * - `producer()` resolves to `{ add(seq, t0), addMany?(seq, n), close() }`
 *   (`addMany` for the `batch` option of enqueue, and fill);
 * - `consumer(received, completed)` resolves to `{ prepare?(), start(),
 *   stop() }`: it calls `received(text)` as a message is handled (`text`
 *   reads it), `completed()` once it is gone from the queue;
 * - `fillBatch`: how many messages fill adds at once (with `addMany`).
 *
 * Modes, with the options each reads:
 *   enqueue  { concurrency, batch }   go DURATION_MS
 *   fill     { count }                go
 *   drain    { count, handlers }      go
 *   produce  { count }                go   (latency)
 *   consume  { count }                go   (latency)
 *   count    { count }   N enqueues at once, no handshake (for strace)
 */
async function drive(peer) {
  const o = options();
  switch (o.mode) {
    case "enqueue":
      return await enqueue(o, await peer.producer());
    case "count": {
      const producer = await peer.producer();
      for (let seq = 0; seq < o.count; seq++) await producer.add(seq, now());
      return await producer.close();
    }
    case "fill":
      return await fill(o, await peer.producer(), peer.fillBatch);
    case "drain":
    case "consume":
      return await take(o, peer);
    case "produce":
      return await produce(o, await peer.producer());
    default:
      throw new Error(`unknown mode ${o.mode}`);
  }
}

/** Adds for the duration `go` gives, `concurrency` callers at once. */
async function enqueue(o, producer) {
  const batch = producer.addMany === undefined ? 0 : o.batch ?? 0;
  const [duration] = await ready();
  const result = await runFor(
    Number(duration),
    o.concurrency ?? 1,
    batch > 0 ? batch : 1,
    // A turn of the event loop between calls, as concurrent callers get
    // (a synchronous client would otherwise never yield).
    async (seq) => {
      if (batch > 0) await producer.addMany(seq, batch);
      else await producer.add(seq, now());
    },
  );
  await producer.close();
  return await emit(result);
}

/** Adds `count` messages, `batch` at a time if given, for a drain. */
async function fill(o, producer, batch) {
  await ready();
  const start = now();
  if (batch === undefined) {
    for (let seq = 0; seq < o.count; seq++) await producer.add(seq, now());
  } else {
    for (let seq = 0; seq < o.count; seq += batch) {
      await producer.addMany(seq, Math.min(batch, o.count - seq));
    }
  }
  const end = now();
  await producer.close();
  return await emit({ ops: o.count, start, end });
}

/**
 * Takes `count` messages: a drain of a filled queue (timed from "go"), or
 * the consumer of the latency run (waiting before "go", recording when
 * each message arrived).
 */
async function take(o, peer) {
  const consume = o.mode === "consume";
  const handled = [];
  let ops = 0;
  let end = 0;
  let finish;
  const finished = new Promise((resolve) => finish = resolve);
  const consumer = await peer.consumer(
    (text) => {
      if (consume) handled.push([JSON.parse(text()).seq, now()]);
    },
    () => {
      if (++ops === o.count) {
        end = now();
        finish();
      }
    },
  );
  if (consume) {
    await consumer.start();
    await consumer.prepare?.();
    await sleep(100);
  } else {
    await consumer.prepare?.();
  }
  await ready();
  const start = now();
  if (!consume) await consumer.start();
  await finished;
  await consumer.stop();
  return await emit({ ops, start, end, ...(consume ? { handled } : {}) });
}

/** Adds `count` messages one by one, 2 to 6 ms apart, recording each. */
async function produce(o, producer) {
  const sent = [];
  await ready();
  const start = now();
  for (let seq = 0; seq < o.count; seq++) {
    const t0 = now();
    await producer.add(seq, t0);
    sent.push([seq, t0, now()]);
    await sleep(2 + Math.random() * 4);
  }
  const end = now();
  await producer.close();
  return await emit({ ops: sent.length, start, end, sent });
}

/** Runs `peer` (see {@link drive}); a failure ends the process with 1. */
function run(peer) {
  drive(peer).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { message, now, options, run };
