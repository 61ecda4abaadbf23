/**
 * The first (or last) names of a listing, in bounded memory: a reader
 * facing a million waiting entries needs the first few hundred thousand in
 * order, not all of them (which would hold a hundred megabytes of names
 * while it works through the first), and a page of a queue's last entries
 * needs only those. Names are kept as they are read (as bytes, see
 * `held_names.ts`); whenever twice the limit are held (or 4,096 more, for
 * small limits), the names that will not be kept are dropped (a selection,
 * not a sort: linear time), so the whole listing costs time in proportion
 * to its length. A selection over a quarter of a million names takes tens
 * of milliseconds, so it is done a slice at a time, one slice for each
 * name offered meanwhile: a listing awaits the runtime between two names,
 * and the event loop stays free. Internal.
 *
 * @module
 */

import { HeldNames } from "./held_names.ts";
import { shareLoop } from "./loop_budget.ts";
import { sortNames } from "./sort_names.ts";

/** What {@linkcode FirstNames.sorted} returns. */
export interface FirstNamesResult {
  /** The first names offered, at most the limit, sorted. */
  names: string[];
  /** True if names beyond them were offered and dropped. */
  more: boolean;
  /** The greatest name offered, kept or not (undefined if none was). */
  last: string | undefined;
}

/**
 * Keeps the `limit` first names (by UTF-16 code units, the order of
 * {@linkcode sortNames}) of those offered.
 */
export class FirstNames {
  readonly #kept: KeptNames;
  #last: string | undefined;

  /** @param limit How many names to keep (at least 1). */
  constructor(limit: number) {
    checkLimit(limit, "first");
    this.#kept = new KeptNames(limit, "first");
  }

  /** Offers one name, not offered before (directory names are unique). */
  offer(name: string): void {
    if (this.#last === undefined || name > this.#last) this.#last = name;
    this.#kept.offer(name);
  }

  /** The names kept, sorted (sharing the event loop), and whether more were offered. */
  async sorted(): Promise<FirstNamesResult> {
    const { names, more } = await this.#kept.sorted();
    return { names, more, last: this.#last };
  }
}

/** What {@linkcode LastNames.sorted} returns. */
export interface LastNamesResult {
  /** The last names offered, at most the limit, sorted. */
  names: string[];
  /** True if names before them were offered and dropped. */
  more: boolean;
}

/**
 * Keeps the `limit` last names (greatest by UTF-16 code units, the order
 * of {@linkcode sortNames}) of those offered.
 */
export class LastNames {
  readonly #kept: KeptNames;

  /** @param limit How many names to keep (at least 1). */
  constructor(limit: number) {
    checkLimit(limit, "last");
    this.#kept = new KeptNames(limit, "last");
  }

  /** Offers one name, not offered before (directory names are unique). */
  offer(name: string): void {
    this.#kept.offer(name);
  }

  /** The names kept, sorted (sharing the event loop), and whether more were offered. */
  sorted(): Promise<LastNamesResult> {
    return this.#kept.sorted();
  }
}

/** The first or last `limit` names offered. */
class KeptNames {
  readonly #limit: number;
  readonly #side: "first" | "last";
  /** How many names held start a selection. */
  readonly #most: number;
  readonly #held = new HeldNames();
  // Once names were dropped, every name held is on the kept side of this
  // (below it for the first names, at or above it for the last), or was
  // offered while the selection that set it ran: a name on the other side
  // would be dropped at the next selection anyway.
  #bound: string | undefined;
  #more = false;
  /** The selection under way, a slice at a time. */
  #selection: Generator<void, void> | undefined;
  /** The last selection's order, reused by the next one. */
  #spare: Int32Array | undefined;

  constructor(limit: number, side: "first" | "last") {
    this.#limit = limit;
    this.#side = side;
    this.#most = Math.max(2 * limit, limit + MORE_AT_LEAST);
  }

  offer(name: string): void {
    if (this.#bound !== undefined && this.#beyond(name, this.#bound)) {
      this.#more = true;
      return;
    }
    this.#held.push(name);
    if (this.#selection !== undefined) this.#step();
    else if (this.#held.count >= this.#most) this.#select();
  }

  async sorted(): Promise<{ names: string[]; more: boolean }> {
    // A selection under way may end with names offered meanwhile kept
    // beyond the limit: then another one runs.
    while (this.#selection !== undefined || this.#held.count > this.#limit) {
      if (this.#selection === undefined) this.#select();
      else this.#step();
      await shareLoop();
    }
    return {
      names: await sortNames(await this.#held.names()),
      more: this.#more,
    };
  }

  /** True if `name` is on the dropped side of `bound`. */
  #beyond(name: string, bound: string): boolean {
    return this.#side === "first" ? name >= bound : name < bound;
  }

  /** Starts a selection of the names to keep among those held. */
  #select(): void {
    this.#selection = this.#selectSteps();
    this.#step();
  }

  /** Runs a slice of the selection under way. */
  #step(): void {
    if (!this.#selection!.next().done) return;
    this.#selection = undefined;
    if (this.#held.count >= this.#most) this.#select();
  }

  /**
   * Finds the names to keep among those held, sets the bound, then drops
   * the others, a slice at a time.
   */
  *#selectSteps(): Generator<void, void> {
    const held = this.#held;
    const first = this.#side === "first";
    const order = held.indices(this.#spare);
    if (order.buffer !== this.#spare?.buffer) this.#spare = order;
    const at = first ? this.#limit : order.length - this.#limit;
    yield* selectSmallestSteps(order, at, held.compare);
    const bound = order[at];
    this.#bound = held.name(bound);
    this.#more = true;
    yield* held.keepOnlySteps(
      first ? order.subarray(0, at) : order.subarray(at),
      () => {
        // The names offered since it started, on the kept side of the bound.
        const since: number[] = [];
        for (let index = order.length; index < held.count; index++) {
          const side = held.compare(index, bound);
          if (first ? side < 0 : side > 0) since.push(index);
        }
        return since;
      },
    );
  }
}

function checkLimit(limit: number, which: string): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(
      `Cannot keep ${which} names: limit must be a positive integer, got ${limit}`,
    );
  }
}

/**
 * A selection starts once this many names are held beyond the limit, at
 * least: a small limit (a page of 50) over a directory listed newest first
 * (each name offered passes the bound) would start one every few dozen.
 */
const MORE_AT_LEAST = 4096;

/** How many items a selection goes over between two slices. */
const SLICE = 4096;

/**
 * Reorders `items` so that its `k` smallest (by `compare`) come first, in
 * no order, and the `k`-th smallest (0-based) is at index `k`: Hoare's
 * selection, linear on average. The pivot is the middle of three items at
 * pseudo-random places: the middle of the first, middle and last is
 * quadratic on orders directories give (a tmpfs lists newest first, so one
 * entry saved back ahead of a descending run made a reader's listing of a
 * million take two minutes). Past twice the rounds a halving selection
 * needs, the range left is sorted instead, which bounds any order at
 * n log n.
 *
 * @returns How many items the partitions went over (for the tests: about
 * three times the length on any order).
 */
export function selectSmallest(
  items: Int32Array,
  k: number,
  compare: (a: number, b: number) => number,
): number {
  const steps = selectSmallestSteps(items, k, compare);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@linkcode selectSmallest} a slice at a time: it pauses (yields) after
 * going over about {@linkcode SLICE} items.
 */
function* selectSmallestSteps(
  items: Int32Array,
  k: number,
  compare: (a: number, b: number) => number,
): Generator<void, number> {
  let left = 0;
  let right = items.length - 1;
  let scanned = 0;
  let slice = 0;
  let rounds = 2 * Math.ceil(Math.log2(items.length + 1)) + 8;
  // xorshift32, seeded by the length: the same items in the same order
  // take the same path, which keeps the tests' counts reproducible.
  let seed = (items.length ^ 0x9e3779b9) | 1;
  const place = (span: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return items[left + ((seed >>> 0) % span)];
  };
  while (left < right) {
    const span = right - left + 1;
    scanned += span;
    if (rounds-- === 0) {
      items.subarray(left, right + 1).sort(compare);
      return scanned;
    }
    const pivot = middleOfThree(place(span), place(span), place(span), compare);
    let i = left;
    let j = right;
    while (i <= j) {
      // The slice is counted in the inner loops too: on a range already
      // partitioned, one of them goes over all of it.
      while (compare(items[i], pivot) < 0) {
        i++;
        if (++slice === SLICE) {
          slice = 0;
          yield;
        }
      }
      while (compare(items[j], pivot) > 0) {
        j--;
        if (++slice === SLICE) {
          slice = 0;
          yield;
        }
      }
      if (i <= j) {
        const swap = items[i];
        items[i] = items[j];
        items[j] = swap;
        i++;
        j--;
      }
      if (++slice >= SLICE) {
        slice = 0;
        yield;
      }
    }
    // items[left..j] <= pivot <= items[i..right]; between them, the pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return scanned;
  }
  return scanned;
}

function middleOfThree(
  a: number,
  b: number,
  c: number,
  compare: (a: number, b: number) => number,
): number {
  if (compare(a, b) < 0) {
    return compare(b, c) < 0 ? b : compare(a, c) < 0 ? c : a;
  }
  return compare(a, c) < 0 ? a : compare(b, c) < 0 ? c : b;
}
