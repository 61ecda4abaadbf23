// Running the multispool command as a user does: a child process with read
// and write access to one directory only.

import assert from "node:assert/strict";
import {
  type ChildResult,
  lines,
  runDeno,
  type RunningChild,
  scopedTo,
  startDeno,
} from "./children.ts";

/** `deno run` arguments for `multispool ARGS` with access to `dir` only. */
function cliArgs(dir: string, args: string[]): string[] {
  return ["run", "--quiet", "--no-prompt", ...scopedTo(dir), "cli/main.ts"]
    .concat(args);
}

/** Runs `multispool ARGS` with access to `dir` only. */
export function cli(
  dir: string,
  args: string[],
  options: { stdin?: string } = {},
): Promise<ChildResult> {
  return runDeno(cliArgs(dir, args), options);
}

/** Runs `multispool ARGS`, expects exit code 0, and returns stdout. */
export async function ok(dir: string, args: string[]): Promise<string> {
  const r = await cli(dir, args);
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/**
 * `multispool COMMAND --help` (no spool, no permissions): expects exit
 * code 0 and returns the help.
 */
export async function help(command: string): Promise<string> {
  const r = await runDeno(["run", "--quiet", "cli/main.ts", command, "--help"]);
  assert.equal(r.code, 0, command);
  return r.stdout;
}

/** The table `multispool ls DIR QUEUE` prints, read by its columns. */
export interface LsTable {
  /** Every line: the header, a row per entry, the totals line. */
  lines: string[];
  /** Each entry's row, by its name. */
  rows: Map<string, string>;
  /** The cell of `row` under `header`. */
  cell(row: string, header: string): string;
}

/** Runs `multispool ls DIR QUEUE` and checks its header row. */
export async function lsTable(dir: string, queue: string): Promise<LsTable> {
  const table = lines(await ok(dir, ["ls", dir, queue]));
  assert.match(
    table[0],
    /^NAME\s+ARRIVED\s+AGE\s+DUE\s+ATTEMPTS\s+LAST-ERROR\s+DATA\s+METADATA$/,
  );
  const column = (header: string) => table[0].indexOf(header);
  return {
    lines: table,
    rows: new Map(table.slice(1, -1).map((row) => [row.split(" ")[0], row])),
    cell: (row, header) => row.slice(column(header)).split(/\s{2,}/)[0],
  };
}

/** Starts `multispool ARGS` (a command that runs until stopped). */
export function startCli(dir: string, args: string[]): RunningChild {
  return startDeno(cliArgs(dir, args));
}
