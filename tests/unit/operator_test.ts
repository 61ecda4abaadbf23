// The operator layer under the CLI and the dashboard: finding entries by
// name, listing and paging with filters, and acting on entries (move,
// hold, release, retry, remove, due) through the protocol.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { OperatorSpool } from "../../operator.ts";
import { encodeHistory, parseHistory } from "../../src/history.ts";
import { age } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

type Q = "jobs" | "dead" | "held";
const none = new Uint8Array();

async function spoolWithFailures(dir: string) {
  const spool = await Spool.create(dir, {
    queues: ["jobs", "dead", "held"] as Q[],
    metadata: jsonMetadata<{ to: string }>(),
  });
  const entries = [];
  for (const to of ["a@x.org", "b@y.org", "c@x.org"]) {
    entries.push(await spool.enqueue("jobs", { to }, none));
  }
  await using reader = spool.reader("jobs", {
    retry: { maxAttempts: 1, deadLetter: "dead" },
  });
  await reader.iterAvailable((meta) => {
    if (meta.to === "c@x.org") return { action: "save", queue: "jobs" };
    throw new Error(meta.to === "a@x.org" ? "421 timeout" : "550 no user");
  });
  return { spool, entries };
}

Deno.test("operator: find an entry by its name alone, with its last error", async () => {
  await using dir = await tempDir();
  const { entries } = await spoolWithFailures(dir.path);
  const operator = await OperatorSpool.open(dir.path);
  const found = await operator.find(entries[0].name);
  assert.equal(found?.queue, "dead");
  assert.equal(found?.state, "waiting");
  assert.equal(found?.attempts, 1);
  assert.equal(found?.lastError?.kind, "error");
  assert.equal(found?.lastError?.message, "Error: 421 timeout");
  assert.equal(found?.lastError?.queue, "jobs");
  assert.equal(await operator.find("01NOSUCHNAME0000000000000X"), undefined);
  // Checked out: found there too.
  const spool = await Spool.load(dir.path, { queues: ["jobs", "dead"] });
  const job = await checkout(spool, spool.entry("jobs", entries[2].name));
  const held = await operator.find(entries[2].name);
  assert.equal(held?.state, "checked out");
  assert.equal(held?.due, null);
  await job.remove();
});

Deno.test("operator: filters by error text, metadata field and name; pages with and without reads", async () => {
  await using dir = await tempDir();
  const { entries } = await spoolWithFailures(dir.path);
  const operator = await OperatorSpool.open(dir.path);
  const names = async (queue: string, filter = {}) =>
    (await Array.fromAsync(operator.entries(queue, { filter }))).map((e) =>
      e.name
    );
  assert.deepEqual(await names("dead", { error: "TIMEOUT" }), [
    entries[0].name,
  ]);
  assert.deepEqual(await names("dead", { error: "error" }), [
    entries[0].name,
    entries[1].name,
  ]);
  assert.deepEqual(
    await names("dead", {
      where: [{ path: ["to"], equal: true, value: "b@y.org" }],
    }),
    [entries[1].name],
  );
  assert.deepEqual(await names("jobs", { error: "x" }), []);

  // A page with a filter that reads entries: no total, cursors still work.
  const page = await operator.page("dead", { filter: { error: "5" } }, 1);
  assert.equal(page.total, null);
  assert.deepEqual(page.entries.map((e) => e.name), [entries[1].name]);
  // Name filters alone: exact totals and positions.
  const all = await operator.page("dead", { position: 1 }, 1);
  assert.deepEqual([all.total, all.start, all.names], [2, 1, 2]);
  assert.deepEqual(all.entries.map((e) => e.name), [entries[1].name]);
  const from = await operator.page("dead", { from: entries[1].name }, 5);
  assert.deepEqual(from.entries.map((e) => e.name), [entries[1].name]);
});

Deno.test("operator: retry gives a dead letter a fresh start, back where it failed", async () => {
  await using dir = await tempDir();
  const { spool, entries } = await spoolWithFailures(dir.path);
  const operator = await OperatorSpool.open(dir.path);
  const plan = await operator.actIn("dead", { filter: {} }, { kind: "retry" }, {
    dryRun: true,
  });
  assert.deepEqual(plan.done.map((d) => [d.from, d.to]), [
    ["dead", "jobs"],
    ["dead", "jobs"],
  ]);
  assert.equal((await spool.list("dead")).length, 2, "a dry run moves nothing");
  const report = await operator.actIn(
    "dead",
    { filter: { error: "timeout" } },
    { kind: "retry" },
  );
  assert.deepEqual(report.done.map((d) => d.name), [entries[0].name]);
  const retried = await operator.details(entries[0].name);
  assert.equal(retried?.queue, "jobs");
  assert.equal(retried?.attempts, 0);
  assert.equal(retried?.due, null);
  assert.ok(!("error" in retried!.history));
  const history = retried!.history as Exclude<
    typeof retried.history,
    { error: string }
  >;
  assert.equal(history.lastRetry?.from, "dead");
  assert.equal(history.lastRetry?.attempts, 1);
  assert.equal(history.failures[0].beforeRetry, true);
  // A reader with the same policy hands it out again, not to dead.
  await using reader = spool.reader("jobs", {
    retry: { maxAttempts: 1, deadLetter: "dead" },
  });
  let handled = 0;
  await reader.iterAvailable(() => {
    handled++;
    return { action: "remove" };
  });
  assert.equal(handled, 2, "the retried entry and the one left in jobs");
});

Deno.test("operator: retry without a failure recorded, or to a queue not there, is refused", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["jobs", "dead"] });
  const entry = await spool.enqueue("dead", {}, none);
  const operator = await OperatorSpool.open(dir.path);
  const refused = await operator.act({ names: [entry.name] }, {
    kind: "retry",
  });
  assert.equal(refused.done.length, 0);
  assert.match(refused.refused[0].reason, /no failure recorded/);
  const elsewhere = await operator.act({ names: [entry.name] }, {
    kind: "retry",
    to: "nope",
  });
  assert.match(elsewhere.refused[0].reason, /there is no queue "nope"/);
  const given = await operator.act({ names: [entry.name] }, {
    kind: "retry",
    to: "jobs",
  });
  assert.deepEqual(given.done.map((d) => d.to), ["jobs"]);
});

Deno.test("operator: hold remembers the origin and release goes back to it, keeping due times", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, {
    queues: ["a", "b", "held"],
  });
  const fromA = await spool.enqueue("a", {}, none, { delay: 3_600_000 });
  const fromB = await spool.enqueue("b", {}, none);
  const operator = await OperatorSpool.open(dir.path);
  const held = await operator.act({ names: [fromA.name, fromB.name] }, {
    kind: "hold",
    to: "held",
  });
  assert.equal(held.done.length, 2);
  assert.equal((await operator.find(fromA.name))?.heldFrom, "a");
  assert.ok((await operator.find(fromA.name))?.due, "still delayed");
  const released = await operator.actIn("held", { filter: {} }, {
    kind: "release",
  });
  assert.deepEqual(
    released.done.map((d) => [d.name, d.to]).sort(),
    [[fromA.name, "a"], [fromB.name, "b"]].sort(),
  );
  const back = await operator.find(fromA.name);
  assert.equal(back?.heldFrom, null);
  assert.ok(back?.due !== null, "its due time kept");
  // Moved to the held queue by mv, not hold: no origin to go back to.
  await operator.act({ names: [fromB.name] }, { kind: "move", to: "held" });
  const orphan = await operator.act({ names: [fromB.name] }, {
    kind: "release",
  });
  assert.match(orphan.refused[0].reason, /not held by a tool that remembers/);
});

Deno.test("operator: a checked-out entry is left alone, or taken past the limit when forced", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["a", "b"] });
  const entry = await spool.enqueue("a", {}, none);
  const job = await checkout(spool, entry);
  const operator = await OperatorSpool.open(dir.path);
  const left = await operator.act({ names: [entry.name] }, {
    kind: "move",
    to: "b",
  });
  assert.equal(left.checkedOut[0].taken, false);
  assert.match(left.checkedOut[0].reason!, /left alone/);
  const young = await operator.act({ names: [entry.name] }, {
    kind: "move",
    to: "b",
  }, { forceOlderThanMs: 60_000 });
  assert.match(young.checkedOut[0].reason!, /refused even with force/);
  age(`${dir.path}/a/.checkout/${entry.name}`, 120_000);
  const taken = await operator.act({ names: [entry.name] }, {
    kind: "move",
    to: "b",
  }, { forceOlderThanMs: 60_000 });
  assert.equal(taken.checkedOut[0].taken, true);
  assert.ok(taken.done[0].forcedFromCheckoutMs! >= 120_000);
  assert.deepEqual((await spool.list("b")).map((e) => e.name), [entry.name]);
  await assert.rejects(job.remove(), "its consumer lost it");
  assert.deepEqual(await operator.checkouts("a"), []);
});

Deno.test("operator: a quarantined entry is counted apart where it was moved, and no longer once its payload is back", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["jobs", "dead"] });
  const entry = await spool.enqueue("jobs", {}, new TextEncoder().encode("x"));
  const payload = `${dir.path}/.data/${entry.name}`;
  const operator = await OperatorSpool.open(dir.path);
  await operator.act({ names: [entry.name] }, { kind: "move", to: "dead" });
  // What repair's damagedTo writes: the damage and the quarantine mark.
  const registry = `${dir.path}/.registry/${entry.name}`;
  const history = parseHistory(Deno.readTextFileSync(registry), registry);
  Deno.writeTextFileSync(
    registry,
    encodeHistory({
      ...history,
      quarantine: {
        at: new Date(),
        queue: "dead",
        reason: "the entry's payload is missing",
      },
    }),
  );
  Deno.renameSync(payload, `${payload}.aside`);
  const [dead] = await operator.shapes({ queues: ["dead"] });
  assert.deepEqual([dead.queue, dead.quarantined, dead.ready], [
    "dead",
    1,
    0,
  ]);
  assert.equal((await operator.find(entry.name))?.quarantine?.queue, "dead");
  Deno.renameSync(`${payload}.aside`, payload);
  const [fixed] = await operator.shapes({ queues: ["dead"] });
  assert.deepEqual([fixed.quarantined, fixed.ready], [0, 1]);
  assert.equal((await operator.find(entry.name))?.quarantine, null);
});

Deno.test("operator: listing a long queue shares the event loop", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["q"] }, {
    durability: "relaxed",
  });
  for (let i = 0; i < 20; i++) {
    await spool.enqueueMany(
      "q",
      Array.from({ length: 500 }, () => ({ metadata: {}, data: none })),
    );
  }
  const operator = await OperatorSpool.open(dir.path);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    let listed = 0;
    for await (const _ of operator.entries("q")) listed++;
    assert.equal(listed, 10_000);
    const [shape] = await operator.shapes();
    assert.equal(shape.ready, 10_000);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, "a timer ran while 10,000 entries were read");
});

Deno.test("operator: a walk through a long queue, held a part at a time, gives each entry once in order, from a cursor too; arrivals wait", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, {
    queues: ["q"],
    metadata: jsonMetadata<number>(),
  }, { durability: "relaxed" });
  // Over the first part (1,024 names) and the second (4,096 more).
  const count = 5_500;
  for (let i = 0; i < count; i += 500) {
    await spool.enqueueMany(
      "q",
      Array.from({ length: 500 }, (_, k) => ({ metadata: i + k, data: none })),
    );
  }
  const operator = await OperatorSpool.open(dir.path);
  const walked: string[] = [];
  let arrived: string | undefined;
  for await (const entry of operator.entries("q")) {
    walked.push(entry.name);
    // Arrives after the walk began, named after every name of it.
    if (walked.length === 1) {
      arrived = (await spool.enqueue("q", -1, none)).name;
    }
  }
  const names = (await spool.list("q")).map((e) => e.name);
  assert.equal(names.length, count + 1);
  assert.deepEqual(walked, names.filter((name) => name !== arrived));
  const after = names[2_000];
  const rest: string[] = [];
  for await (const entry of operator.entries("q", { after })) {
    rest.push(entry.name);
  }
  assert.deepEqual(rest, names.slice(2_001));
  const prefixed: string[] = [];
  const prefix = names[4_321].slice(0, -1);
  for await (const entry of operator.entries("q", { filter: { prefix } })) {
    prefixed.push(entry.name);
  }
  assert.deepEqual(prefixed, names.filter((name) => name.startsWith(prefix)));
});
