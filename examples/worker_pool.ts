/**
 * A pool of Deno Workers sharing one queue: each Worker runs its own reader,
 * and the rename that checks an entry out decides which Worker gets it, so
 * no job is done twice. The main program enqueues jobs (hash a payload),
 * waits for all the results in `done`, and shows how the work was shared.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/worker_pool.ts [WORKERS] [JOBS]
 * ```
 *
 * @module
 */

import { jsonMetadata, Spool } from "../mod.ts";

const workers = Number(Deno.args[0] ?? 4);
const jobs = Number(Deno.args[1] ?? 200);
const dir = await Deno.makeTempDir({ prefix: "worker-pool-" });
const spool = await Spool.create(dir, {
  queues: ["jobs", "done", "failed"],
  metadata: jsonMetadata<{ job: number; sha256?: string; worker?: number }>(),
}, { durability: "relaxed" }); // a demo: speed over power-cut safety

const pool = Array.from({ length: workers }, (_, id) => {
  const worker = new Worker(
    new URL("./worker_pool_worker.ts", import.meta.url),
    { type: "module" },
  );
  const stopped = new Promise<void>((resolve) => {
    worker.onmessage = () => resolve();
  });
  worker.postMessage({ dir, id });
  return { worker, stopped };
});

for (let job = 0; job < jobs; job++) {
  const payload = new TextEncoder().encode(`payload #${job}`.repeat(100));
  await spool.enqueue("jobs", { job }, payload);
}
console.log(`enqueued ${jobs} jobs for ${workers} workers`);

const perWorker = new Map<number, number>();
const seen = new Set<number>();
await using done = spool.reader("done");
for await (const result of done) {
  const { job, worker } = result.metadata;
  if (seen.has(job)) throw new Error(`job ${job} was done twice`);
  seen.add(job);
  perWorker.set(worker!, (perWorker.get(worker!) ?? 0) + 1);
  await result.remove();
  if (seen.size === jobs) break;
}
for (const [id, count] of [...perWorker].sort(([a], [b]) => a - b)) {
  console.log(`worker ${id}: ${count} jobs`);
}
console.log(`all ${jobs} jobs done once each`);

for (const { worker } of pool) worker.postMessage("stop");
await Promise.all(pool.map((p) => p.stopped));
for (const { worker } of pool) worker.terminate();
await Deno.remove(dir, { recursive: true });
