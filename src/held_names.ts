/**
 * Names held as their UTF-16 code units in buffers, not as strings. A
 * listing of a million names keeps hundreds of thousands of them for a
 * while; as strings each outlived the young generation, so the runtime
 * grew it to its largest and promoted the names that were later dropped: a
 * reader's first listing of a million entries peaked at 170 MiB. In
 * buffers, the strings a listing reads all die young.
 *
 * The buffers are chunks of a fixed size, never one buffer grown by
 * copying: the first writes to fresh memory cost a page fault every 4 KiB,
 * and copying 7 MB into a new buffer held the event loop 20 ms. Internal.
 *
 * @module
 */

import { shareLoop } from "./loop_budget.ts";

/** Code units of names, one byte each until a name needs two. */
type Units = Uint8Array | Uint16Array;

/** Bits of a position within a chunk of code units. */
const UNIT_BITS = 16;
/** Code units in a chunk (64 KiB while they are bytes). */
const UNITS_PER_CHUNK = 1 << UNIT_BITS;
/** Bits of a name's place within a chunk of positions. */
const POSITION_BITS = 14;
/** Positions in a chunk (64 KiB). */
const POSITIONS_PER_CHUNK = 1 << POSITION_BITS;
/** How many names {@linkcode HeldNames.keepOnlySteps} copies between two slices. */
const COPY_SLICE = 8192;

/**
 * Names in chunks: each name is its length (one unit) then its units,
 * within one chunk; its position (chunk and offset) is kept by index.
 */
class NameStore {
  chunks: Units[] = [];
  wide = false;
  #positions: Int32Array[] = [];
  count = 0;
  // The chunk being filled, and how much of it is.
  #chunk = -1;
  #used = UNITS_PER_CHUNK;

  position(index: number): number {
    return this.#positions[index >>> POSITION_BITS][
      index & (POSITIONS_PER_CHUNK - 1)
    ];
  }

  /** Empties it, keeping its buffers for the names to come. */
  clear(): void {
    this.count = 0;
    this.#chunk = -1;
    this.#used = UNITS_PER_CHUNK;
  }

  /** Room for a name of `length` units: its position. */
  #place(length: number): number {
    const needed = length + 1;
    if (needed > UNITS_PER_CHUNK) {
      throw new RangeError(`Cannot hold a name of ${length} code units`);
    }
    if (this.#used + needed > UNITS_PER_CHUNK) {
      this.#chunk++;
      if (this.#chunk === this.chunks.length) {
        this.chunks.push(
          this.wide
            ? new Uint16Array(UNITS_PER_CHUNK)
            : new Uint8Array(UNITS_PER_CHUNK),
        );
      }
      this.#used = 0;
    }
    const position = (this.#chunk << UNIT_BITS) | this.#used;
    this.#used += needed;
    const chunk = this.count >>> POSITION_BITS;
    if (chunk === this.#positions.length) {
      this.#positions.push(new Int32Array(POSITIONS_PER_CHUNK));
    }
    this.#positions[chunk][this.count & (POSITIONS_PER_CHUNK - 1)] = position;
    this.count++;
    return position;
  }

  /** Makes every chunk hold two bytes a unit. */
  widen(): void {
    if (this.wide) return;
    this.wide = true;
    this.chunks = this.chunks.map((chunk) => Uint16Array.from(chunk));
  }

  push(name: string): void {
    const length = name.length;
    if (!this.wide) {
      let fits = length <= 0xff;
      for (let i = 0; fits && i < length; i++) {
        fits = name.charCodeAt(i) <= 0xff;
      }
      if (!fits) this.widen();
    }
    const position = this.#place(length);
    const chunk = this.chunks[position >>> UNIT_BITS];
    let at = position & (UNITS_PER_CHUNK - 1);
    chunk[at++] = length;
    for (let i = 0; i < length; i++) chunk[at++] = name.charCodeAt(i);
  }

  /** Adds the name at `index` in `from`. */
  pushFrom(from: NameStore, index: number): void {
    if (from.wide) this.widen();
    const source = from.position(index);
    const sourceChunk = from.chunks[source >>> UNIT_BITS];
    let at = source & (UNITS_PER_CHUNK - 1);
    const length = sourceChunk[at];
    const position = this.#place(length);
    const chunk = this.chunks[position >>> UNIT_BITS];
    const end = at + length + 1;
    for (let to = position & (UNITS_PER_CHUNK - 1); at < end;) {
      chunk[to++] = sourceChunk[at++];
    }
  }

  compare(a: number, b: number): number {
    const positionA = this.position(a);
    const positionB = this.position(b);
    const unitsA = this.chunks[positionA >>> UNIT_BITS];
    const unitsB = this.chunks[positionB >>> UNIT_BITS];
    let i = positionA & (UNITS_PER_CHUNK - 1);
    let j = positionB & (UNITS_PER_CHUNK - 1);
    const lengthA = unitsA[i++];
    const lengthB = unitsB[j++];
    const end = i + Math.min(lengthA, lengthB);
    for (; i < end; i++, j++) {
      const difference = unitsA[i] - unitsB[j];
      if (difference !== 0) return difference;
    }
    return lengthA - lengthB;
  }

  name(index: number): string {
    const position = this.position(index);
    const chunk = this.chunks[position >>> UNIT_BITS];
    const at = position & (UNITS_PER_CHUNK - 1);
    const units = chunk.subarray(at + 1, at + 1 + chunk[at]);
    // apply takes any array-like: no copy into an array of numbers.
    return String.fromCharCode.apply(null, units as unknown as number[]);
  }
}

/** A growing list of names, compared and copied where they are held. */
export class HeldNames {
  #store = new NameStore();
  // The store the last copy left, emptied and filled by the next one: a
  // small limit (a page of 50) copies every few dozen names.
  #spare: NameStore | undefined;

  /** How many names are held. */
  get count(): number {
    return this.#store.count;
  }

  /** Adds a name at the end. */
  push(name: string): void {
    this.#store.push(name);
  }

  /**
   * Compares the names at `a` and `b` by UTF-16 code units (the order of
   * `<` on strings).
   */
  readonly compare = (a: number, b: number): number =>
    this.#store.compare(a, b);

  /** The name at `index`, as a string. */
  name(index: number): string {
    return this.#store.name(index);
  }

  /**
   * The indices of the names held, in the order they were added: in
   * `reuse` if it has room (a fresh buffer costs its page faults).
   */
  indices(reuse?: Int32Array): Int32Array {
    const count = this.#store.count;
    const indices = reuse !== undefined && reuse.length >= count
      ? reuse.subarray(0, count)
      : new Int32Array(count);
    for (let i = 0; i < count; i++) indices[i] = i;
    return indices;
  }

  /**
   * Keeps the names at `indices` (in that order) and drops the others, a
   * slice at a time: it pauses (yields) after copying
   * {@linkcode COPY_SLICE} names. Names may be added meanwhile; once the
   * others are copied, those `later` returns (indices among the names
   * added since it started) are kept too.
   */
  *keepOnlySteps(
    indices: Int32Array,
    later: () => number[],
  ): Generator<void, void> {
    const from = this.#store;
    const to = this.#spare ?? new NameStore();
    to.clear();
    for (let i = 0; i < indices.length; i++) {
      to.pushFrom(from, indices[i]);
      if ((i + 1) % COPY_SLICE === 0) yield;
    }
    for (const index of later()) to.pushFrom(from, index);
    this.#store = to;
    this.#spare = from;
  }

  /** Every name held, as strings, in the order held (sharing the event loop). */
  async names(): Promise<string[]> {
    const names = new Array<string>(this.#store.count);
    for (let i = 0; i < names.length; i++) {
      names[i] = this.#store.name(i);
      if ((i & 4095) === 4095) await shareLoop();
    }
    return names;
  }
}
