/**
 * A consumer in a Deno `Worker` that may do nothing but read and write the
 * spool: the main program enqueues jobs, the worker moves each from
 * `incoming` to `done`, and the main program watches them arrive.
 *
 * ```sh
 * deno run --unstable-worker-options --allow-read --allow-write examples/scoped_worker.ts [SPOOL]
 * ```
 *
 * Worker permissions (`deno.permissions`) still need
 * `--unstable-worker-options`.
 *
 * @module
 */

import { Spool } from "../mod.ts";

const count = 100;
const given = Deno.args[0];
const dir = given ?? await Deno.makeTempDir({ prefix: "multispool-worker-" });
const spool = await Spool.create(dir, {
  queues: ["incoming", "done", "failed"],
});

const worker = new Worker(
  new URL("./scoped_worker_job.ts", import.meta.url),
  {
    type: "module",
    // Only the spool: no other files, no network, no environment, no
    // subprocesses, no FFI, no system information.
    deno: {
      permissions: {
        read: [dir],
        write: [dir],
        net: false,
        env: false,
        run: false,
        ffi: false,
        sys: false,
      },
    },
  } as WorkerOptions,
);
const messages: string[] = [];
const stopped = new Promise<void>((resolve) => {
  worker.onmessage = (event: MessageEvent<string>) => {
    messages.push(event.data);
    if (event.data === "stopped") resolve();
  };
});
worker.postMessage({ dir });

for (let i = 0; i < count; i++) {
  await spool.enqueue(
    "incoming",
    { job: i },
    new TextEncoder().encode(`#${i}`),
  );
}
console.log(`enqueued ${count} jobs into ${dir}/incoming`);

// Watch them arrive in `done`, moved there by the worker.
let arrived = 0;
await using done = spool.reader("done");
for await (const job of done) {
  await job.remove();
  if (++arrived === count) break;
}
console.log(`all ${arrived} jobs arrived in done`);

worker.postMessage("stop");
await stopped;
worker.terminate();
for (const message of messages) console.log(`worker: ${message}`);
if (given === undefined) await Deno.remove(dir, { recursive: true });
