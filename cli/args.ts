/**
 * Command-line parsing for the multispool CLI: flags, spans of time, and the
 * usage error that every parsing problem becomes.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** A mistake in how the command was called; the CLI exits with 2. */
export class UsageError extends Error {
  /** @param message What was wrong, in one line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags of one subcommand, in `node:util` `parseArgs` form. */
export type FlagSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** Parsed flags and positional arguments. */
export interface Parsed {
  /** Flag values by name. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** The positional arguments. */
  positionals: string[];
}

/**
 * Parses `args` against `flags` (plus `--help`), turning every parsing error
 * into a {@linkcode UsageError}.
 */
export function parse(args: string[], flags: FlagSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...flags, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: { ...values }, positionals };
  } catch (error) {
    throw new UsageError(parseProblem(error as Error));
  }
}

/**
 * `parseArgs`'s complaint in one line of our own words: its message for an
 * unknown option runs over two lines and leaves a quote open.
 */
function parseProblem(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    return `unknown option ${option} (an argument that starts with "-" goes after "--": -- ${option})`;
  }
  return error.message.replace(/\s*\n\s*/g, " ");
}

/** Takes exactly `names.length` positionals, or throws a usage error. */
export function positionals(parsed: Parsed, names: string[]): string[] {
  const got = parsed.positionals;
  if (got.length < names.length) {
    throw new UsageError(`missing ${names.slice(got.length).join(" ")}`);
  }
  if (got.length > names.length) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(got[names.length])}`,
    );
  }
  return got;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a span of time such as `500ms`, `90s`, `10m`, `1h`, `2d` or
 * `1h30m`, in milliseconds.
 */
export function parseSpan(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  const joined = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || joined !== text) {
    throw new UsageError(
      `${flag}: ${
        JSON.stringify(text)
      } is not a span of time (use units: 500ms, 90s, 10m, 1h, 2d)`,
    );
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit], 0);
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses a point in time written in ISO 8601: a day alone (`2027-01-01`,
 * midnight UTC), or with a time of day: `2026-12-01T09:30:00Z`,
 * `2026-12-01T10:30+01:00`, or without an offset `2026-12-01T09:30` (this
 * host's time zone).
 */
export function parseTime(text: string, flag: string): Date {
  const match = ISO_TIME.exec(text);
  const date = new Date(text);
  if (match !== null && !Number.isNaN(date.getTime())) {
    const [, year, month, day, hour, minute, second] = match.map((part) =>
      Number(part ?? 0)
    );
    // The parser turns 2026-02-30 into March 2; say no instead.
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (
      calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day &&
      hour < 24 && minute < 60 && second < 60
    ) {
      return date;
    }
  }
  throw new UsageError(
    `${flag}: ${
      JSON.stringify(text)
    } is not an ISO 8601 time (like 2027-01-01, midnight UTC; 2026-12-01T09:30:00Z; or 2026-12-01T10:30+01:00)`,
  );
}

/** Parses a non-negative integer flag. */
export function parseCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(
      `${flag}: ${JSON.stringify(text)} is not a whole number`,
    );
  }
  return Number(text);
}

/** The string value of a flag, if given. */
export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** The span of time a flag gives, in milliseconds, if given. */
export function spanFlag(parsed: Parsed, name: string): number | undefined {
  const text = stringFlag(parsed, name);
  return text === undefined ? undefined : parseSpan(text, `--${name}`);
}

/** The non-negative integer a flag gives, if given. */
export function countFlag(parsed: Parsed, name: string): number | undefined {
  const text = stringFlag(parsed, name);
  return text === undefined ? undefined : parseCount(text, `--${name}`);
}

/** The values of a repeatable string flag. */
export function stringsFlag(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value.map(String) : [];
}

/** Whether a boolean flag is set. */
export function boolFlag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Parses a size in bytes: `4096`, `64K`, `64KiB`, `1M`, `1MiB`, `1G`. */
export function parseBytes(text: string, flag: string): number {
  const match = /^(\d+)([a-zA-Z]*)$/.exec(text);
  const unit = match === null ? undefined : BYTE_UNITS[match[2].toLowerCase()];
  if (match === null || unit === undefined) {
    throw new UsageError(
      `${flag}: ${
        JSON.stringify(text)
      } is not a size (use bytes, or units: 64K, 64KiB, 1M, 1MiB)`,
    );
  }
  return Number(match[1]) * unit;
}
