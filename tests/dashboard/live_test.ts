// Live updates: a stream of Server-Sent Events, one `shapes` event per
// measurement of the spool, while someone listens.

import assert from "node:assert/strict";
import { rig } from "./_helpers.ts";

interface Shape {
  queue: string;
  ready: number;
  delayed: number;
  checkedOut: number;
  buckets: number[];
}

/** Reads `shapes` events from an event stream. */
function shapesFrom(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    /** The next snapshot's queues; undefined once the stream has ended. */
    async next(): Promise<Shape[] | undefined> {
      while (true) {
        const end = buffer.indexOf("\n\n");
        if (end !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = event.split("\n");
          if (lines.includes("event: shapes")) {
            const data = lines.find((l) => l.startsWith("data: "))!;
            return JSON.parse(data.slice(6)).queues;
          }
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

Deno.test("dashboard live: the event stream tells of an entry enqueued meanwhile", async () => {
  await using r = await rig(["in", "out"], { refreshMs: 5 });
  const response = await r.fetch("/events");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
  const events = shapesFrom(response.body!);
  const first = await events.next();
  assert.deepEqual(first?.map((s) => [s.queue, s.ready]), [["in", 0], [
    "out",
    0,
  ]]);

  await r.spool.enqueue("in", "{}", new Uint8Array());
  await r.spool.enqueue("in", "{}", new Uint8Array(), { delay: 3_600_000 });
  // Each measurement sends one event: read them until the change shows
  // (a bound, not a timing).
  let shapes: Shape[] | undefined = first;
  for (let i = 0; i < 1000 && shapes?.[0].delayed !== 1; i++) {
    shapes = await events.next();
  }
  assert.equal(shapes?.[0].ready, 1);
  assert.equal(shapes?.[0].delayed, 1);
  assert.deepEqual(shapes?.[0].buckets, [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  await events.cancel();
});

Deno.test("dashboard live: closing the dashboard ends its event streams", async () => {
  await using r = await rig(["q"], { refreshMs: 60_000 });
  const streams = await Promise.all([r.fetch("/events"), r.fetch("/events")]);
  const readers = streams.map((s) => shapesFrom(s.body!));
  for (const events of readers) assert.ok(await events.next());
  await r.dashboard.close();
  for (const events of readers) assert.equal(await events.next(), undefined);
  // A stream opened afterwards ends at once.
  const late = shapesFrom((await r.fetch("/events")).body!);
  assert.equal(await late.next(), undefined);
});

Deno.test("dashboard live: pages drawn meanwhile share the last measurement", async () => {
  await using r = await rig(["q"], { refreshMs: 60_000 });
  const a = await (await r.fetch("/api/queues")).json();
  await r.spool.enqueue("q", "{}", new Uint8Array());
  // Within the refresh interval: the same snapshot, not a new measurement.
  const b = await (await r.fetch("/api/queues")).json();
  assert.equal(b.at, a.at);
  assert.equal(b.queues[0].ready, 0);
});
