/**
 * Quick start: create a spool, enqueue a few jobs, consume them, and print
 * what happened at each step.
 *
 * ```sh
 * deno task example            # in a fresh temporary directory
 * deno task example ./my-spool # in a directory of your choice (kept)
 * ```
 *
 * @module
 */

import { jsonMetadata, Spool, textData } from "../mod.ts";

interface Job {
  kind: "resize" | "email";
  attempts: number;
}

const given = Deno.args[0];
const dir = given ?? await Deno.makeTempDir({ prefix: "multispool-example-" });

const spool = await Spool.create(dir, {
  queues: ["jobs", "done", "failed"],
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
  const entry = await spool.enqueue("jobs", { kind, attempts: 0 }, payload);
  console.log(`enqueued ${entry.name} (${kind})`);
}

// Consume: check each entry out, handle it, and move it on.
for (const entry of await spool.list("jobs")) {
  const outcome = await spool.tryWithEntry(entry, async (job, data) => {
    const payload = await data.load();
    if (job.kind === "email") {
      return {
        action: "save",
        queue: "failed",
        metadata: { ...job, attempts: job.attempts + 1 },
        result: `could not send "${payload}": no mail server here`,
      };
    }
    return { action: "save", queue: "done", result: `resized ${payload}` };
  });
  console.log(
    outcome.found
      ? `handled ${entry.name}: ${outcome.result}`
      : `${entry.name} was taken by another consumer`,
  );
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
