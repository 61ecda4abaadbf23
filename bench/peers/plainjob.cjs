// The plainjob peer (a job queue on SQLite through better-sqlite3), speaking
// the bench's worker handshake. plainjob opens its database in WAL mode with
// synchronous=NORMAL; this script then sets synchronous=FULL for strict
// (SQLite flushes the WAL at every commit) or leaves NORMAL for relaxed (no
// flush at commit, only at checkpoints). better-sqlite3 is synchronous, so
// "concurrent" producers in one process take turns.
//
// Usage: node plainjob.cjs JSON, JSON = { mode, path, durability, pollMs,
// ... } (the modes are _protocol.cjs's).
"use strict";

const Database = require("better-sqlite3");
const { message, now, options, run } = require("./_protocol.cjs");

const PLAINJOB = "plainjob";
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const o = options();

async function open() {
  const plainjob = await import(PLAINJOB);
  const db = new Database(o.path);
  // Two processes may open a new database at once (latency): wait for the
  // other's lock instead of failing (plainjob sets this only after WAL).
  db.pragma("busy_timeout = 5000");
  const queue = plainjob.defineQueue({
    connection: plainjob.better(db),
    logger: silent,
    maintenanceInterval: 3_600_000,
  });
  db.pragma(`synchronous = ${o.durability === "strict" ? "FULL" : "NORMAL"}`);
  return { plainjob, queue };
}

run({
  async producer() {
    const { queue } = await open();
    return {
      add: (seq, t0) => void queue.add("job", message(seq, t0, 1024)),
      addMany: (seq, n) =>
        void queue.addMany(
          "job",
          Array.from({ length: n }, (_, i) => message(seq + i, now(), 1024)),
        ),
      close: () => queue.close(),
    };
  },
  fillBatch: 1000,
  async consumer(received, completed) {
    const { plainjob, queue } = await open();
    const workers = Array.from(
      { length: o.handlers ?? 1 },
      () =>
        plainjob.defineWorker("job", (job) => {
          // plainjob stores JSON.stringify(data): the message, quoted.
          received(() => JSON.parse(job.data));
        }, {
          queue,
          logger: silent,
          pollIntervall: o.pollMs ?? 10,
          // Counted once marked done (the job's last commit).
          onCompleted: completed,
        }),
    );
    return {
      start: () => {
        for (const worker of workers) void worker.start();
      },
      stop: async () => {
        await Promise.all(workers.map((worker) => worker.stop()));
        queue.close();
      },
    };
  },
});
