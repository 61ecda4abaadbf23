// Day two on a live spool, through the command as an operator runs it:
// dead letters retried with a fresh start (not sent straight back, as a
// move would be), entries found by name alone, the last error in ls, ls
// --json and tail, a filter by error text, holds that remember where the
// entries came from.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { lines } from "../_helpers/children.ts";
import { cli, ok, startCli } from "../_helpers/cli.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const none = new Uint8Array();
const policy = { maxAttempts: 3, backoff: [0], deadLetter: "dead" } as const;

/** A spool whose reader dead-letters every entry of `jobs` after 3 tries. */
async function withDeadLetters(dir: string, messages: string[]) {
  const spool = await Spool.create(dir, {
    queues: ["jobs", "dead", "held"],
    metadata: jsonMetadata<{ error: string }>(),
  });
  for (const error of messages) await spool.enqueue("jobs", { error }, none);
  const reader = spool.reader("jobs", { retry: policy });
  try {
    for (let pass = 0; pass < policy.maxAttempts; pass++) {
      await reader.iterAvailable((meta) => {
        throw new Error(meta.error);
      });
    }
  } finally {
    await reader.close();
  }
  return spool;
}

/** How many times a reader with the same policy calls its handler. */
async function handlerCalls(
  spool: Awaited<ReturnType<typeof withDeadLetters>>,
): Promise<number> {
  let calls = 0;
  await using reader = spool.reader("jobs", { retry: policy });
  await reader.iterAvailable(() => {
    calls++;
    return { action: "remove" };
  });
  return calls;
}

Deno.test("cli retry: a dead letter gets a fresh start, where mv sends it straight back", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await withDeadLetters(dir, ["421 timeout", "550 no user"]);
  const [timedOut, noUser] = (await spool.list("dead")).map((e) => e.name);

  // The trap a retry avoids: mv keeps the attempts, and the next
  // reader sends it back to dead without calling its handler.
  assert.equal(
    await ok(dir, ["mv", dir, noUser, "jobs"]),
    `moved ${noUser} from dead to jobs\n`,
  );
  assert.equal(await handlerCalls(spool), 0);
  assert.deepEqual(
    (await spool.list("dead")).map((e) => e.name).sort(),
    [
      timedOut,
      noUser,
    ].sort(),
  );

  // A dry run first, then retry by error text: to the queue it failed in.
  const plan = await ok(dir, [
    "retry",
    dir,
    "dead",
    "--error",
    "TIMEOUT",
    "--dry-run",
  ]);
  assert.deepEqual(lines(plan), [
    "would retry 1 entry from dead to jobs:",
    `  ${timedOut}`,
    "(dry run: nothing was done)",
  ]);
  assert.equal(
    await ok(dir, ["retry", dir, "dead", "--error", "timeout"]),
    "retried 1 entry from dead to jobs\n",
  );
  const shown = JSON.parse(await ok(dir, ["show", dir, timedOut, "--json"]));
  assert.equal(shown.queue, "jobs");
  assert.equal(shown.attempts, 0);
  assert.equal(shown.due, null);
  assert.equal(shown.lastRetry.from, "dead");
  assert.equal(shown.lastRetry.attempts, 3);
  assert.equal(shown.failures.length, 3);
  assert.ok(shown.failures.every((f: { beforeRetry?: true }) => f.beforeRetry));
  const human = await ok(dir, ["show", dir, timedOut]);
  assert.match(human, /^retried: {3}\S+Z from dead, after 3 failed attempts/m);
  assert.match(human, /\(before retry\) Error: 421 timeout$/m);
  assert.equal(await handlerCalls(spool), 1, "its handler is called again");

  // By name alone, with JSON: where it was found, where it went.
  const report = JSON.parse(
    await ok(dir, ["retry", dir, noUser, "--json"]),
  );
  assert.equal(report.from, null);
  assert.deepEqual(
    report.entries.map((e: { from: string; to: string }) => [
      e.from,
      e.to,
    ]),
    [["dead", "jobs"]],
  );
});

Deno.test("cli: every entry command finds a name without its queue, and says where", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await withDeadLetters(dir, ["boom"]);
  const [name] = (await spool.list("dead")).map((e) => e.name);
  assert.match(
    await ok(dir, ["show", dir, name]),
    /^queue: {5}dead \(waiting, found by name\)$/m,
  );
  assert.equal(
    await ok(dir, ["hold", dir, name, "--to", "held"]),
    `held ${name} from dead to held\n`,
  );
  const held = JSON.parse(await ok(dir, ["ls", dir, "held", "--json"]));
  assert.equal(held[0].heldFrom, "dead");
  assert.equal(
    await ok(dir, ["release", dir, name]),
    `released ${name} from held to dead\n`,
    "back where it was held from",
  );
  assert.equal(
    await ok(dir, ["mv", dir, name, "jobs"]),
    `moved ${name} from dead to jobs\n`,
  );
  assert.equal(
    await ok(dir, ["rm", dir, name]),
    `removed ${name} from jobs\n`,
  );
  const gone = await cli(dir, ["show", dir, name]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /is not in the spool \(removed, or never there\)/);
  const never = await cli(dir, ["show", dir, "01NEVERTHERE00000000000000"]);
  assert.equal(never.code, 1);
  assert.doesNotMatch(never.stderr, /taken by a consumer/);
  // A release with nowhere to go is refused, and says how to give it.
  const other = await spool.enqueue("held", { error: "x" }, none);
  const refused = await cli(dir, ["release", dir, other.name]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /not held by a tool that remembers .*--to QUEUE/,
  );
});

Deno.test("cli: the last error in ls, ls --json and tail; ls without a queue lists the queues", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await withDeadLetters(dir, ["451 greylisted, try later"]);
  const table = lines(await ok(dir, ["ls", dir, "dead"]));
  assert.match(table[0], /LAST-ERROR/);
  assert.match(table[1], /error \S+ ago: Error: 451 greylisted/);
  const [listed] = JSON.parse(await ok(dir, ["ls", dir, "dead", "--json"]));
  assert.equal(listed.lastError.kind, "error");
  assert.equal(listed.lastError.message, "Error: 451 greylisted, try later");
  assert.equal(listed.lastError.queue, "jobs");
  assert.equal(listed.attempts, 3);
  const tail = startCli(dir, ["tail", dir, "dead", "--existing"]);
  try {
    const line = await tail.line((l) => l.includes("greylisted"));
    assert.match(line, /error \S+ ago: Error: 451 greylisted/);
  } finally {
    await tail.stop();
  }
  const queues = lines(await ok(dir, ["ls", dir]));
  assert.match(
    queues[0],
    /^QUEUE\s+READY\s+DELAYED\s+QUARANTINED\s+CHECKED-OUT\s+OLDEST$/,
  );
  assert.match(
    queues.find((l) => l.startsWith("dead"))!,
    /^dead\s+1\s+0\s+0\s+0\s/,
  );
});

Deno.test("cli polish: --at takes a day alone; init names every queue and the ones it added", async () => {
  await using tmp = await tempDir();
  const dir = `${tmp.path}/spool`;
  assert.equal(
    await ok(tmp.path, ["init", dir, "--queue", "jobs", "--queue", "dead"]),
    `spool ${dir} ready with queues dead, jobs\n`,
  );
  assert.equal(
    await ok(tmp.path, ["init", dir, "--queue", "held"]),
    `spool ${dir} ready with queues dead, held, jobs (added held)\n`,
  );
  const name = (await ok(tmp.path, [
    "enqueue",
    dir,
    "jobs",
    "--at",
    "2100-06-01",
  ])).trim();
  const [listed] = JSON.parse(
    await ok(tmp.path, ["ls", dir, "jobs", "--json"]),
  );
  assert.equal(listed.name, name);
  assert.equal(listed.due, "2100-06-01T00:00:00.000Z");
  const unknown = await cli(tmp.path, ["ls", dir, "jobs", "--nope"]);
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.stderr.split("\n")[0],
    'multispool ls: unknown option --nope (an argument that starts with "-" goes after "--": -- --nope)',
  );
});

Deno.test("cli serve without network access says how to install the command with it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const r = await cli(dir, ["serve", dir, "--port", "0"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /serve needs network access.*deno install -g -f -n multispool --allow-read --allow-write --allow-net --allow-env=MULTISPOOL_TOKEN jsr:@multispool\/multispool\/cli/,
  );
});
