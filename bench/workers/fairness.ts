// How fairly one process shares its event loop while the library works:
// a 1 ms interval timer runs beside each path and records how late each of
// its ticks is (the loop's lag), and a reader in the producers' own
// process counts what it handles while they produce.
// Usage: fairness.ts SPOOL_BASE strict|relaxed MS BACKLOG [QUICK_CALLS]; go
// (QUICK_CALLS: the spools' quickCalls option, "auto" by default)
// Prints one JSON line: per path, lag p50/p99/max (ms), entries done, and
// for the shared reader, entries handled before the producers stopped.

import { type QuickCallsPlace, Spool } from "../../mod.ts";
import { OperatorSpool } from "../../operator.ts";
import { textMetadata } from "./_codecs.ts";
import { emit, now, ready } from "./_protocol.ts";

const [base, durability, msText, backlogText, quickCallsText = "auto"] =
  Deno.args;
const quickCalls = quickCallsText as QuickCallsPlace;
const runMs = Number(msText);
const backlog = Number(backlogText);
const strict = durability === "strict";

/** Records the loop's lag while `work` runs: ticks of a 1 ms interval. */
async function lagOf<T>(work: () => Promise<T>) {
  const lags: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const at = performance.now();
    lags.push(Math.max(0, at - last - 1));
    last = at;
  }, 1);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
    // The lag of a turn that never came: from the last tick to the end.
    lags.push(Math.max(0, performance.now() - last - 1));
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) =>
    lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
  return {
    result,
    p50: q(0.5),
    p99: q(0.99),
    max: lags.at(-1)!,
    ticks: lags.length,
  };
}

let spools = 0;
async function fresh() {
  const dir = `${base}/fairness-${spools++}`;
  return await Spool.create(dir, { queues: ["q"], metadata: textMetadata }, {
    durability: strict ? "strict" : "relaxed",
    quickCalls,
  });
}

const payload = new Uint8Array(64);

/** A fresh spool with `backlog` entries waiting (setup, not measured). */
async function withBacklog() {
  const spool = await fresh();
  for (let i = 0; i < backlog; i += 1000) {
    await spool.enqueueMany(
      "q",
      Array.from(
        { length: Math.min(1000, backlog - i) },
        () => ({ metadata: "", data: payload }),
      ),
    );
  }
  return spool;
}
/** Four producers enqueue into `spool` for runMs; returns how many entries they made. */
async function produceForRunMs(
  spool: Awaited<ReturnType<typeof fresh>>,
): Promise<number> {
  let made = 0;
  const until = performance.now() + runMs;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (performance.now() < until) {
      await spool.enqueue("q", "", payload);
      made++;
    }
  }));
  return made;
}

await ready();
const start = now();
const report: Record<string, unknown> = {};

// 1. Enqueue: 4 producers at once for runMs.
{
  const spool = await fresh();
  const { result: made, p50, p99, max } = await lagOf(() =>
    produceForRunMs(spool)
  );
  report.enqueue = {
    p50,
    p99,
    max,
    entries: made,
    perSecond: made / (runMs / 1000),
  };
}

// 2. A reader in the producers' process: what it handles while they run.
{
  const spool = await fresh();
  let handledDuring = 0;
  let producing = true;
  let handled = 0;
  const stop = new AbortController();
  await using reader = spool.reader("q");
  const reading = reader.iter(() => {
    handled++;
    if (producing) handledDuring++;
    return { action: "remove" };
  }, { signal: stop.signal });
  const { result: made, p50, p99, max } = await lagOf(async () => {
    const made = await produceForRunMs(spool);
    producing = false;
    return made;
  });
  while (handled < made) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await reading;
  report.sharedReader = { p50, p99, max, entries: made, handledDuring };
}

// 3. Drain a backlog: dequeueAvailable and remove, one at a time.
{
  const spool = await withBacklog();
  await using reader = spool.reader("q");
  let drained = 0;
  const { p50, p99, max } = await lagOf(async () => {
    for (;;) {
      const job = await reader.dequeueAvailable();
      if (job === undefined) break;
      await job.remove();
      drained++;
    }
  });
  report.drain = { p50, p99, max, entries: drained };
}

// 4. Listing and the operator's tools over the same backlog size.
{
  const spool = await withBacklog();
  const list = await lagOf(() => spool.list("q"));
  report.list = {
    p50: list.p50,
    p99: list.p99,
    max: list.max,
    entries: list.result.length,
  };
  const operator = await OperatorSpool.open(spool.dir, { quickCalls });
  const shapes = await lagOf(() => operator.shapes());
  report.shapes = {
    p50: shapes.p50,
    p99: shapes.p99,
    max: shapes.max,
    entries: backlog,
  };
  const listing = await lagOf(async () => {
    let n = 0;
    for await (const _ of operator.entries("q")) n++;
    return n;
  });
  report.operatorList = {
    p50: listing.p50,
    p99: listing.p99,
    max: listing.max,
    entries: listing.result,
  };
}

await emit({ ops: 0, start, end: now(), ...report });
