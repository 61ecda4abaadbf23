/**
 * A bounded preview of a payload: its first bytes, read from a stream (a
 * 200 MB payload costs the same as a small one), shown as text when it is
 * UTF-8 text, else as a hex dump or base64.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { DataFile } from "../mod.ts";

/** The first bytes of a payload. */
export interface Preview {
  /** The payload's size. */
  size: number;
  /** Its first bytes, at most the number asked for. */
  bytes: Uint8Array;
  /** Whether the payload is longer than `bytes`. */
  cut: boolean;
}

/**
 * Reads at most `maxBytes` of a payload, from a stream that is cancelled
 * (and the file closed) as soon as they are in.
 *
 * @throws {EntryNotFoundError} If the payload is missing.
 * @throws {DecodeError} If it is not a regular file.
 */
export async function readPreview(
  data: DataFile<unknown>,
  maxBytes: number,
): Promise<Preview> {
  const { size } = await data.stat();
  const want = Math.min(size, maxBytes);
  const bytes = new Uint8Array(want);
  let got = 0;
  if (want > 0) {
    const reader = data.readable().getReader();
    try {
      while (got < want) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = Math.min(value.length, want - got);
        bytes.set(value.subarray(0, take), got);
        got += take;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
  const shown = bytes.subarray(0, got);
  return { size, bytes: shown, cut: size > shown.length };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Control characters that make a payload binary rather than text: all but
 * tab, line feed, vertical tab, form feed and carriage return (C1 ones
 * too, which some terminals obey).
 */
// deno-lint-ignore no-control-regex
const BINARY = /[\x00-\x08\x0e-\x1f\x7f-\x9f]/;

/**
 * The preview as text, if it is UTF-8 text; `undefined` if it is binary. A
 * character cut in two at the end of a preview is dropped.
 */
export function previewText(preview: Preview): string | undefined {
  let bytes = preview.bytes;
  if (preview.cut) bytes = bytes.subarray(0, wholeCharacters(bytes));
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

/** Bytes as base64, whatever their number. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("base64");
}

/**
 * Bytes as a hex dump, 16 a line, with the printable ASCII ones beside:
 * `00000000  48 69 00 ff  |Hi..|`. Safe to print: nothing but ASCII
 * letters, digits and punctuation.
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
