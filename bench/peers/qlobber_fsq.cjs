// The qlobber-fsq peer (a file-system queue for Node), speaking the bench's
// worker handshake. Work-queue messages (`single: true`, locked with flock
// through fs-ext, deleted once handled). It has no flush option: a message
// is written to `staging/` and renamed into a bucket of `messages/`, never
// flushed, so it is a peer of relaxed durability only.
//
// Usage: node qlobber_fsq.cjs JSON, JSON = { mode, dir, ... } (the modes
// are _protocol.cjs's; no batches).
"use strict";

const { QlobberFSQ } = require("qlobber-fsq");
const { message, options, run } = require("./_protocol.cjs");

const o = options();

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function fail(error) {
  console.error(error);
  process.exit(1);
}

run({
  /** A queue object that only publishes: it stops scanning first. */
  async producer() {
    const fsq = new QlobberFSQ({ fsq_dir: o.dir });
    fsq.on("error", fail);
    await once(fsq, "start");
    const stopped = once(fsq, "stop");
    fsq.stop_watching();
    await stopped;
    return {
      add: (seq, t0) =>
        new Promise((resolve, reject) =>
          fsq.publish(
            "job",
            message(seq, t0, 1024),
            { single: true },
            (error) => error ? reject(error) : resolve(),
          )
        ),
      close: () => {},
    };
  },
  consumer(received, completed) {
    const consume = o.mode === "consume";
    const handler = (data, _info, done) => {
      received(() => data.toString());
      done(null, (error) => {
        if (error) fail(error);
        completed();
      });
    };
    let fsq;
    return Promise.resolve({
      // Each bucket is a directory scanned in turn; `bucket_concurrency`
      // scans that many at once (256 buckets by default). The latency run's
      // consumer waits for what arrives; a drain takes what is there.
      start: async () => {
        fsq = new QlobberFSQ({
          fsq_dir: o.dir,
          bucket_concurrency: o.handlers ?? 1,
          poll_interval: consume ? 1000 : 50,
        });
        if (consume) {
          fsq.subscribe("job", handler);
          await once(fsq, "start");
        } else {
          fsq.subscribe("job", handler, { subscribe_to_existing: true });
        }
      },
      stop: async () => {
        const stopped = once(fsq, "stop");
        fsq.stop_watching();
        await stopped;
      },
    });
  },
});
