// Every example runs as documented. (The CLI, the consumer and the scoped
// Worker have their own tests: cli_test.ts and consumers_test.ts.)

import assert from "node:assert/strict";
import { runDeno } from "../_helpers/children.ts";

async function example(args: string[]): Promise<string> {
  const result = await runDeno(["run", "--quiet", ...args]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  return result.stdout;
}

Deno.test("examples: quickstart", async () => {
  const out = await example([
    "--allow-read",
    "--allow-write",
    "examples/quickstart.ts",
  ]);
  assert.match(out, /resized photo-1\.jpg\nresized photo-2\.jpg/);
  assert.match(
    out,
    /\S+ is a dead letter after 3 attempts: Error: no mail server here/,
  );
  assert.match(out, /retried \S+ from dead to jobs/);
  assert.match(out, /jobs: 1 waiting\ndone: 2 waiting\ndead: 0 waiting/);
});

Deno.test("examples: worker pool shares a queue, each job once", async () => {
  const out = await example([
    "--allow-read",
    "--allow-write",
    "examples/worker_pool.ts",
    "3",
    "60",
  ]);
  assert.match(out, /all 60 jobs done once each/);
  const counts = [...out.matchAll(/worker \d: (\d+) jobs/g)].map((m) =>
    Number(m[1])
  );
  assert.equal(counts.reduce((a, b) => a + b, 0), 60);
});

Deno.test("examples: mail spool with retries, backoff, frozen and quarantine", async () => {
  const out = await example([
    "--allow-read",
    "--allow-write",
    "examples/mail_spool.ts",
  ]);
  assert.match(out, /nobody@example\.com: rejected, quarantined/);
  assert.match(out, /bob@example\.com: attempt 2 failed, retry in 100 ms/);
  assert.match(out, /bob@example\.com: delivered at attempt 3/);
  assert.match(out, /carol@example\.com: 4 failures, frozen/);
  assert.match(out, /active: 0\nfrozen: 1\nremoved: 3\nquarantine: 1\n/);
  assert.match(
    out,
    /frozen after 4 attempts, last error: 421 try again later\n$/,
  );
});

Deno.test("examples: the widget spool of the original", async () => {
  const out = await example([
    "--allow-read",
    "--allow-write",
    "examples/widget.ts",
  ]);
  assert.match(out, /queue1 -> queue2: \(Cog 12\) #2 for ACME/);
  assert.match(out, /queue3: 3 widgets\n$/);
});
