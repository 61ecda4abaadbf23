// examples/server.ts: a Deno.serve handler and a consumer in one process.
// While one request enqueues a burst of thousands of entries, the health
// endpoint keeps answering (each request within the health check's own
// timeout), and the consumer in the same process handles jobs before the
// burst ends.

import assert from "node:assert/strict";
import { scopedTo, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/** A health check's own timeout, as a load balancer's would be. */
const HEALTH_TIMEOUT_MS = 2_000;

Deno.test("examples: server answers its health check during a burst, and consumes meanwhile", async () => {
  await using tmp = await tempDir();
  const dir = `${tmp.path}/spool`;
  await Deno.mkdir(dir);
  const server = startDeno([
    "run",
    "--quiet",
    ...scopedTo(tmp.path),
    "--allow-net=127.0.0.1",
    "examples/server.ts",
    dir,
    "0",
  ]);
  try {
    const listening = await server.line((l) => l.startsWith("listening on"));
    const base = listening.slice("listening on ".length).replace(/\/$/, "");
    const burst = fetch(`${base}/jobs?count=20000`, {
      method: "POST",
      body: "resize",
    }).then((r) => r.json());
    let burstDone = false;
    burst.finally(() => burstDone = true);
    const answers: { enqueued: number; handled: number }[] = [];
    while (!burstDone) {
      const response = await fetch(`${base}/health`, {
        signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      });
      answers.push(await response.json());
    }
    assert.equal((await burst).enqueued, 20000);
    const during = answers.filter((a) => a.enqueued < 20000);
    assert.ok(during.length > 0, "health answered while the burst ran");
    assert.ok(
      during.some((a) => a.handled > 0),
      "the consumer handled jobs while the burst ran",
    );
  } finally {
    const result = await server.stop("SIGTERM");
    assert.match(result.stdout, /stopped after handling \d+ jobs/);
  }
});
