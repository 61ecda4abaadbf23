// The monitor command's aggregation of alerts: events of one check grouped
// by kind and place, never merged across checks, and a group printed as
// soon as its check's events stop coming.

import assert from "node:assert/strict";
import type { MonitorEvent, Problem } from "../../monitor.ts";
import { alertJson, alertLine, groupAlerts } from "../../cli/alerts.ts";

const at1 = new Date("2026-01-01T00:30:00Z");
const at2 = new Date("2026-01-01T00:30:15Z");

function stale(name: string, minutesAgo: number): Problem {
  return {
    kind: "too-old",
    name,
    mtime: new Date(at1.getTime() - minutesAgo * 60_000),
    dirs: [{ queue: "active", checkout: true }],
  };
}

const stray: Problem = {
  kind: "orphaned",
  name: "stray\u001b[2J",
  mtime: new Date(at1.getTime() - 60_000),
  dirs: ["data"],
};

async function* events(
  batches: MonitorEvent[][],
  between: () => Promise<void>,
): AsyncGenerator<MonitorEvent> {
  for (const batch of batches) {
    yield* batch;
    await between();
  }
}

Deno.test("groupAlerts() groups one check's events by kind and place", async () => {
  const check1: MonitorEvent[] = [
    { kind: "start", at: at1, problem: stale("a", 14) },
    { kind: "start", at: at1, problem: stray },
    { kind: "start", at: at1, problem: stale("b", 12) },
    { kind: "start", at: at1, problem: stale("c", 11) },
  ];
  // The next check follows at once: its events are never merged in.
  const check2: MonitorEvent[] = [
    { kind: "end", at: at2, problem: stale("a", 14) },
    { kind: "start", at: at2, problem: stale("d", 20) },
  ];
  const groups = [];
  for await (
    const group of groupAlerts(
      events([check1, check2], () => Promise.resolve()),
    )
  ) groups.push(group);
  assert.deepEqual(
    groups.map((g) => `${g.event} ${g.problems.map((p) => p.name).join(",")}`),
    ["start a,b,c", "start stray\u001b[2J", "end a", "start d"],
  );
  assert.equal(
    alertLine(groups[0]),
    "2026-01-01T00:30:00.000Z start 3 too-old in active/.checkout (oldest modified 14m ago)",
  );
  assert.equal(
    alertLine(groups[1]),
    "2026-01-01T00:30:00.000Z start orphaned .data/stray\\x1b[2J (modified 1m ago)",
  );
  assert.deepEqual(alertJson(groups[0]), {
    event: "start",
    at: "2026-01-01T00:30:00.000Z",
    kind: "too-old",
    where: ["active/.checkout"],
    queue: "active",
    checkout: true,
    count: 3,
    oldestMtime: "2026-01-01T00:16:00.000Z",
    oldestAgeMs: 14 * 60_000,
    names: ["a", "b", "c"],
  });
});

Deno.test("groupAlerts() hands a group over when its check's events stop", async () => {
  // The watch waits for the next check (forever, here) after the first:
  // the first check's group must come out all the same.
  let release!: () => void;
  const waiting = new Promise<void>((resolve) => release = resolve);
  const iterator = groupAlerts(
    events([[
      { kind: "start", at: at1, problem: stale("a", 14) },
      { kind: "start", at: at1, problem: stale("b", 12) },
    ]], () => waiting),
  );
  const first = await iterator.next();
  assert.equal(first.done, false);
  assert.equal(first.value!.problems.length, 2);
  release();
  assert.equal((await iterator.next()).done, true);
});
