/**
 * A web server that enqueues and consumes in its own process: `POST /jobs`
 * enqueues a job (`?count=N` enqueues N copies of it, a burst, as an
 * import would), a reader in the same process handles the jobs, and
 * `GET /health` answers with what it has done. The library shares the
 * event loop while it works (it gives other tasks a turn every couple of
 * milliseconds), so the health check answers promptly even during a burst
 * of thousands of enqueues, and the reader handles jobs meanwhile.
 *
 * ```sh
 * deno run --allow-read=SPOOL --allow-write=SPOOL --allow-net=127.0.0.1 examples/server.ts SPOOL [PORT]
 * curl -X POST --data 'resize photo-1.jpg' http://127.0.0.1:8000/jobs
 * curl http://127.0.0.1:8000/health
 * ```
 *
 * @module
 */

import { abortOnSignals, Spool, textData } from "../mod.ts";

const [dir, portText = "8000"] = Deno.args;
if (dir === undefined) {
  console.error("usage: server.ts SPOOL [PORT]");
  Deno.exit(2);
}
const spool = await Spool.create(dir, {
  queues: ["jobs", "done", "failed"],
  data: textData,
}, {
  durability: "relaxed",
  // A disk that stalls now and then (a busy journal) holds the event loop
  // for as long as a call it holds: `quickCalls: "threadPool"` keeps the
  // loop free of them, for a third to a half of the throughput.
  quickCalls: "auto",
});

using stop = abortOnSignals(); // SIGINT or SIGTERM: finish, then stop
let handled = 0;
let enqueued = 0;
await using reader = spool.reader("jobs", {
  retry: { maxAttempts: 3, deadLetter: "failed" },
});
const consuming = reader.iter(async (_metadata, data) => {
  await data.load(); // the job's work goes here
  handled++;
  return { action: "remove" };
}, { signal: stop.signal, concurrency: 4 });

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(portText),
  signal: stop.signal,
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}/`),
}, async (request) => {
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/jobs") {
    const body = await request.text();
    const count = Math.max(1, Number(url.searchParams.get("count") ?? 1));
    let last = "";
    for (let i = 0; i < count; i++) {
      last = (await spool.enqueue("jobs", {}, body)).name;
      enqueued++;
    }
    return Response.json({ enqueued: count, last }, { status: 201 });
  }
  if (request.method === "GET" && url.pathname === "/health") {
    return Response.json({ ok: true, enqueued, handled });
  }
  return new Response("not found", { status: 404 });
});

await server.finished;
await consuming;
console.log(`stopped after handling ${handled} jobs`);
