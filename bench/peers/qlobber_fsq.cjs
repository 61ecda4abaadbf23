// The qlobber-fsq peer (a file-system queue for Node), speaking the bench's
// worker handshake. Work-queue messages (`single: true`, locked with flock
// through fs-ext, deleted once handled). It has no flush option: a message
// is written to `staging/` and renamed into a bucket of `messages/`, never
// flushed, so it is a peer of relaxed durability only.
//
// Usage: node qlobber_fsq.cjs JSON, JSON = { mode, dir, ... }:
//   enqueue  { concurrency }                    go DURATION_MS
//   fill     { count }                          go
//   drain    { count, handlers }                go
//   produce  { count }                          go   (latency)
//   consume  { count }                          go   (latency)
//   count    { count }   N enqueues at once, no handshake (for strace)
"use strict";

const { QlobberFSQ } = require("qlobber-fsq");
const { emit, message, now, options, ready, runFor, sleep } = require(
  "./_protocol.cjs",
);

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

/** A queue object that only publishes: it stops scanning first. */
async function publisher(dir) {
  const fsq = new QlobberFSQ({ fsq_dir: dir });
  fsq.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
  await once(fsq, "start");
  const stopped = once(fsq, "stop");
  fsq.stop_watching();
  await stopped;
  return fsq;
}

function publish(fsq, seq) {
  return new Promise((resolve, reject) =>
    fsq.publish(
      "job",
      message(seq, now(), 1024),
      { single: true },
      (error) => error ? reject(error) : resolve(),
    )
  );
}

async function main() {
  const o = options();
  switch (o.mode) {
    case "enqueue": {
      const fsq = await publisher(o.dir);
      const [duration] = await ready();
      return await emit(
        await runFor(
          Number(duration),
          o.concurrency ?? 1,
          1,
          (seq) => publish(fsq, seq),
        ),
      );
    }
    case "count": {
      const fsq = await publisher(o.dir);
      for (let seq = 0; seq < o.count; seq++) await publish(fsq, seq);
      return;
    }
    case "fill": {
      const fsq = await publisher(o.dir);
      await ready();
      const start = now();
      for (let seq = 0; seq < o.count; seq++) await publish(fsq, seq);
      return await emit({ ops: o.count, start, end: now() });
    }
    case "drain":
    case "consume": {
      const handled = [];
      let ops = 0;
      let end = 0;
      let finish;
      const finished = new Promise((resolve) => finish = resolve);
      const handlers = o.handlers ?? 1;
      // Each bucket is a directory scanned in turn; `bucket_concurrency`
      // scans that many at once (256 buckets by default).
      const make = () =>
        new QlobberFSQ({
          fsq_dir: o.dir,
          bucket_concurrency: handlers,
          poll_interval: o.mode === "consume" ? 1000 : 50,
        });
      const handler = (data, _info, done) => {
        if (o.mode === "consume") {
          handled.push([JSON.parse(data.toString()).seq, now()]);
        }
        done(null, (error) => {
          if (error) {
            console.error(error);
            process.exit(1);
          }
          if (++ops === o.count) {
            end = now();
            finish();
          }
        });
      };
      let fsq;
      if (o.mode === "consume") {
        fsq = make();
        fsq.subscribe("job", handler);
        await once(fsq, "start");
        await sleep(100);
        await ready();
      } else {
        await ready();
      }
      const start = now();
      if (o.mode === "drain") {
        fsq = make();
        fsq.subscribe("job", handler, { subscribe_to_existing: true });
      }
      await finished;
      const stopped = once(fsq, "stop");
      fsq.stop_watching();
      await stopped;
      return await emit({
        ops,
        start,
        end,
        ...(o.mode === "consume" ? { handled } : {}),
      });
    }
    case "produce": {
      const fsq = await publisher(o.dir);
      const sent = [];
      await ready();
      const start = now();
      for (let seq = 0; seq < o.count; seq++) {
        const t0 = now();
        await new Promise((resolve, reject) =>
          fsq.publish(
            "job",
            message(seq, t0, 1024),
            { single: true },
            (error) => error ? reject(error) : resolve(),
          )
        );
        sent.push([seq, t0, now()]);
        await sleep(2 + Math.random() * 4);
      }
      return await emit({ ops: sent.length, start, end: now(), sent });
    }
    default:
      throw new Error(`unknown mode ${o.mode}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
