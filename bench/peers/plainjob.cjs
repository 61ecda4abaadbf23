// The plainjob peer (a job queue on SQLite through better-sqlite3), speaking
// the bench's worker handshake. plainjob opens its database in WAL mode with
// synchronous=NORMAL; this script then sets synchronous=FULL for strict
// (SQLite flushes the WAL at every commit) or leaves NORMAL for relaxed (no
// flush at commit, only at checkpoints). better-sqlite3 is synchronous, so
// "concurrent" producers in one process take turns.
//
// Usage: node plainjob.cjs JSON, JSON = { mode, path, durability, ... }:
//   enqueue  { concurrency, batch }             go DURATION_MS
//   fill     { count }                          go
//   drain    { count, handlers }                go
//   produce  { count }                          go   (latency)
//   consume  { count, pollMs }                  go   (latency)
//   count    { count }   N enqueues at once, no handshake (for strace)
"use strict";

const Database = require("better-sqlite3");
const { emit, message, now, options, ready, runFor, sleep } = require(
  "./_protocol.cjs",
);

const PLAINJOB = "plainjob";
const silent = { error() {}, warn() {}, info() {}, debug() {} };

async function main() {
  const o = options();
  const { better, defineQueue, defineWorker } = await import(PLAINJOB);
  const db = new Database(o.path);
  // Two processes may open a new database at once (latency): wait for the
  // other's lock instead of failing (plainjob sets this only after WAL).
  db.pragma("busy_timeout = 5000");
  const queue = defineQueue({
    connection: better(db),
    logger: silent,
    maintenanceInterval: 3_600_000,
  });
  db.pragma(`synchronous = ${o.durability === "strict" ? "FULL" : "NORMAL"}`);
  const add = (seq) => queue.add("job", message(seq, now(), 1024));
  const addMany = (seq, n) =>
    queue.addMany(
      "job",
      Array.from({ length: n }, (_, i) => message(seq + i, now(), 1024)),
    );
  switch (o.mode) {
    case "enqueue": {
      const batch = o.batch ?? 0;
      const [duration] = await ready();
      const result = await runFor(
        Number(duration),
        o.concurrency ?? 1,
        batch > 0 ? batch : 1,
        // A turn of the event loop between calls, as concurrent callers get.
        async (seq) => {
          if (batch > 0) addMany(seq, batch);
          else add(seq);
          await null;
        },
      );
      queue.close();
      return await emit(result);
    }
    case "count": {
      for (let seq = 0; seq < o.count; seq++) add(seq);
      return queue.close();
    }
    case "fill": {
      await ready();
      const start = now();
      for (let seq = 0; seq < o.count; seq += 1000) {
        addMany(seq, Math.min(1000, o.count - seq));
      }
      const end = now();
      queue.close();
      return await emit({ ops: o.count, start, end });
    }
    case "drain":
    case "consume": {
      const handled = [];
      let ops = 0;
      let end = 0;
      let finish;
      const finished = new Promise((resolve) => finish = resolve);
      const workers = Array.from(
        { length: o.handlers ?? 1 },
        () =>
          defineWorker("job", (job) => {
            if (o.mode === "consume") {
              // plainjob stores JSON.stringify(data): the message, quoted.
              handled.push([JSON.parse(JSON.parse(job.data)).seq, now()]);
            }
          }, {
            queue,
            logger: silent,
            pollIntervall: o.pollMs ?? 10,
            // Counted once marked done (the job's last commit).
            onCompleted: () => {
              if (++ops === o.count) {
                end = now();
                finish();
              }
            },
          }),
      );
      if (o.mode === "consume") {
        for (const worker of workers) void worker.start();
        await sleep(100);
      }
      await ready();
      const start = now();
      if (o.mode === "drain") {
        for (const worker of workers) void worker.start();
      }
      await finished;
      await Promise.all(workers.map((worker) => worker.stop()));
      queue.close();
      return await emit({
        ops,
        start,
        end,
        ...(o.mode === "consume" ? { handled } : {}),
      });
    }
    case "produce": {
      const sent = [];
      await ready();
      const start = now();
      for (let seq = 0; seq < o.count; seq++) {
        const t0 = now();
        queue.add("job", message(seq, t0, 1024));
        sent.push([seq, t0, now()]);
        await sleep(2 + Math.random() * 4);
      }
      const end = now();
      queue.close();
      return await emit({ ops: sent.length, start, end, sent });
    }
    default:
      throw new Error(`unknown mode ${o.mode}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
