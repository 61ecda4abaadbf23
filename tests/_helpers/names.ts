// Predictable entry names, for tests that compare file trees and operations.

/** A name generator that hands out `prefix` + a zero-padded counter. */
export function counterNames(): {
  next(input: string | undefined, attempt: number): string;
} {
  let n = 0;
  return {
    next: (input) => `${input ?? ""}${String(++n).padStart(4, "0")}`,
  };
}
