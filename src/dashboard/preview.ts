/**
 * A payload's beginning, for people: JSON pretty-printed, text as it is,
 * anything else in hex. Only the first bytes are read, from a stream that
 * is then cancelled: a payload of any size costs at most the preview.
 * Internal.
 *
 * @module
 */

import type { ViewEntry } from "./spool_view.ts";

/** How many bytes of a binary payload the hex dump shows at most. */
export const HEX_BYTES = 4096;

/** What the entry page shows of a payload. */
export type Preview =
  /** No payload file: the entry is damaged. */
  | { kind: "missing"; message: string }
  /** Zero bytes. */
  | { kind: "empty"; size: number }
  /** A whole payload that is JSON, indented. */
  | { kind: "json"; size: number; text: string }
  /** UTF-8 text, whole or its beginning (`shown` bytes of `size`). */
  | { kind: "text"; size: number; shown: number; text: string }
  /** Anything else: a hex dump of its first `shown` bytes. */
  | { kind: "binary"; size: number; shown: number; hex: string };

/** Reads at most `limit` bytes from the start of `stream`, then cancels it. */
export async function readPrefix(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at === bytes.length) break;
  }
  return bytes;
}

/** Control characters but white space (C1 too): not text to show. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f-\x9f]/;

/** The bytes as text, or undefined if they are not UTF-8 text. */
function asText(bytes: Uint8Array, cut: boolean): string | undefined {
  try {
    // Cut short, the last character may be cut in two: `stream` keeps it.
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, {
      stream: cut,
    });
    return CONTROL.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** A classic hex dump: offset, 16 bytes in hex, the same as ASCII. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = Array.from(
      row,
      (b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".",
    ).join("");
    lines.push(
      `${at.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${
        right.padEnd(23)
      }  |${ascii}|`,
    );
  }
  return lines.join("\n");
}

/**
 * The preview of an entry's payload: at most `limit` bytes are read (and
 * at most {@linkcode HEX_BYTES} shown in hex).
 */
export async function previewOf(
  entry: ViewEntry,
  limit: number,
): Promise<Preview> {
  const data = entry.direct.dataFile();
  let size: number;
  let bytes: Uint8Array;
  try {
    size = (await data.stat()).size;
    bytes = await readPrefix(data.readable(), limit);
  } catch (error) {
    return {
      kind: "missing",
      message: error instanceof Error ? error.message : String(error),
    };
  }
  if (bytes.length === 0) return { kind: "empty", size };
  const cut = bytes.length < size;
  const text = asText(bytes, cut);
  if (text === undefined) {
    const shown = Math.min(bytes.length, HEX_BYTES);
    return {
      kind: "binary",
      size,
      shown,
      hex: hexDump(bytes.subarray(0, shown)),
    };
  }
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
  return { kind: "text", size, shown: bytes.length, text };
}
