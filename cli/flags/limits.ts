/**
 * The monitor's limit flags, shared by `check`, `repair`, `monitor`,
 * `stats` and `serve`, turned into the monitor's options. The defaults
 * shown are the library's.
 *
 * @module
 */

import {
  DEFAULT_LIMITS,
  type MonitorLimits,
  type MonitorOptions,
} from "../../monitor.ts";
import { formatAge } from "../../operator.ts";
import {
  boolFlag,
  type FlagSpec,
  type Parsed,
  parseSpan,
  spanFlag,
  stringsFlag,
  UsageError,
} from "../args.ts";

/** The monitor's limit flags, shared by `check`, `repair`, `monitor`, `stats`. */
export const LIMIT_FLAGS: FlagSpec = {
  "max-checked-out-age": { type: "string" },
  "max-tmp-file-age": { type: "string" },
  "max-age": { type: "string", multiple: true },
  "work-in-progress": { type: "string" },
  "decode-json": { type: "boolean" },
};

/** The limit flags, for `--help`. */
export const LIMIT_HELP =
  `  --max-checked-out-age SPAN  a checkout older than this is too old (${
    formatAge(DEFAULT_LIMITS.maxCheckedOutAgeMs)
  })
  --max-tmp-file-age SPAN     a file in .tmp/ older than this is too old (${
    formatAge(DEFAULT_LIMITS.maxTmpFileAgeMs)
  })
  --max-age QUEUE=SPAN        an entry waiting in QUEUE longer than this is too
                              old (repeatable; no limit by default)
  --work-in-progress SPAN     orphaned or duplicated files changed within this
                              are work in progress, not problems (${
    formatAge(DEFAULT_LIMITS.workInProgressMs)
  })
  --decode-json               read every entry's metadata and report as damaged
                              what is not JSON (the library's default codec)`;

/** The monitor's limits from the limit flags. */
export function limitsFrom(parsed: Parsed): MonitorLimits {
  const limits: MonitorLimits = {};
  const checkedOut = spanFlag(parsed, "max-checked-out-age");
  if (checkedOut !== undefined) limits.maxCheckedOutAgeMs = checkedOut;
  const tmp = spanFlag(parsed, "max-tmp-file-age");
  if (tmp !== undefined) limits.maxTmpFileAgeMs = tmp;
  const busy = spanFlag(parsed, "work-in-progress");
  if (busy !== undefined) limits.workInProgressMs = busy;
  for (const pair of stringsFlag(parsed, "max-age")) {
    const match = /^([^=]+)=(.+)$/.exec(pair);
    if (match === null) {
      throw new UsageError(`--max-age: expected QUEUE=SPAN, got ${pair}`);
    }
    limits.maxQueueAgesMs ??= {};
    limits.maxQueueAgesMs[match[1]] = parseSpan(match[2], "--max-age");
  }
  return limits;
}

/** The monitor's options from the command line. */
export function monitorOptions(parsed: Parsed): MonitorOptions {
  return {
    limits: limitsFrom(parsed),
    ...(boolFlag(parsed, "decode-json")
      ? { metadata: { decode: (text: string) => JSON.parse(text) } }
      : {}),
  };
}
