// The first (or last) names of a listing, kept in bounded memory: the same
// names and order as sorting them all and taking the first (or the last),
// whatever order they are read in.

import assert from "node:assert/strict";
import { FirstNames, LastNames } from "../../src/first_names.ts";

/** Names in the orders directories give them: random, ascending, descending. */
function orders(n: number): [string, string[]][] {
  const ascending = Array.from(
    { length: n },
    (_, i) => `01K${String(i).padStart(7, "0")}`,
  );
  const shuffled = ascending.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return [
    ["ascending", ascending],
    ["descending", ascending.slice().reverse()],
    ["shuffled", shuffled],
  ];
}

Deno.test("FirstNames keeps the first names in order, whatever order they come in", async () => {
  for (const limit of [1, 7, 1000]) {
    for (const n of [0, limit - 1, limit, limit + 1, 5 * limit + 3]) {
      for (const [order, names] of orders(n)) {
        const first = new FirstNames(limit);
        for (const name of names) first.offer(name);
        const result = await first.sorted();
        const expected = names.slice().sort();
        assert.deepEqual(
          result.names,
          expected.slice(0, limit),
          `${n} names ${order}, limit ${limit}`,
        );
        assert.equal(result.more, n > limit, `${n} ${order} ${limit}: more`);
        assert.equal(result.last, expected.at(-1), `${n} ${order}: last`);
      }
    }
  }
});

Deno.test("LastNames keeps the last names in order, whatever order they come in", async () => {
  for (const limit of [1, 7, 1000]) {
    for (const n of [0, limit - 1, limit, limit + 1, 5 * limit + 3]) {
      for (const [order, names] of orders(n)) {
        const last = new LastNames(limit);
        for (const name of names) last.offer(name);
        const result = await last.sorted();
        const expected = names.slice().sort();
        assert.deepEqual(
          result.names,
          expected.slice(Math.max(0, n - limit)),
          `${n} names ${order}, limit ${limit}`,
        );
        assert.equal(result.more, n > limit, `${n} ${order} ${limit}: more`);
      }
    }
  }
});

Deno.test("FirstNames and LastNames refuse a limit that is not a positive integer", () => {
  for (const limit of [0, -1, 1.5, NaN]) {
    assert.throws(() => new FirstNames(limit), RangeError);
    assert.throws(() => new LastNames(limit), RangeError);
  }
});
