// A big spool takes seconds to measure and to check: pages wait half a
// second at most for the first measurement or check, then show without it
// (the overview's numbers as "…", filled in by the live updates; the
// health page reloading itself until the check has ended).

import assert from "node:assert/strict";
import { Paths } from "../../src/dashboard/paths.ts";
import { overviewPage } from "../../src/dashboard/page_overview.ts";
import { healthPendingPage } from "../../src/dashboard/page_health.ts";

const frame = { paths: new Paths(""), dir: "/spool", allowActions: false };

Deno.test("overviewPage() without a measurement yet: every queue, its numbers to come", () => {
  const page = overviewPage(frame, undefined, {
    queues: ["dead", "jobs"],
    health: undefined,
    samples: () => [],
  }).text;
  assert.match(page, /<table class="queues" data-queues="dead\/jobs">/);
  assert.match(page, /data-queue="jobs" data-field="ready">…</);
  assert.match(page, /<b data-total="entries">…<\/b> entries in all/);
  assert.match(
    page,
    /Measured <time id="measured-at">not yet \(measuring the spool…\)<\/time>/,
  );
  assert.match(page, /<b data-health="problems">Checking the spool…<\/b>/);
  assert.match(page, /data-events="\/events"/);
});

Deno.test("healthPendingPage() says the check runs, and reloads without a script", () => {
  const page = healthPendingPage(frame).text;
  assert.match(page, /<meta http-equiv="refresh" content="2">/);
  assert.match(page, /Checking the spool…/);
});
