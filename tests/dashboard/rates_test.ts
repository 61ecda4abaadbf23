// The last hour: the server looks at every queue's names at an interval,
// counts the names that came in and went out between two looks, and the
// pages draw depth, in and out as small charts.

import assert from "node:assert/strict";
import { checkout } from "../../expert.ts";
import { lineChart } from "../../src/dashboard/chart.ts";
import {
  difference,
  nameHash,
  RateSampler,
  totals,
} from "../../src/dashboard/rates.ts";
import { SpoolView } from "../../src/dashboard/spool_view.ts";
import { rig } from "./_helpers.ts";

Deno.test("difference() counts what came in and went out of two sorted listings", () => {
  const of = (...values: number[]) => new Float64Array(values);
  assert.deepEqual(difference(of(), of()), { in: 0, out: 0 });
  assert.deepEqual(difference(of(1, 2, 3), of(2, 3, 4, 5)), { in: 2, out: 1 });
  assert.deepEqual(difference(of(1, 2), of()), { in: 0, out: 2 });
  assert.deepEqual(difference(of(), of(7)), { in: 1, out: 0 });
  // Two names with one hash count as two.
  assert.deepEqual(difference(of(3), of(3, 3)), { in: 1, out: 0 });
});

Deno.test("nameHash() is exact in a double and tells ULIDs apart", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) {
    const hash = nameHash(`01KBCQ8G3X${String(i).padStart(16, "0")}`);
    assert.ok(Number.isSafeInteger(hash) && hash >= 0);
    seen.add(hash);
  }
  assert.equal(seen.size, 100_000);
});

Deno.test("RateSampler: depth, in and out between two looks", async () => {
  await using r = await rig(["q", "other"]);
  const sampler = new RateSampler(new SpoolView(r.dir), 60_000);
  try {
    await r.spool.enqueue("q", "{}", new Uint8Array());
    const taken = await r.spool.enqueue("q", "{}", new Uint8Array());
    await sampler.look();
    assert.deepEqual(
      sampler.samples("q").map(({ depth, in: i, out }) => [depth, i, out]),
      [[2, 0, 0]],
    );
    for (let i = 0; i < 3; i++) {
      await r.spool.enqueue("q", "{}", new Uint8Array());
    }
    const job = await checkout(r.spool, taken);
    await sampler.look();
    const [, second] = sampler.samples("q");
    assert.deepEqual([second.depth, second.in, second.out], [4, 3, 1]);
    // Put back after a failure: it comes in again.
    await job.save("q", { failure: new Error("x") });
    await sampler.look();
    assert.deepEqual(
      sampler.samples("q").slice(-1).map((s) => [s.depth, s.in, s.out]),
      [[5, 1, 0]],
    );
    assert.deepEqual(totals(sampler.samples("q")).in, 4);
    assert.equal(sampler.samples("other").length, 3);
    assert.equal(sampler.looks, 3);
  } finally {
    await sampler.close();
  }
});

Deno.test("lineChart() draws the samples with attributes only, and says the range", () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const samples = [0, 1, 2].map((i) => ({
    at: now - (2 - i) * 60_000,
    depth: 10 * (i + 1),
    in: 6 * i,
    out: 0,
  }));
  const depth =
    lineChart("q", samples, "depth", { width: 100, height: 20 }, now)
      .text;
  assert.match(
    depth,
    /<polyline points="0\.0,13\.0 50\.0,7\.0 100\.0,1\.0" class="line">/,
  );
  assert.match(
    depth,
    /<title>entries waiting: 10 to 30, 2026-12-01T11:58:00Z to 2026-12-01T12:00:00Z; now 30<\/title>/,
  );
  assert.doesNotMatch(depth, /style=/);
  // In per minute: one value per pair of samples.
  const flow = lineChart("q", samples, "in", { width: 100, height: 20 }, now)
    .text;
  assert.match(flow, /in per minute: 6 to 12/);
  const empty = lineChart("q", [], "out", { width: 100, height: 20 }, now).text;
  assert.match(empty, /out per minute: no sample yet/);
  assert.doesNotMatch(empty, /polyline/);
});

Deno.test("dashboard rates: the pages draw the last hour, the API gives the samples", async () => {
  await using r = await rig(["q"], { sampleEveryMs: 5 });
  await r.spool.enqueue("q", "{}", new Uint8Array());
  // The dashboard looks at its start (which may come before the enqueue),
  // then at each interval: wait for two looks, the last one after the
  // enqueue (a bound, not a timing).
  let samples: { depth: number }[] = [];
  for (
    let i = 0;
    i < 2000 && (samples.length < 2 || samples.at(-1)?.depth !== 1);
    i++
  ) {
    const api = await (await r.fetch("/api/rates")).json();
    samples = api.queues[0].samples;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(samples.length >= 2);
  assert.equal(samples.at(-1)?.depth, 1);
  const overview = await r.page("/");
  assert.match(
    overview,
    /<svg class="chart chart-depth" data-chart="depth" data-queue="q"/,
  );
  assert.match(overview, /\d+ in · \d+ out/);
  const queue = await r.page("/queues/q");
  for (const measure of ["depth", "in", "out"]) {
    assert.match(queue, new RegExp(`<svg class="chart chart-${measure}"`));
  }
  assert.match(
    queue,
    /an entry that comes and goes between two looks is not seen/,
  );
});
