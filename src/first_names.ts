/**
 * The first (or last) names of a listing, in bounded memory: a reader
 * facing a million waiting entries needs the first few hundred thousand in
 * order, not all of them (which would hold a hundred megabytes of names
 * while it works through the first), and a page of a queue's last entries
 * needs only those. Names are kept as they are read; whenever twice the
 * limit are held, the half that will not be kept is dropped (a selection,
 * not a sort: linear time), so the whole listing costs time in proportion
 * to its length. Internal.
 *
 * @module
 */

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
  readonly #limit: number;
  #held: string[] = [];
  // Every name held is below this once names were dropped: a name at or
  // above it would be dropped at the next selection anyway.
  #bound: string | undefined;
  #more = false;
  #last: string | undefined;

  /** @param limit How many names to keep (at least 1). */
  constructor(limit: number) {
    checkLimit(limit, "first");
    this.#limit = limit;
  }

  /** Offers one name, not offered before (directory names are unique). */
  offer(name: string): void {
    if (this.#last === undefined || name > this.#last) this.#last = name;
    if (this.#bound !== undefined && name >= this.#bound) {
      this.#more = true;
      return;
    }
    this.#held.push(name);
    if (this.#held.length >= 2 * this.#limit) this.#dropLargerHalf();
  }

  /** The names kept, sorted (sharing the event loop), and whether more were offered. */
  async sorted(): Promise<FirstNamesResult> {
    if (this.#held.length > this.#limit) this.#dropLargerHalf();
    return {
      names: await sortNames(this.#held),
      more: this.#more,
      last: this.#last,
    };
  }

  /** Keeps the `limit` smallest names held; the `limit`-th is the new bound. */
  #dropLargerHalf(): void {
    const held = this.#held;
    selectSmallest(held, this.#limit);
    this.#bound = held[this.#limit];
    held.length = this.#limit;
    this.#more = true;
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
  readonly #limit: number;
  #held: string[] = [];
  // Every name held is above this once names were dropped: a name below
  // it would be dropped at the next selection anyway.
  #bound: string | undefined;
  #more = false;

  /** @param limit How many names to keep (at least 1). */
  constructor(limit: number) {
    checkLimit(limit, "last");
    this.#limit = limit;
  }

  /** Offers one name, not offered before (directory names are unique). */
  offer(name: string): void {
    if (this.#bound !== undefined && name < this.#bound) {
      this.#more = true;
      return;
    }
    this.#held.push(name);
    if (this.#held.length >= 2 * this.#limit) this.#dropSmallerHalf();
  }

  /** The names kept, sorted (sharing the event loop), and whether more were offered. */
  async sorted(): Promise<LastNamesResult> {
    if (this.#held.length > this.#limit) this.#dropSmallerHalf();
    return { names: await sortNames(this.#held), more: this.#more };
  }

  /** Keeps the `limit` greatest names held; the least of them is the new bound. */
  #dropSmallerHalf(): void {
    const held = this.#held;
    const cut = held.length - this.#limit;
    selectSmallest(held, cut);
    this.#bound = held[cut];
    this.#held = held.slice(cut);
    this.#more = true;
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
 * Reorders `names` so that its `k` smallest come first (in no order) and
 * the `k`-th smallest (0-based) is at index `k`: Hoare's selection with
 * the middle of three as pivot, linear on average.
 */
function selectSmallest(names: string[], k: number): void {
  let left = 0;
  let right = names.length - 1;
  while (left < right) {
    const pivot = medianOfThree(
      names[left],
      names[(left + right) >>> 1],
      names[right],
    );
    let i = left;
    let j = right;
    while (i <= j) {
      while (names[i] < pivot) i++;
      while (names[j] > pivot) j--;
      if (i <= j) {
        const swap = names[i];
        names[i] = names[j];
        names[j] = swap;
        i++;
        j--;
      }
    }
    // names[left..j] <= pivot <= names[i..right]; between them, the pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function medianOfThree(a: string, b: string, c: string): string {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
