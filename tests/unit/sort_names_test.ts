// Names sorted while the event loop is shared: the same order as a plain
// sort (UTF-16 code units), whatever their number.

import assert from "node:assert/strict";
import { sortNames } from "../../src/sort_names.ts";

Deno.test("sortNames sorts as Array.prototype.sort does, long listings included", async () => {
  for (const n of [0, 1, 4096, 4097, 30_000]) {
    const names = Array.from(
      { length: n },
      (_, i) => `${(i * 7919) % 1000}-${i % 3 === 0 ? "é" : "e"}${i}`,
    );
    const expected = names.slice().sort();
    assert.deepEqual(await sortNames(names), expected, `${n} names`);
  }
});

Deno.test("sortNames lets a timer run while it sorts 200,000 names", async () => {
  const names = Array.from(
    { length: 200_000 },
    (_, i) => `${i * 7919 % 200_000}`,
  );
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await sortNames(names);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, "no tick while it sorted");
});
