// The health panel: the monitor's problems, quarantined entries counted
// apart, the repair it would do (a dry run), and the repair itself, from a
// confirmation, when actions are allowed.

import assert from "node:assert/strict";
import {
  failed,
  hiddenFields,
  postFields,
  quarantine,
  type Rig,
  rig,
} from "./_helpers.ts";

const STALE = "01KBSTALE00000000000000000";

/** A file in .tmp/ an hour old: abandoned by a crashed operation. */
async function staleTmp(r: Rig): Promise<void> {
  const path = `${r.dir}/.tmp/${STALE}`;
  await Deno.writeTextFile(path, "{}");
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(path, hourAgo, hourAgo);
}

Deno.test("dashboard health: the panel shows the problems and the repair plan", async () => {
  await using r = await rig(["q"]);
  await staleTmp(r);
  const overview = await r.page("/");
  assert.match(overview, /<section class="health" data-state="problems"/);
  assert.match(
    overview,
    /<b data-health="problems">1 problem: 1 too-old in \.tmp<\/b>/,
  );
  assert.match(overview, /Repair would make 1 change\./);
  // Read-only: no repair offered.
  assert.doesNotMatch(overview, /Repair…/);

  const page = await r.page("/health");
  assert.match(page, new RegExp(`\\.tmp/${STALE}`));
  assert.match(page, /<td>delete-tmp<\/td>/);
  assert.match(
    page,
    /Read-only: start the dashboard with --allow-actions to repair/,
  );

  const api = await (await r.fetch("/api/health")).json();
  assert.deepEqual(
    api.problems.map((p: { kind: string }) => p.kind).sort(),
    ["too-old"],
  );
  assert.equal(api.plan.dryRun, true);
  assert.deepEqual(
    api.plan.actions.map((a: { kind: string }) => a.kind),
    ["delete-tmp"],
  );
  // Nothing was repaired by looking.
  await Deno.stat(`${r.dir}/.tmp/${STALE}`);
});

Deno.test("dashboard health: a quarantined entry is counted apart, not as a problem", async () => {
  await using r = await rig(["jobs", "dead"], {
    monitor: { limits: { workInProgressMs: 0 } },
  });
  const name = await failed(r, "dead", "{}", "boom");
  await quarantine(r, "dead", name);
  const overview = await r.page("/");
  assert.match(overview, /<section class="health" data-state="ok"/);
  assert.match(overview, /<b data-health="problems">No problems<\/b>/);
  assert.match(
    overview,
    /<b data-health="quarantined">1<\/b> quarantined \(<a href="\/queues\/dead">dead<\/a>: 1\)/,
  );
  assert.match(overview, /data-queue="dead" data-field="quarantined">1</);
  assert.match(overview, /data-queue="dead" data-field="ready">0</);
  const page = await r.page("/health");
  assert.match(page, new RegExp(`${name}</a></td><td>dead</td>`));
  assert.match(page, /the entry&#39;s payload is missing/);
  const queue = await r.page("/queues/dead");
  assert.match(
    queue,
    /<span class="tag tag-quarantine"[^>]*>quarantined<\/span>/,
  );
});

Deno.test("dashboard health: repair from the panel, after a confirmation that lists it", async () => {
  await using r = await rig(["q"], { allowActions: true });
  await staleTmp(r);
  const overview = await r.page("/");
  assert.match(
    overview,
    /<a class="button" href="\/health\/repair">Repair…<\/a>/,
  );
  const confirm = await r.page("/health/repair");
  assert.match(confirm, /It would make these <b data-count="">1<\/b> change/);
  assert.match(
    confirm,
    new RegExp(
      `<td>delete-tmp</td><td><span class="name">\\.tmp/${STALE}</span>`,
    ),
  );
  await Deno.stat(`${r.dir}/.tmp/${STALE}`);

  const fields = hiddenFields(confirm, "/health/repair");
  const { csrf: _, ...noSecret } = fields;
  const forged = await postFields(r, "/health/repair", noSecret);
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  await Deno.stat(`${r.dir}/.tmp/${STALE}`);

  const response = await postFields(r, "/health/repair", fields);
  const report = await response.text();
  assert.equal(response.status, 200, report);
  assert.match(report, /Repair done: <b data-count="">1<\/b> change made\./);
  assert.match(report, /Now: <b>No problems<\/b>/);
  await assert.rejects(
    Deno.stat(`${r.dir}/.tmp/${STALE}`),
    Deno.errors.NotFound,
  );
  assert.match(await r.page("/"), /<section class="health" data-state="ok"/);
});

Deno.test("dashboard health: a read-only dashboard refuses the repair", async () => {
  await using r = await rig(["q"]);
  await staleTmp(r);
  const confirm = await r.fetch("/health/repair");
  assert.equal(confirm.status, 403);
  await confirm.body?.cancel();
  const post = await postFields(r, "/health/repair", { csrf: ["x"] });
  assert.equal(post.status, 403);
  assert.match(await post.text(), /read-only/);
  await Deno.stat(`${r.dir}/.tmp/${STALE}`);
});
