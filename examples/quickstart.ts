/**
 * Quick start: create a spool, enqueue a few jobs, consume them with a
 * retry policy (a failed job comes back after a backoff, and goes to a
 * dead-letter queue once its attempts are spent), then retry the dead
 * letter with a fresh start, as an operator would; print each step.
 *
 * ```sh
 * deno task example            # in a fresh temporary directory
 * deno task example ./my-spool # in a directory of your choice (kept)
 * ```
 *
 * @module
 */

import { jsonMetadata, Spool, textData } from "../mod.ts";
import { OperatorSpool } from "../operator.ts";

interface Job {
  kind: "resize" | "email";
}

const given = Deno.args[0];
const dir = given ?? await Deno.makeTempDir({ prefix: "multispool-example-" });

const spool = await Spool.create(dir, {
  queues: ["jobs", "done", "dead"],
  metadata: jsonMetadata<Job>(),
  data: textData,
});
console.log(
  `spool ready at ${spool.dir} with queues ${spool.queues.join(", ")}`,
);

// Produce: each enqueue is durable when it resolves (strict durability).
for (
  const [kind, payload] of [
    ["resize", "photo-1.jpg"],
    ["email", "Hello, world"],
    ["resize", "photo-2.jpg"],
  ] as const
) {
  const entry = await spool.enqueue("jobs", { kind }, payload);
  console.log(`enqueued ${entry.name} (${kind})`);
}

// Consume with a retry policy: a handler that throws is a failed attempt,
// recorded in the entry's history; the entry comes back after the backoff,
// and goes to "dead" after 3 attempts. (A real consumer runs `iter` until
// stopped; this one makes passes until nothing is left to try.)
await using reader = spool.reader("jobs", {
  retry: { maxAttempts: 3, backoff: [50, 100], deadLetter: "dead" },
});
const handle = async (job: Job, data: { load(): Promise<string> }) => {
  const payload = await data.load();
  if (job.kind === "email") throw new Error("no mail server here");
  console.log(`resized ${payload}`);
  return { action: "save" as const, queue: "done" as const };
};
while ((await spool.list("jobs")).length > 0) {
  await reader.iterAvailable(handle);
  await new Promise((resolve) => setTimeout(resolve, 60));
}
for (const entry of await spool.list("dead")) {
  const { attempts, failures } = await entry.direct.readHistory();
  console.log(
    `${entry.name} is a dead letter after ${attempts} attempts: ${
      failures.at(-1)?.message
    }`,
  );
}

// Day two: the mail server is back. An operator retries the dead letter
// with a fresh start (`multispool retry SPOOL dead --all` does the same):
// its attempts go back to 0, it is due now, back in the queue it failed in.
const operator = await OperatorSpool.open(dir);
const retried = await operator.actIn("dead", { filter: {} }, {
  kind: "retry",
});
for (const done of retried.done) {
  console.log(`retried ${done.name} from ${done.from} to ${done.to}`);
}

for (const queue of spool.queues) {
  const names = (await spool.list(queue)).map((e) => e.name);
  console.log(`${queue}: ${names.length} waiting`);
}

// Clean up: remove what is left, then the temporary directory.
for (const queue of spool.queues) {
  for (const entry of await spool.list(queue)) await entry.direct.remove();
}
if (given === undefined) await Deno.remove(dir, { recursive: true });
