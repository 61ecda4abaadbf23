/**
 * Metadata as operators' tools read it: the stored text, which is JSON
 * when the library's default codec wrote it. Filters and groupings look
 * into its fields by a dotted path.
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
 * A field path as written by people: `to`, `to.domain`, `rcpt.0`.
 *
 * @param text The dotted path.
 * @returns Its steps.
 * @throws {SyntaxError} If a step is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fieldPath } from "@multispool/multispool/operator";
 *
 * assert.deepEqual(fieldPath("to.domain"), ["to", "domain"]);
 * assert.throws(() => fieldPath("to..x"), SyntaxError);
 * ```
 */
export function fieldPath(text: string): string[] {
  const path = text.split(".");
  if (path.some((step) => step === "")) {
    throw new SyntaxError(
      `${JSON.stringify(text)} is not a field path (like to.domain)`,
    );
  }
  return path;
}

/**
 * The value at `path` in parsed metadata, or `undefined` when a step is
 * missing (or steps into something that is not an object or an array).
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
 * A field's value as text, to compare and to group by: a string as it is,
 * anything else as compact JSON; `undefined` stays `undefined`.
 */
export function fieldText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The value of the field at `path` of metadata text, as text (see
 * {@linkcode fieldText}); `undefined` if the metadata is not JSON or has
 * no such field.
 */
export function metadataField(
  text: string,
  path: readonly string[],
): string | undefined {
  const parsed = parseMetadata(text);
  return parsed.json ? fieldText(fieldAt(parsed.value, path)) : undefined;
}
