// Background work (a dashboard's measurements) gives way to foreground work
// (its pages): it pauses at its turns while foreground work holds, goes on
// when it ends, is not held back by foreground work waiting for it, and a
// pause ends on its own after a while, so that it is never starved.

import assert from "node:assert/strict";
import {
  pauseLimitForTests,
  runInBackground,
  runInForeground,
  waitForBackground,
} from "../../src/background.ts";
import { LoopBudget } from "../../src/loop_budget.ts";

/** Background work of `rounds` turns, counting them in `done`. */
function backgroundRounds(rounds: number, done: { rounds: number }) {
  return runInBackground(async () => {
    const budget = new LoopBudget({ budgetMs: 0 });
    for (let i = 0; i < rounds; i++) {
      await budget.spend();
      done.rounds++;
    }
  });
}

/** A few turns of the event loop. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

Deno.test("background: work in the background pauses while foreground work holds, and goes on once it ends", async () => {
  using _ = pauseLimitForTests(60_000);
  const done = { rounds: 0 };
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let heldAt = -1;
  const page = runInForeground(async () => {
    await turns(1);
    heldAt = done.rounds;
    await turns(20);
    // Not one round while the page held.
    assert.ok(done.rounds - heldAt <= 1, `${done.rounds - heldAt} rounds`);
    await released;
    return "page";
  });
  const work = backgroundRounds(1000, done);
  await turns(25);
  assert.ok(done.rounds < 1000, "held back");
  release();
  assert.equal(await page, "page");
  await work;
  assert.equal(done.rounds, 1000);
});

Deno.test("background: foreground work waiting for background work does not hold it back, one wait or two at once", async () => {
  using _ = pauseLimitForTests(60_000);
  const answer = await runInForeground(async () => {
    const first = { rounds: 0 };
    const second = { rounds: 0 };
    await turns(1);
    const waits = Promise.all([
      waitForBackground(backgroundRounds(300, first)),
      waitForBackground(backgroundRounds(300, second)),
    ]);
    // Done within a few timer turns (held back, not one round would be).
    const deadline = turns(50);
    await Promise.race([waits, deadline]);
    const seen = [first.rounds, second.rounds];
    await Promise.all([waits, deadline]);
    return seen;
  });
  assert.deepEqual(answer, [300, 300]);
});

Deno.test("background: a pause ends on its own, so that a foreground that holds for long slows background work and never stops it", async () => {
  using _ = pauseLimitForTests(1);
  const done = { rounds: 0 };
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const page = runInForeground(() => released);
  await backgroundRounds(200, done);
  assert.equal(done.rounds, 200, "done while the foreground still held");
  release();
  await page;
});

Deno.test("background: work outside the background never pauses, whatever holds", async () => {
  using _ = pauseLimitForTests(60_000);
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const page = runInForeground(() => released);
  const budget = new LoopBudget({ budgetMs: 0 });
  for (let i = 0; i < 200; i++) await budget.spend();
  release();
  await page;
});
