// Real processes racing to check out the same entries.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { listCheckoutsUnsafe } from "../../expert.ts";
import { lines, scopedTo, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

Deno.test("race: each entry is won by exactly one of several processes", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "done"] }, {
    durability: "relaxed",
  });
  const n = 400;
  const names = new Set<string>();
  for (let i = 0; i < n; i++) {
    names.add((await spool.enqueue("q", i, new Uint8Array())).name);
  }
  const children = 4;
  const racers = Array.from({ length: children }, () =>
    startDeno([
      "run",
      "--quiet",
      ...scopedTo(dir),
      "tests/processes/fixtures/racer.ts",
      dir,
    ], { stdin: true }));
  // Start together: each racer has loaded and listed the queue when it says
  // "ready"; then every one is told "go".
  await Promise.all(racers.map((r) => r.line((l) => l === "ready")));
  await Promise.all(racers.map((r) => r.send("go\n")));
  const results = await Promise.all(racers.map((r) => r.done()));
  const won: string[] = [];
  let lostTry = 0;
  let lostThrow = 0;
  for (const result of results) {
    assert.equal(result.code, 0, result.stderr);
    const [ready, json] = lines(result.stdout);
    assert.equal(ready, "ready");
    const report = JSON.parse(json);
    won.push(...report.won);
    lostTry += report.lostTry;
    lostThrow += report.lostThrow;
  }
  // Every entry won exactly once; every other attempt saw "not found",
  // as undefined from tryCheckout or EntryNotFoundError from checkout.
  assert.equal(won.length, n);
  assert.deepEqual(new Set(won), names);
  assert.equal(lostTry + lostThrow, n * (children - 1));
  assert.ok(lostTry > 0 && lostThrow > 0);
  assert.equal((await spool.list("done")).length, n);
  assert.equal((await spool.list("q")).length, 0);
  assert.equal((await listCheckoutsUnsafe(spool, "q")).length, 0);
});
