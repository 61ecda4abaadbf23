// The first (or last) names of a listing, kept in bounded memory: the same
// names and order as sorting them all and taking the first (or the last),
// whatever order they are read in.

import assert from "node:assert/strict";
import {
  FirstNames,
  LastNames,
  selectSmallest,
} from "../../src/first_names.ts";

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

/**
 * Orders a selection with the middle of the first, middle and last names
 * as pivot takes quadratic time on: a tmpfs lists newest first, so one
 * entry saved back comes ahead of a descending run.
 */
function hardOrders(n: number): [string, string[]][] {
  const name = (i: number) => `01K${String(i).padStart(7, "0")}`;
  const ascending = Array.from({ length: n }, (_, i) => name(i));
  const descending = ascending.slice().reverse();
  return [
    ["ascending", ascending],
    ["descending", descending],
    ["one saved back ahead of a descending run", ["01J", ...descending]],
    ["organ pipe", [
      ...ascending.filter((_, i) => i % 2 === 0),
      ...ascending.filter((_, i) => i % 2 === 1).reverse(),
    ]],
    ["sawtooth", ascending.map((_, i) => name((i % 64) * n + (i >> 6)))],
  ];
}

Deno.test("selectSmallest stays linear on the orders directories give", () => {
  const n = 1 << 15;
  for (const [order, names] of hardOrders(n)) {
    const sorted = names.slice().sort();
    for (const k of [0, 1, n >> 2, n >> 1, names.length - 1]) {
      const items = Int32Array.from(names, (_, i) => i);
      const scanned = selectSmallest(
        items,
        k,
        (a, b) => names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0,
      );
      const selected = Array.from(items, (i) => names[i]);
      assert.deepEqual(
        selected.slice(0, k).sort(),
        sorted.slice(0, k),
        `${order}, k = ${k}`,
      );
      assert.equal(selected[k], sorted[k], `${order}, k = ${k}: the k-th`);
      // About 3n on average; quadratic orders went over thousands of times n.
      assert.ok(
        scanned <= 6 * names.length,
        `${order}, k = ${k}: went over ${scanned} names for ${names.length}`,
      );
    }
  }
});

Deno.test("FirstNames and LastNames keep the right names while selections run a slice at a time", async () => {
  // Selections over thousands of names run a slice for each name offered
  // meanwhile: those must be judged by the bound the selection ends with.
  for (const [order, names] of hardOrders(1 << 15)) {
    const sorted = names.slice().sort();
    for (const limit of [1 << 12, 5000]) {
      const first = new FirstNames(limit);
      const last = new LastNames(limit);
      for (const name of names) {
        first.offer(name);
        last.offer(name);
      }
      assert.deepEqual(
        (await first.sorted()).names,
        sorted.slice(0, limit),
        `${order}, first ${limit}`,
      );
      assert.deepEqual(
        (await last.sorted()).names,
        sorted.slice(sorted.length - limit),
        `${order}, last ${limit}`,
      );
    }
  }
});

Deno.test("FirstNames and LastNames order names beyond ASCII as strings do", async () => {
  // One-byte names first, then names that need two bytes a unit (held
  // names widen), surrogate pairs, prefixes of one another.
  const names = [
    "b",
    "ab",
    "a",
    "é1",
    "zz",
    "Ω",
    "a\u00ff",
    "😀x",
    "\uffff",
    "Ωa",
    "é",
    "a0",
    "😀",
    "",
  ];
  const sorted = names.slice().sort();
  for (const limit of [1, 3, 5, names.length]) {
    const first = new FirstNames(limit);
    const last = new LastNames(limit);
    for (const name of names) {
      first.offer(name);
      last.offer(name);
    }
    assert.deepEqual((await first.sorted()).names, sorted.slice(0, limit));
    assert.deepEqual(
      (await last.sorted()).names,
      sorted.slice(names.length - limit),
    );
  }
});

Deno.test("FirstNames and LastNames widen their held names while a selection runs", async () => {
  // The first selection starts at 8,192 names held and runs a slice for
  // each name offered: wide names come while it runs, and after.
  const names = Array.from(
    { length: 20_000 },
    (_, i) => `01K${String(20_000 - i).padStart(7, "0")}`,
  );
  names.splice(8_200, 0, "01K0000100Ω");
  names.splice(8_300, 0, "00😀");
  names.splice(15_000, 0, "01K00200\uffff");
  const sorted = names.slice().sort();
  const first = new FirstNames(4096);
  const last = new LastNames(4096);
  for (const name of names) {
    first.offer(name);
    last.offer(name);
  }
  assert.deepEqual((await first.sorted()).names, sorted.slice(0, 4096));
  assert.deepEqual(
    (await last.sorted()).names,
    sorted.slice(sorted.length - 4096),
  );
});

Deno.test("FirstNames and LastNames agree with a sort on random names, lengths and limits", async () => {
  // A seeded generator: the same cases every run.
  let seed = 0x2545f491;
  const random = (below: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % below;
  };
  const alphabet = ["0", "1", "A", "Z", "a", "é", "Ω", "😀", "\uffff"];
  for (let round = 0; round < 12; round++) {
    const unique = new Set<string>();
    const n = random(20_000);
    while (unique.size < n) {
      let name = "";
      const length = 1 + random(round % 3 === 0 ? 40 : 6);
      // Mostly ASCII, so that names widen late, if at all.
      const wide = random(200) === 0;
      for (let i = 0; i < length; i++) {
        name += alphabet[random(wide ? alphabet.length : 5)];
      }
      unique.add(name);
    }
    const names = [...unique];
    const sorted = names.slice().sort();
    const limit = 1 + random(round % 2 === 0 ? 6_000 : 60);
    const first = new FirstNames(limit);
    const last = new LastNames(limit);
    for (const name of names) {
      first.offer(name);
      last.offer(name);
    }
    const what = `round ${round}: ${n} names, limit ${limit}`;
    const firstResult = await first.sorted();
    assert.deepEqual(firstResult.names, sorted.slice(0, limit), what);
    assert.equal(firstResult.more, n > limit, what);
    const lastResult = await last.sorted();
    assert.deepEqual(
      lastResult.names,
      sorted.slice(Math.max(0, n - limit)),
      what,
    );
    assert.equal(lastResult.more, n > limit, what);
  }
});
