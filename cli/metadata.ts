/**
 * Metadata as the command reads it: the stored text, which is JSON when
 * the library's default codec wrote it. `--json` output carries it parsed,
 * `--where` and `stats --group-by` look into its fields.
 *
 * @module
 */

/** Metadata text, parsed if it is JSON. */
export type ParsedMetadata =
  | { json: true; value: unknown }
  | { json: false };

/** Parses metadata text as JSON, if it is JSON. */
export function parseMetadata(text: string): ParsedMetadata {
  try {
    return { json: true, value: JSON.parse(text) };
  } catch {
    return { json: false };
  }
}

/**
 * How `--json` output carries metadata: `metadata` is the parsed value when
 * the text is JSON (`metadataJson: true`), else the text as a string
 * (`metadataJson: false`).
 */
export function metadataFields(
  text: string,
): { metadata: unknown; metadataJson: boolean } {
  const parsed = parseMetadata(text);
  return parsed.json
    ? { metadata: parsed.value, metadataJson: true }
    : { metadata: text, metadataJson: false };
}

/**
 * A field path as written on the command line: `to`, `to.domain`,
 * `rcpt.0`. Empty segments are refused by the caller.
 */
export function fieldPath(text: string): string[] {
  return text.split(".");
}

/**
 * The value at `path` in a parsed metadata value, or `undefined` when a
 * step is missing (or steps into something that is not an object or an
 * array).
 */
export function fieldAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * A field's value as text, to compare with `--where FIELD=VALUE` and to
 * group by: a string as it is, anything else as compact JSON; `undefined`
 * stays `undefined` (no such field).
 */
export function fieldText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
