/**
 * Checks of the arguments a program passes, in one message pattern (that of
 * the Deno standard library's `async/retry.ts`):
 * `Cannot ACTION as 'OPTION' must be REQUIREMENT: received VALUE`.
 * A value of the wrong type is a `TypeError`; a value of the right type
 * that is out of range is a `RangeError`. Internal.
 *
 * @module
 */

/**
 * A `RangeError` for `option`, whose value `value` is not `requirement`.
 *
 * @param action What could not be done, as a verb phrase ("open reader").
 * @param option The option's name.
 * @param requirement What the value must be ("a positive integer").
 * @param value The value received.
 * @returns The error, to throw.
 */
export function rangeError(
  action: string,
  option: string,
  requirement: string,
  value: unknown,
): RangeError {
  return new RangeError(message(action, option, requirement, show(value)));
}

/**
 * Throws a `TypeError` unless `value` is a number, and a `RangeError` unless
 * it is an integer of at least 1.
 */
export function checkPositiveInteger(
  action: string,
  option: string,
  value: unknown,
): void {
  checkNumber(action, option, value);
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw rangeError(action, option, "a positive integer", value);
  }
}

/**
 * Throws a `TypeError` unless `value` is a number, and a `RangeError` unless
 * it is greater than 0 (and not NaN).
 */
export function checkPositiveNumber(
  action: string,
  option: string,
  value: unknown,
): void {
  checkNumber(action, option, value);
  if (!((value as number) > 0)) {
    throw rangeError(action, option, "a positive number", value);
  }
}

/**
 * Throws a `TypeError` unless `value` is a number, and a `RangeError` unless
 * it is 0 or more (and not NaN).
 */
export function checkNonNegativeNumber(
  action: string,
  option: string,
  value: unknown,
): void {
  checkNumber(action, option, value);
  if (!((value as number) >= 0)) {
    throw rangeError(action, option, "a number >= 0", value);
  }
}

/**
 * Throws a `TypeError` unless `value` is a string, and a `RangeError` unless
 * it is one of `allowed`.
 */
export function checkOneOf(
  action: string,
  option: string,
  value: unknown,
  allowed: readonly string[],
): void {
  const requirement = allowed.map((a) => JSON.stringify(a)).join(" or ");
  if (typeof value !== "string") {
    throw new TypeError(message(action, option, requirement, show(value)));
  }
  if (!allowed.includes(value)) {
    throw rangeError(action, option, requirement, value);
  }
}

/**
 * Throws a `TypeError` unless `value` is a string, and a `RangeError` if it
 * is empty.
 */
export function checkNonEmptyString(
  action: string,
  option: string,
  value: unknown,
): void {
  if (typeof value !== "string") {
    throw new TypeError(message(action, option, "a string", show(value)));
  }
  if (value.length === 0) {
    throw rangeError(action, option, "a non-empty string", value);
  }
}

function checkNumber(action: string, option: string, value: unknown): void {
  if (typeof value !== "number") {
    throw new TypeError(message(action, option, "a number", show(value)));
  }
}

/**
 * The message of an argument error, with what was received already put in
 * words (`show` does it for a plain value).
 */
export function message(
  action: string,
  option: string,
  requirement: string,
  received: string,
): string {
  return `Cannot ${action} as '${option}' must be ${requirement}: received ${received}`;
}

/** A value as the message shows it: strings quoted, objects by kind. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") {
    return typeof value === "function" ? "a function" : String(value);
  }
  return Array.isArray(value) ? "an array" : "an object";
}
