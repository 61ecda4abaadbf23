// The BullMQ peer (a job queue on Redis), speaking the bench's worker
// handshake. Durability is the server's: the bench starts redis-server with
// `appendonly yes` and `appendfsync always` (strict: the AOF is flushed
// before replies go out) or `everysec` (relaxed). Jobs are removed once
// completed, as multispool removes handled entries.
//
// Usage: node bullmq.cjs JSON, JSON = { mode, port, queue, ... } (the modes
// are _protocol.cjs's).
"use strict";

const { Queue, Worker } = require("bullmq");
const { message, now, options, run } = require("./_protocol.cjs");

const o = options();
const connection = {
  host: "127.0.0.1",
  port: o.port,
  maxRetriesPerRequest: null,
};
const jobOptions = { removeOnComplete: true, removeOnFail: true };

async function openQueue() {
  const queue = new Queue(o.queue, { connection });
  await queue.waitUntilReady();
  return queue;
}

run({
  async producer() {
    const queue = await openQueue();
    return {
      add: (seq, t0) => queue.add("job", message(seq, t0, 1024), jobOptions),
      addMany: (seq, n) =>
        queue.addBulk(
          Array.from({ length: n }, (_, i) => ({
            name: "job",
            data: message(seq + i, now(), 1024),
            opts: jobOptions,
          })),
        ),
      close: () => queue.close(),
    };
  },
  fillBatch: 500,
  async consumer(received, completed) {
    const queue = await openQueue();
    const worker = new Worker(o.queue, (job) => {
      received(() => job.data);
      return Promise.resolve();
    }, {
      connection,
      concurrency: o.handlers ?? 1,
      autorun: false,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    // Counted once completed (and removed) on the server.
    worker.on("completed", completed);
    return {
      prepare: () => worker.waitUntilReady(),
      start: () => void worker.run(),
      stop: async () => {
        await worker.close();
        await queue.close();
      },
    };
  },
});
