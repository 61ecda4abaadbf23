// runSteps: steps answered at once run as a plain function; from the first
// answer that is a promise, they are awaited, and a rejection is thrown
// into the steps where they yielded it.

import assert from "node:assert/strict";
import { runSteps, type Steps } from "../../src/protocol/steps.ts";

function* addTwo(
  first: number | Promise<number>,
  second: () => number | Promise<number>,
): Steps<number> {
  const a = (yield first) as number;
  let b: number;
  try {
    b = (yield second()) as number;
  } catch (error) {
    b = -(error as { code: number }).code;
  }
  return a + b;
}

Deno.test("steps: answered at once, they end without a promise", () => {
  assert.equal(runSteps(addTwo(1, () => 2)), 3);
  // A call that throws at once throws within the steps.
  assert.equal(
    runSteps(addTwo(1, () => {
      throw { code: 5 };
    })),
    -4,
  );
});

Deno.test("steps: from a first promise on, every answer is awaited, in order", async () => {
  const late = runSteps(addTwo(Promise.resolve(1), () => 2));
  assert.ok(late instanceof Promise);
  assert.equal(await late, 3);
  assert.equal(
    await runSteps(addTwo(1, () => Promise.resolve(10))),
    11,
  );
});

Deno.test("steps: a rejected promise is thrown where it was yielded, and what the steps do not catch rejects the run", async () => {
  assert.equal(
    await runSteps(addTwo(1, () => Promise.reject({ code: 7 }))),
    -6,
  );
  await assert.rejects(
    Promise.resolve(
      runSteps(addTwo(Promise.reject(new Error("gone")), () => 2)),
    ),
    /gone/,
  );
});
