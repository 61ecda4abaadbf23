/**
 * Output helpers for the CLI: aligned tables, JSON, and text from the spool
 * (names, metadata, recorded error messages) made safe to print.
 *
 * @module
 */

/**
 * What may not reach a terminal as it is: C0 and C1 control characters
 * (escape sequences start with ESC or with the C1 CSI), DEL, line and
 * paragraph separators, and the invisible marks that reorder text
 * (bidirectional overrides and isolates).
 */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** The same, less the C0 controls, which `JSON.stringify` escapes itself. */
const UNSAFE_IN_JSON =
  /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function hex(char: string, digits: number): string {
  return char.charCodeAt(0).toString(16).padStart(digits, "0");
}

/**
 * Text from the spool, safe to print: every control character is written as
 * an escape (`\n`, `\t`, `\x1b`, `\u202e`), so that a name, metadata or
 * an error message recorded by a handler cannot move the cursor, retitle
 * the terminal, fake a line of output or reorder what is shown.
 */
export function escapeText(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => SHORT[c] ?? (c <= "\xff" ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/**
 * Styles a cell of a table (colour on a terminal): given the cell's text,
 * its column, and its row (-1 for the header). It must not change the
 * text's visible width.
 */
export type CellStyle = (cell: string, column: number, row: number) => string;

/**
 * Prints rows as a table with a header, columns aligned (plain text: no
 * colour unless `style` adds it, which is for terminals).
 */
export function printTable(
  headers: string[],
  rows: string[][],
  style?: CellStyle,
): void {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[], row: number) =>
    cells.map((cell, i) => {
      const shown = style === undefined ? cell : style(cell, i, row);
      return i === cells.length - 1
        ? shown
        : shown + " ".repeat(widths[i] - cell.length);
    }).join("  ").trimEnd();
  console.log(line(headers, -1));
  rows.forEach((row, i) => console.log(line(row, i)));
}

/**
 * A value as JSON (indented by `indent` spaces, or on one line), with the
 * control characters that `JSON.stringify` leaves as they are (DEL, C1,
 * separators, bidirectional marks) escaped too: still the same JSON.
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${hex(c, 4)}`,
  );
}

/** Prints a value as indented JSON. */
export function printJson(value: unknown): void {
  console.log(toJson(value, 2));
}

/**
 * Prints a value as one line of JSON: a record of a stream (NDJSON), for
 * `--watch` modes and `tail`.
 */
export function printJsonLine(value: unknown): void {
  console.log(toJson(value));
}

/** {@linkcode UNSAFE}, less line feeds and tabs, which a body may keep. */
const UNSAFE_IN_BODY =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text of several lines from the spool (a payload shown as text), safe to
 * print: like {@linkcode escapeText}, but line feeds and tabs are kept.
 */
export function escapeBody(text: string): string {
  return text.replace(
    UNSAFE_IN_BODY,
    (c) => SHORT[c] ?? (c <= "\xff" ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/**
 * Shortens text to `max` characters, on one line: runs of white space
 * become one space, and other control characters are escaped (see
 * {@linkcode escapeText}).
 */
export function clip(text: string, max: number): string {
  const flat = escapeText(text.replace(/\s+/g, " "));
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A byte count for people: 512 B, 1.5 KiB, 3.0 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
