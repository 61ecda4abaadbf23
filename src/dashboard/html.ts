/**
 * HTML built by one tagged template that escapes everything interpolated:
 * text from producers (entry names, metadata, payloads, recorded errors)
 * can never become markup. Internal.
 *
 * @module
 */

/** Markup that is already safe: made by {@linkcode markup} or a helper here. */
export class Html {
  /** The markup. */
  readonly text: string;

  /** @param text Markup known to be safe. */
  constructor(text: string) {
    this.text = text;
  }

  /** The markup, for a response body. */
  toString(): string {
    return this.text;
  }
}

/** What may be interpolated: text (escaped), numbers, markup, lists. */
export type HtmlValue =
  | Html
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and for attribute values in quotes (both
 * kinds): `&`, `<`, `>`, `"` and `'`.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/**
 * The tag of every template of the dashboard: the literal parts are markup,
 * every interpolated value is escaped unless it is {@linkcode Html}. Write
 * attributes in double quotes (`href="${url}"`).
 */
export function markup(
  strings: TemplateStringsArray,
  ...values: HtmlValue[]
): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + strings[i + 1];
  }
  return new Html(out);
}

/**
 * What must not reach the page as it is, even escaped: control characters
 * (C0 but tab and newline, DEL, C1), line and paragraph separators, and the
 * invisible marks that reorder text (bidirectional overrides and isolates),
 * with which a name could pass for another. The same set as the CLI's.
 */
const INVISIBLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** The same, newlines and tabs included: for text on one line. */
const INVISIBLE_ON_ONE_LINE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ??
    (code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`);
}

/**
 * Text from the spool made visible: control characters and invisible
 * reordering marks become escapes (`\x1b`, `\u202e`); with `oneLine`,
 * newlines and tabs too. Escape the result for HTML as any text.
 */
export function visible(text: string, oneLine = true): string {
  return text.replace(oneLine ? INVISIBLE_ON_ONE_LINE : INVISIBLE, escapeChar);
}

/**
 * Text from the spool for one line: made {@linkcode visible}, then cut to
 * `max` characters with an ellipsis.
 */
export function clipText(text: string, max: number): string {
  const flat = visible(text);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
