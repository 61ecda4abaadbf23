// Delayed entries, retries and abandoned attempts across real processes:
// producers and consumers in separate processes, failures recorded on disk,
// a consumer killed in the middle of an attempt. (In one process:
// tests/unit/schedule_test.ts.) Times are compared as timestamps (handled
// at or after due, a due time between two recorded instants), never as
// durations; waits are on output lines and watch events, never on sleeps.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { listCheckoutsUnsafe } from "../../expert.ts";
import { Monitor } from "../../monitor.ts";
import {
  lines,
  type RunningChild,
  scopedTo,
  startDeno,
  untilOutput,
} from "../_helpers/children.ts";
import { age, summary } from "../_helpers/ages.ts";
import { watchUntil } from "../_helpers/fs_watch.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";
import {
  BACKOFF,
  MAX_ATTEMPTS,
  RETRY_DELAY,
} from "./fixtures/retrying_consumer.ts";

const FIXTURES = "tests/processes/fixtures";

/** Starts a fixture with read and write access to `dir` only. */
function fixture(
  dir: string,
  script: string,
  args: string[],
  options: { stdin?: boolean } = {},
): RunningChild {
  return startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    `${FIXTURES}/${script}`,
    dir,
    ...args,
  ], options);
}

Deno.test("schedule: thousands of delayed entries from several processes, each handled once and never before its due time", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
  const producers = 3;
  const perProducer = 1000;
  const spreadMs = 3000;
  const total = producers * perProducer;
  // The consumers wait first, several entries at a time each.
  const consumers = ["2", "4", "8"].map((concurrency) =>
    fixture(dir, "scheduled_consumer.ts", [concurrency])
  );
  await Promise.all(consumers.map((c) => c.line((l) => l === "ready")));
  // The producers start together (one of them strict) once all are ready.
  const producing = Array.from(
    { length: producers },
    (_, id) =>
      fixture(dir, "scheduled_producer.ts", [
        String(perProducer),
        `p${id}`,
        String(spreadMs),
        id === 0 ? "strict" : "relaxed",
      ], { stdin: true }),
  );
  await Promise.all(producing.map((p) => p.line((l) => l === "ready")));
  await Promise.all(producing.map((p) => p.send("go\n")));
  const acknowledged: string[] = [];
  for (const producer of producing) {
    const result = await producer.done();
    assert.equal(result.code, 0, result.stderr);
    const [ready, ...ids] = lines(result.stdout);
    assert.equal(ready, "ready");
    assert.equal(ids.length, perProducer);
    acknowledged.push(...ids);
  }
  // Each consumer prints one line per entry handled. If a reader slept
  // through a due time with no event to wake it, the count would stop short
  // and this wait would give up.
  const handledSoFar = () =>
    consumers.reduce((sum, c) => sum + c.lines().length - 1, 0);
  await untilOutput(
    consumers,
    () => handledSoFar() >= total,
    "every entry handled",
  );
  // SIGTERM: each consumer finishes the entries in hand and ends.
  const handled: { id: string; due: number; at: number }[] = [];
  for (const consumer of consumers) {
    const result = await consumer.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    const [ready, ...rest] = lines(result.stdout);
    assert.equal(ready, "ready");
    for (const line of rest) {
      const [id, due, at] = line.split(" ");
      handled.push({ id, due: Number(due), at: Number(at) });
    }
  }
  // Every entry exactly once.
  assert.equal(handled.length, total, "no entry handled twice");
  assert.deepEqual(
    new Set(handled.map((h) => h.id)),
    new Set(acknowledged),
  );
  // None before its due time (both read from the same host's clock). Half
  // the entries asked for `{ at }`: a due time dated even 1 ms early (as
  // when `at` was converted with two readings of the clock) shows here.
  const early = handled.filter((h) => h.at < h.due);
  assert.deepEqual(early, [], "entries handled before their due time");
  // Nothing left behind.
  assert.deepEqual(await spool.list("q"), []);
  assert.deepEqual(await listCheckoutsUnsafe(spool, "q"), []);
  assert.deepEqual(await (await Monitor.create(dir)).runOnce(), []);
  assert.deepEqual(tree(dir).filter((l) => !l.endsWith("/")), []);
});

/** What the retry test's entries are to go through. */
interface Plan {
  name: string;
  steps: string[];
}

/** An entry's expected state after `attempts` attempts (or as many as it has). */
function expected(plan: Plan, attempts: number): "q" | "done" | "dead" {
  const ok = plan.steps.indexOf("ok");
  if (ok >= 0 && attempts > ok) return "done";
  if (ok < 0 && attempts >= MAX_ATTEMPTS) return "dead";
  return "q";
}

Deno.test("schedule: a failing handler's attempts and backoff are recorded on disk; spent, the entry is dead-lettered", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["q", "done", "dead"],
    metadata: jsonMetadata<{ plan: string[] }>(),
  }, { durability: "relaxed" });
  const plans: Plan[] = [];
  for (
    const steps of [
      ["throw", "throw", "throw", "throw"], // every attempt fails
      ["throw", "throw", "ok"], // fails twice, then succeeds
      ["retry", "ok"], // asks for a retry, then succeeds
    ]
  ) {
    const entry = await spool.enqueue("q", { plan: steps }, new Uint8Array());
    plans.push({ name: entry.name, steps });
  }
  const [never, twice, retried] = plans;
  const consumer = fixture(dir, "retrying_consumer.ts", []);
  const path = (queue: string, name: string) => `${dir}/${queue}/${name}`;
  const exists = (file: string) => {
    try {
      Deno.lstatSync(file);
      return true;
    } catch {
      return false;
    }
  };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Wait until every entry has had this attempt (or is finished): back in
    // its queue with the failure counted, or moved on.
    const settled = async () => {
      for (const plan of plans) {
        const where = expected(plan, attempt);
        if (!exists(path(where, plan.name))) return false;
        if (where !== "q") continue;
        const history = await spool.entry("q", plan.name).direct.readHistory()
          .catch(() => undefined);
        if (history?.attempts !== attempt) return false;
      }
      return true;
    };
    await watchUntil(
      ["q", "done", "dead"].map((q) => `${dir}/${q}`),
      settled,
      `attempt ${attempt} of every entry`,
    );
    for (const plan of plans) {
      if (expected(plan, attempt) !== "q") continue;
      const entry = spool.entry("q", plan.name);
      const step = plan.steps[attempt - 1];
      const line = await consumer.line(
        (l) => l.startsWith(`${plan.name} ${attempt} `),
        `the consumer's line for attempt ${attempt}`,
      );
      const failedAt = Number(line.split(" ")[3]);
      const history = await entry.direct.readHistory();
      const failure = history.failures.at(-1)!;
      assert.equal(failure.kind, "error");
      assert.equal(failure.queue, "q");
      // The due time is the file's modification time: the wait the policy
      // asks for (the backoff for this attempt, or the retry's own delay),
      // counted from a moment between the handler's failure and the
      // recording of that failure.
      const wait = step === "retry" ? RETRY_DELAY : BACKOFF[attempt - 1];
      const due = Deno.statSync(path("q", plan.name)).mtime!.getTime();
      assert.ok(
        failedAt + wait <= due && due <= failure.at.getTime() + wait,
        `attempt ${attempt} of ${plan.steps}: due ${due}, failed at ${failedAt}, recorded at ${failure.at.getTime()}, wait ${wait}`,
      );
      assert.ok((await entry.direct.readDue())! > new Date());
      // Postfix's `postqueue -i`: try it now rather than in an hour. The
      // waiting consumer hears of it by a watch event.
      assert.ok((await entry.direct.makeDue()) !== undefined);
    }
  }
  const result = await consumer.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  const attempts = (name: string) =>
    lines(result.stdout).filter((l) => l.startsWith(`${name} `))
      .map((l) => l.split(" ").slice(1, 3).join(" "));
  assert.deepEqual(attempts(never.name), [
    "1 throw",
    "2 throw",
    "3 throw",
    "4 throw",
  ]);
  assert.deepEqual(attempts(twice.name), ["1 throw", "2 throw", "3 ok"]);
  assert.deepEqual(attempts(retried.name), ["1 retry", "2 ok"]);
  // Spent: in the dead letters with every failure and its error.
  assert.deepEqual((await spool.list("dead")).map((e) => e.name), [
    never.name,
  ]);
  const dead = await spool.entry("dead", never.name).direct.readHistory();
  assert.equal(dead.attempts, MAX_ATTEMPTS);
  assert.deepEqual(
    dead.failures.map((f) => [f.kind, f.queue, f.message]),
    [1, 2, 3, 4].map((i) => [
      "error",
      "q",
      `Error: attempt ${i} of ${never.name} failed`,
    ]),
  );
  // The others succeeded in the end, their failures still on record.
  assert.deepEqual(
    (await spool.list("done")).map((e) => e.name).sort(),
    [twice.name, retried.name].sort(),
  );
  const done = (name: string) => spool.entry("done", name).direct.readHistory();
  assert.deepEqual(
    (await done(twice.name)).failures.map((f) => f.message),
    [1, 2].map((i) => `Error: attempt ${i} of ${twice.name} failed`),
  );
  assert.deepEqual(
    (await done(retried.name)).failures.map((f) => [f.kind, f.message]),
    [["error", "451 greylisted"]],
  );
  assert.deepEqual(await spool.list("q"), []);
  assert.deepEqual(await (await Monitor.create(dir)).runOnce(), []);
});

Deno.test("schedule: a consumer killed mid-attempt leaves the entry checked out; repair counts the attempt, and the next reader dead-letters it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "dead"] });
  const entry = await spool.enqueue("q", { job: 1 }, new Uint8Array([7]));
  const checkout = `${dir}/q/.checkout/${entry.name}`;
  const monitor = await Monitor.create(dir);
  // The policy allows 2 attempts: two consumers take it and are killed.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const consumer = fixture(dir, "stuck_attempt.ts", []);
    await consumer.line(
      (l) => l === `holding ${entry.name}`,
      `attempt ${attempt}`,
    );
    const result = await consumer.stop("SIGKILL");
    assert.deepEqual(lines(result.stdout), [
      "ready",
      `holding ${entry.name}`,
    ]);
    // The killed consumer recorded nothing: the entry is checked out, with
    // its payload, and its history counts only the earlier attempts.
    assert.deepEqual(await spool.list("q"), []);
    assert.deepEqual(
      (await listCheckoutsUnsafe(spool, "q")).map((e) => e.name),
      [entry.name],
    );
    assert.equal((await entry.direct.readHistory()).attempts, attempt - 1);
    // Young, it is left alone: it may be a long job.
    assert.deepEqual((await monitor.repair({ dryRun: false })).actions, []);
    // Stale (as far as its modification time says), it is reported, and
    // repair puts it back, counting an abandoned attempt.
    age(checkout);
    assert.deepEqual(summary(await monitor.runOnce()), [
      `too-old ${entry.name} q/.checkout`,
    ]);
    const report = await monitor.repair({ dryRun: false });
    assert.deepEqual(
      report.actions.map((a) => [a.kind, a.name]),
      [["requeue", entry.name]],
    );
    assert.deepEqual((await spool.list("q")).map((e) => e.name), [entry.name]);
    const history = await entry.direct.readHistory();
    assert.equal(history.attempts, attempt);
    assert.deepEqual(
      history.failures.map((f) => [f.kind, f.queue]),
      Array.from({ length: attempt }, () => ["abandoned", "q"]),
    );
  }
  // Its attempts are spent: the next reader never hands it out, it moves it
  // to the dead letters.
  const next = fixture(dir, "stuck_attempt.ts", []);
  await next.line((l) => l === "ready", "the next reader");
  await watchUntil(
    [`${dir}/dead`],
    () => Deno.readDirSync(`${dir}/dead`).some((e) => e.name === entry.name),
    "the entry dead-lettered",
  );
  const result = await next.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(lines(result.stdout), ["ready"], "not handed out again");
  const dead = spool.entry("dead", entry.name);
  assert.deepEqual(await dead.direct.readMetadata(), { job: 1 });
  assert.deepEqual(await dead.direct.dataFile().load(), new Uint8Array([7]));
  const history = await dead.direct.readHistory();
  assert.equal(history.attempts, 2);
  assert.match(history.failures[0].message, /repair put it back/);
  assert.deepEqual(await spool.list("q"), []);
  assert.deepEqual(await monitor.runOnce(), []);
});
