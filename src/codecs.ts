/**
 * Codecs: how metadata becomes text and how payloads become bytes.
 *
 * @module
 */

/**
 * Turns metadata into the text of an entry's queue file and back. Metadata is
 * meant to be small: it is read on every checkout.
 *
 * @typeParam M The metadata type.
 *
 * @example A codec for a plain string
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetadataCodec } from "@multispool/multispool";
 *
 * const recipient: MetadataCodec<string> = {
 *   encode: (to) => to,
 *   decode: (text) => text,
 * };
 * assert.equal(recipient.encode("ops@example.com"), "ops@example.com");
 * assert.equal(recipient.decode(recipient.encode("a@b")), "a@b");
 * ```
 */
export interface MetadataCodec<M> {
  /** Returns the text stored for `metadata`; may throw to refuse it. */
  encode(metadata: M): string;
  /** Parses stored text; throws if the text is not valid metadata. */
  decode(text: string): M;
}

/**
 * What a {@linkcode DataCodec} may hand over to be written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DataCodec, type EncodedData, Spool } from "@multispool/multispool";
 *
 * // Small payloads as text, large ones streamed from where they are.
 * const report: DataCodec<{ text: string } | { file: ReadableStream<Uint8Array> }> = {
 *   encode: (value): EncodedData => "text" in value ? value.text : value.file,
 *   decode: (bytes) => ({ text: new TextDecoder().decode(bytes) }),
 * };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"], data: report });
 * const small = await spool.enqueue("q", {}, { text: "short" });
 * const large = await spool.enqueue("q", {}, {
 *   file: ReadableStream.from([new Uint8Array(1024).fill(65)]),
 * });
 * assert.deepEqual(await small.direct.dataFile().load(), { text: "short" });
 * assert.equal((await large.direct.dataFile().stat()).size, 1024);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type EncodedData = Uint8Array | string | ReadableStream<Uint8Array>;

/**
 * Turns a payload into bytes and back. `encode` may return a stream, so that
 * a large payload is written without being held in memory; `decodeStream`,
 * when present, lets `load` read one without buffering it.
 *
 * @typeParam D The payload type.
 *
 * @example A codec for numbers stored as decimal text
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DataCodec } from "@multispool/multispool";
 *
 * const decimal: DataCodec<number> = {
 *   encode: (n) => String(n),
 *   decode: (bytes) => Number(new TextDecoder().decode(bytes)),
 * };
 * assert.equal(await decimal.encode(42), "42");
 * assert.equal(await decimal.decode(new TextEncoder().encode("42")), 42);
 * ```
 */
export interface DataCodec<D> {
  /**
   * Returns what to store for `value`: bytes, text (stored as UTF-8) or a
   * stream of bytes; or a promise of bytes or text.
   */
  encode(
    value: D,
  ): EncodedData | Promise<Uint8Array | string>;
  /** Decodes the whole stored payload; throws if it is not valid. */
  decode(bytes: Uint8Array): D | Promise<D>;
  /**
   * If present, `load` passes the open payload as a stream here instead of
   * reading it whole and calling `decode`.
   */
  decodeStream?(stream: ReadableStream<Uint8Array>): D | Promise<D>;
}

/**
 * Metadata as JSON text; the default metadata codec.
 *
 * @typeParam M The metadata type (anything `JSON.stringify` round-trips).
 * @returns A codec using `JSON.stringify` and `JSON.parse`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonMetadata, Spool } from "@multispool/multispool";
 *
 * interface Mail { to: string; attempts: number }
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["active"],
 *   metadata: jsonMetadata<Mail>(),
 * });
 * const entry = await spool.enqueue("active", { to: "a@example.com", attempts: 0 }, new Uint8Array());
 * assert.equal(
 *   await Deno.readTextFile(`${dir}/active/${entry.name}`),
 *   '{"to":"a@example.com","attempts":0}',
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function jsonMetadata<M>(): MetadataCodec<M> {
  return {
    encode(metadata) {
      const text = JSON.stringify(metadata);
      if (typeof text !== "string") {
        throw new TypeError(`${typeof metadata} has no JSON form`);
      }
      return text;
    },
    decode: (text) => JSON.parse(text) as M,
  };
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Payloads as raw bytes; the default data codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytesData } from "@multispool/multispool";
 *
 * const bytes = new Uint8Array([1, 2, 3]);
 * assert.equal(bytesData.encode(bytes), bytes);
 * assert.deepEqual(bytesData.decode(bytes), new Uint8Array([1, 2, 3]));
 * ```
 */
export const bytesData: DataCodec<Uint8Array> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};

/**
 * Payloads as UTF-8 text; decoding invalid UTF-8 fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DecodeError, Spool, textData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"], data: textData });
 * const entry = await spool.enqueue("q", {}, "hello");
 * assert.equal(await entry.direct.dataFile().load(), "hello");
 * await Deno.writeFile(`${dir}/.data/${entry.name}`, new Uint8Array([0xff]));
 * await assert.rejects(entry.direct.dataFile().load(), DecodeError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const textData: DataCodec<string> = {
  encode: (value) => value,
  decode: (bytes) => strictUtf8.decode(bytes),
};

/**
 * Payloads as JSON text.
 *
 * @typeParam T The payload type.
 * @returns A codec using `JSON.stringify` and `JSON.parse`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonData } from "@multispool/multispool";
 *
 * const codec = jsonData<{ url: string }>();
 * const bytes = new TextEncoder().encode('{"url":"https://example.com/hook"}');
 * assert.equal((await codec.decode(bytes)).url, "https://example.com/hook");
 * assert.deepEqual(await codec.decode(await codec.encode({ url: "x" }) as Uint8Array), { url: "x" });
 * ```
 */
export function jsonData<T>(): DataCodec<T> {
  const metadata = jsonMetadata<T>();
  return {
    encode: (value) => utf8.encode(metadata.encode(value)),
    decode: (bytes) => metadata.decode(strictUtf8.decode(bytes)),
  };
}

/**
 * Payloads as streams of bytes, for large payloads: `enqueue` writes the
 * stream to disk chunk by chunk, and `load` returns an open stream of the
 * file that the caller must read to the end or cancel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, streamData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"], data: streamData });
 * const entry = await spool.enqueue("q", {}, ReadableStream.from([new Uint8Array(8)]));
 * const stream = await entry.direct.dataFile().load(); // open, not read yet
 * assert.equal((await new Response(stream).arrayBuffer()).byteLength, 8);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const streamData: DataCodec<ReadableStream<Uint8Array>> = {
  encode: (value) => value,
  decode: (bytes) => ReadableStream.from([bytes]),
  decodeStream: (stream) => stream,
};
