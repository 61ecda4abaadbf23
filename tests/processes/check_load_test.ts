// An honest check: under load (a producer and consumers in other processes)
// it never reports work in progress as a problem; and what it cannot read
// is a spool error naming the operation and the path.

import assert from "node:assert/strict";
import { Monitor } from "../../monitor.ts";
import { Spool } from "../../mod.ts";
import { runDeno, scopedTo, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const FIXTURES = "tests/processes/fixtures";

/** Starts the fixture `name` on the spool in `dir`, with access to it only. */
function startFixture(name: string, dir: string, args: string[]) {
  return startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    `${FIXTURES}/${name}.ts`,
    dir,
    ...args,
  ]);
}

Deno.test("check: a busy spool (producers and consumers at work) has no problems, check after check", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const consumers = [0, 1].map(() => startFixture("consumer", dir, ["4"]));
  try {
    await Promise.all(consumers.map((c) => c.line((l) => l === "ready")));
    const producers = ["strict", "relaxed"].map((durability, i) =>
      startFixture("producer", dir, ["1000", `p${i}`, durability])
    );
    const monitor = await Monitor.create(dir);
    let checks = 0;
    const seen: string[] = [];
    // As often as it can while they work: every check must be clean.
    while (!producers.every((p) => p.ended())) {
      const problems = await monitor.runOnce();
      checks++;
      seen.push(
        ...problems.map((p) => `${p.kind} ${p.name} ${JSON.stringify(p.dirs)}`),
      );
    }
    for (const producer of producers) {
      assert.equal((await producer.done()).code, 0);
    }
    assert.deepEqual(seen, [], `problems seen in ${checks} checks`);
    assert.ok(checks > 10, `only ${checks} checks ran`);
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
  }
});

Deno.test("check: a queue the process may not read is a PermissionError naming it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["a", "b"] });
  const result = await runDeno([
    "run",
    "--quiet",
    `--allow-read=${dir}`,
    `--deny-read=${dir}/b`,
    `--allow-write=${dir}`,
    `${FIXTURES}/look_at_spool.ts`,
    dir,
    "a",
    "b",
  ]);
  const lines = result.stdout.trim().split("\n");
  assert.equal(lines.length, 3, result.stdout + result.stderr);
  for (const line of lines) {
    assert.match(line, /^PermissionError \S+ .+/, line);
    assert.ok(line.includes(`${dir}/b`) || line.endsWith(dir), line);
  }
});
