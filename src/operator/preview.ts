/**
 * A bounded look at a payload: its first bytes, read from a stream that is
 * then cancelled (a 200 MB payload costs the same as a small one), shown
 * as JSON indented, as text when it is UTF-8 text, else as bytes for a hex
 * dump or base64.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { DataFile } from "../data_file.ts";
import { EntryNotFoundError } from "../errors.ts";

/**
 * What a preview found in a payload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Preview, previewOfBytes } from "@multispool/multispool/operator";
 *
 * const preview: Preview = previewOfBytes(new TextEncoder().encode('{"a":1}'), 7);
 * assert.equal(preview.kind, "json");
 * ```
 */
export type Preview =
  /** No payload file, or not a regular file: the entry is damaged. */
  | { kind: "missing"; message: string }
  /** Zero bytes. */
  | { kind: "empty"; size: 0 }
  /** A whole payload that is JSON: `text` is it indented. */
  | { kind: "json"; size: number; text: string }
  /** UTF-8 text, whole or its first `shownBytes` of `size`. */
  | { kind: "text"; size: number; shownBytes: number; text: string }
  /** Anything else: its first `bytes` (of `size`). */
  | { kind: "binary"; size: number; bytes: Uint8Array };

/**
 * Reads at most `maxBytes` of a payload and tells what it is.
 *
 * @param data The payload.
 * @param maxBytes The most bytes to read.
 * @returns The preview; `missing` if there is no payload to read.
 */
export async function readPreview(
  data: DataFile<unknown>,
  maxBytes: number,
): Promise<Preview> {
  let size: number;
  let bytes: Uint8Array;
  try {
    size = (await data.stat()).size;
    bytes = size === 0 || maxBytes === 0
      ? new Uint8Array()
      : await readPrefix(data.readable(), Math.min(size, maxBytes));
  } catch (error) {
    return {
      kind: "missing",
      message: error instanceof EntryNotFoundError
        ? "the payload is missing"
        : error instanceof Error
        ? error.message
        : String(error),
    };
  }
  return previewOfBytes(bytes, size);
}

/**
 * What the first `bytes` of a payload of `size` bytes are.
 *
 * @param bytes The first bytes read.
 * @param size The payload's whole size.
 * @returns The preview.
 */
export function previewOfBytes(bytes: Uint8Array, size: number): Preview {
  if (size === 0) return { kind: "empty", size: 0 };
  const cut = bytes.length < size;
  const text = asText(cut ? bytes.subarray(0, wholeCharacters(bytes)) : bytes);
  if (text === undefined) return { kind: "binary", size, bytes };
  if (!cut && /^\s*[[{]/.test(text)) {
    try {
      return {
        kind: "json",
        size,
        text: JSON.stringify(JSON.parse(text), null, 2),
      };
    } catch {
      // Not JSON (or nested too deep to print): shown as text.
    }
  }
  return { kind: "text", size, shownBytes: bytes.length, text };
}

/** Reads at most `limit` bytes from the start of `stream`, then cancels it. */
async function readPrefix(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(limit);
  let got = 0;
  const reader = stream.getReader();
  try {
    while (got < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, limit - got);
      bytes.set(value.subarray(0, take), got);
      got += take;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return bytes.subarray(0, got);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Control characters that make a payload binary rather than text: all but
 * tab, line feed, vertical tab, form feed and carriage return (C1 ones
 * too, which some terminals obey).
 */
// deno-lint-ignore no-control-regex
const BINARY = /[\x00-\x08\x0e-\x1f\x7f-\x9f]/;

/** The bytes as text, if they are UTF-8 text. */
function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = strictUtf8.decode(bytes);
    return BINARY.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** How many leading bytes of `bytes` end on a whole UTF-8 character. */
function wholeCharacters(bytes: Uint8Array): number {
  // Look back at most 3 bytes for the start of the last character.
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Bytes as base64, whatever their number.
 *
 * @param bytes The bytes.
 * @returns Their base64 text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { base64 } from "@multispool/multispool/operator";
 *
 * assert.equal(base64(new Uint8Array([0, 255])), "AP8=");
 * ```
 */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("base64");
}

/**
 * Bytes as a hex dump, 16 a line, with the printable ASCII ones beside.
 * Safe to print or to put in a page: nothing but ASCII letters, digits and
 * punctuation.
 *
 * @param bytes The bytes.
 * @returns The lines of the dump.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexDump } from "@multispool/multispool/operator";
 *
 * assert.deepEqual(hexDump(new Uint8Array([0x48, 0x69, 0, 0xff])), [
 *   "00000000  48 69 00 ff                                       |Hi..|",
 * ]);
 * ```
 */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0"));
    const text = [...row].map((b) =>
      b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."
    ).join("");
    lines.push(
      `${at.toString(16).padStart(8, "0")}  ${
        hex.slice(0, 8).join(" ").padEnd(23)
      }  ${hex.slice(8).join(" ").padEnd(23)}  |${text}|`,
    );
  }
  return lines;
}
