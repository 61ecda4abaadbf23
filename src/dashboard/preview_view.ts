/**
 * A payload's preview as the entry page and the API show it: the operator
 * layer's preview, with a binary payload's first bytes as a hex dump (at
 * most {@linkcode HEX_BYTES}). Internal.
 *
 * @module
 */

import { hexDump, type Preview } from "../operator/preview.ts";

/** How many bytes of a binary payload the hex dump shows at most. */
export const HEX_BYTES = 4096;

/** What the entry page shows of a payload. */
export type PreviewView =
  /** No payload file: the entry is damaged. */
  | { kind: "missing"; message: string }
  /** Zero bytes. */
  | { kind: "empty"; size: 0 }
  /** A whole payload that is JSON, indented. */
  | { kind: "json"; size: number; text: string }
  /** UTF-8 text, whole or its beginning (`shown` bytes of `size`). */
  | { kind: "text"; size: number; shown: number; text: string }
  /** Anything else: a hex dump of its first `shown` bytes. */
  | { kind: "binary"; size: number; shown: number; hex: string };

/** A preview as the page and the API show it. */
export function previewView(preview: Preview): PreviewView {
  switch (preview.kind) {
    case "missing":
    case "empty":
    case "json":
      return preview;
    case "text":
      return {
        kind: "text",
        size: preview.size,
        shown: preview.shownBytes,
        text: preview.text,
      };
    case "binary": {
      const shown = Math.min(preview.bytes.length, HEX_BYTES);
      return {
        kind: "binary",
        size: preview.size,
        shown,
        hex: hexDump(preview.bytes.subarray(0, shown)).join("\n"),
      };
    }
  }
}
