// The BullMQ peer (a job queue on Redis), speaking the bench's worker
// handshake. Durability is the server's: the bench starts redis-server with
// `appendonly yes` and `appendfsync always` (strict: the AOF is flushed
// before replies go out) or `everysec` (relaxed). Jobs are removed once
// completed, as multispool removes handled entries.
//
// Usage: node bullmq.cjs JSON, JSON = { mode, port, queue, ... }:
//   enqueue  { concurrency, batch }             go DURATION_MS
//   fill     { count }                          go
//   drain    { count, handlers }                go
//   produce  { count }                          go   (latency)
//   consume  { count }                          go   (latency)
//   count    { count }   N enqueues at once, no handshake (for strace)
"use strict";

const { Queue, Worker } = require("bullmq");
const { emit, message, now, options, ready, runFor, sleep } = require(
  "./_protocol.cjs",
);

async function main() {
  const o = options();
  const connection = {
    host: "127.0.0.1",
    port: o.port,
    maxRetriesPerRequest: null,
  };
  const jobOptions = { removeOnComplete: true, removeOnFail: true };
  const queue = new Queue(o.queue, { connection });
  await queue.waitUntilReady();
  const add = (seq) => queue.add("job", message(seq, now(), 1024), jobOptions);
  const addBulk = (seq, n) =>
    queue.addBulk(
      Array.from({ length: n }, (_, i) => ({
        name: "job",
        data: message(seq + i, now(), 1024),
        opts: jobOptions,
      })),
    );
  switch (o.mode) {
    case "enqueue": {
      const batch = o.batch ?? 0;
      const [duration] = await ready();
      const result = await runFor(
        Number(duration),
        o.concurrency ?? 1,
        batch > 0 ? batch : 1,
        (seq) => batch > 0 ? addBulk(seq, batch) : add(seq),
      );
      await queue.close();
      return await emit(result);
    }
    case "count": {
      for (let seq = 0; seq < o.count; seq++) await add(seq);
      return await queue.close();
    }
    case "fill": {
      await ready();
      const start = now();
      for (let seq = 0; seq < o.count; seq += 500) {
        await addBulk(seq, Math.min(500, o.count - seq));
      }
      const end = now();
      await queue.close();
      return await emit({ ops: o.count, start, end });
    }
    case "drain":
    case "consume": {
      const handled = [];
      let ops = 0;
      let end = 0;
      let finish;
      const finished = new Promise((resolve) => finish = resolve);
      const worker = new Worker(o.queue, (job) => {
        if (o.mode === "consume") {
          handled.push([JSON.parse(job.data).seq, now()]);
        }
        return Promise.resolve();
      }, {
        connection,
        concurrency: o.handlers ?? 1,
        autorun: false,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      // Counted once completed (and removed) on the server.
      worker.on("completed", () => {
        if (++ops === o.count) {
          end = now();
          finish();
        }
      });
      if (o.mode === "consume") {
        void worker.run();
        await worker.waitUntilReady();
        await sleep(100);
      } else {
        await worker.waitUntilReady();
      }
      await ready();
      const start = now();
      if (o.mode === "drain") void worker.run();
      await finished;
      await worker.close();
      await queue.close();
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
        await queue.add("job", message(seq, t0, 1024), jobOptions);
        sent.push([seq, t0, now()]);
        await sleep(2 + Math.random() * 4);
      }
      const end = now();
      await queue.close();
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
