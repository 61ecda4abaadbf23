// An entry's history: failures, a retry with a fresh start, quarantine and
// hold marks, as written to and read from the registry file.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import {
  encodeHistory,
  type EntryHistory,
  parseHistory,
  withFreshStart,
} from "../../src/history.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

Deno.test("history: every field survives a write and a read", () => {
  const history: EntryHistory = {
    attempts: 1,
    failures: [
      {
        at: new Date("2026-12-01T00:00:00Z"),
        queue: "jobs",
        kind: "error",
        message: "Error: before",
        beforeRetry: true,
      },
      {
        at: new Date("2026-12-01T01:00:00Z"),
        queue: "jobs",
        kind: "damaged",
        message: "after",
      },
    ],
    lastRetry: {
      at: new Date("2026-12-01T00:30:00Z"),
      from: "dead",
      attempts: 3,
    },
    quarantine: {
      at: new Date("2026-12-01T01:00:00Z"),
      queue: "dead",
      reason: "payload missing",
    },
    hold: { at: new Date("2026-12-01T02:00:00Z"), from: "jobs" },
  };
  assert.deepEqual(parseHistory(encodeHistory(history), "r"), history);
});

Deno.test("history: a history written before the new fields still reads", () => {
  const old =
    '{"attempts":2,"failures":[{"at":"2026-12-01T00:00:00.000Z","queue":"q","kind":"error","message":"x"}]}\n';
  assert.deepEqual(parseHistory(old, "r"), {
    attempts: 2,
    failures: [{
      at: new Date("2026-12-01T00:00:00Z"),
      queue: "q",
      kind: "error",
      message: "x",
    }],
  });
  assert.throws(
    () => parseHistory('{"attempts":0,"failures":[],"hold":3}', "r"),
    /hold is not an object/,
  );
});

Deno.test("history: a fresh start keeps the failures, marked, and drops quarantine and hold", () => {
  const before: EntryHistory = {
    attempts: 3,
    failures: [{ at: new Date(0), queue: "jobs", kind: "error", message: "e" }],
    quarantine: { at: new Date(0), queue: "dead", reason: "r" },
    hold: { at: new Date(0), from: "jobs" },
  };
  const at = new Date("2026-12-06T00:00:00Z");
  assert.deepEqual(withFreshStart(before, "dead", at), {
    attempts: 0,
    failures: [{
      at: new Date(0),
      queue: "jobs",
      kind: "error",
      message: "e",
      beforeRetry: true,
    }],
    lastRetry: { at, from: "dead", attempts: 3 },
  });
});

Deno.test("save({ freshStart }) retries a dead letter: attempts back to 0, due now, failures kept", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, {
    queues: ["jobs", "dead"],
    metadata: jsonMetadata<{ n: number }>(),
  });
  const entry = await spool.enqueue("jobs", { n: 1 }, new Uint8Array());
  await using reader = spool.reader("jobs", {
    retry: { maxAttempts: 2, deadLetter: "dead", backoff: [0] },
  });
  for (let i = 0; i < 2; i++) {
    await reader.iterAvailable(() => {
      throw new Error(`try ${i}`);
    });
  }
  const dead = spool.entry("dead", entry.name);
  assert.equal((await dead.direct.readHistory()).attempts, 2);
  const job = await checkout(spool, dead);
  await job.save("jobs", { freshStart: true });
  const history = await spool.entry("jobs", entry.name).direct.readHistory();
  assert.equal(history.attempts, 0);
  assert.equal(history.lastRetry?.from, "dead");
  assert.equal(history.lastRetry?.attempts, 2);
  assert.deepEqual(
    history.failures.map((f) => [f.message, f.beforeRetry]),
    [["Error: try 0", true], ["Error: try 1", true]],
  );
  // The policy counts from 0 again: the handler is called.
  let called = 0;
  await reader.iterAvailable(() => {
    called++;
    return { action: "remove" };
  });
  assert.equal(called, 1);
});
