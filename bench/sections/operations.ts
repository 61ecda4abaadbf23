// Day-two operations at scale: `multispool retry --all` against
// `multispool mv --all` on a queue of dead letters in a spool of many
// entries, each run as a user runs it (the CLI as a process, strict
// durability), side by side, alternating which goes first.
//
// Each round fills a fresh spool (not timed): entries waiting in `jobs`,
// and the same number of dead letters, each with the history a retry
// policy leaves (3 failed attempts), in two queues `deadA` and `deadB`.
// Then `mv SPOOL deadA held --all` and `retry SPOOL deadB --all` (to the
// queue of each entry's last failure, `jobs`: the history is read to know
// it) are timed. A retry does what a move does, and also reads and
// replaces each entry's registry file (its history): one more file written
// per entry.

import type { Bench } from "../lib/context.ts";
import { denoWorker, ROOT, runGroup } from "../lib/proc.ts";

const SECTION = "Operations on a live spool (CLI, strict)";

/** The spool's size and its dead letters, by run. */
const SIZES = {
  full: { total: 100_000, dead: 10_000, rounds: 3 },
  quick: { total: 2_000, dead: 500, rounds: 1 },
};

/** Runs the CLI as a process; its wall time in milliseconds. */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      `${ROOT}/cli/main.ts`,
      ...args,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - started;
  if (code !== 0) {
    throw new Error(
      `multispool ${args[0]} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return ms;
}

/** Measures retry --all against mv --all; records rows and their ratio. */
export async function operationsSection(bench: Bench): Promise<void> {
  const { results } = bench;
  const { total, dead, rounds } = bench.quick ? SIZES.quick : SIZES.full;
  const others = total - 2 * dead;
  bench.log(
    `operations: retry --all and mv --all of ${dead} dead letters among ${total} entries`,
  );
  const moved: number[] = [];
  const retried: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const dir = bench.dir(`operations-${round}`);
    await runGroup(
      [denoWorker("dead_letters.ts", [dir, others, dead, "deadA", "deadB"])],
      [],
      1_800_000,
    );
    await new Deno.Command("sync").output();
    const move = () => timed(["mv", dir, "deadA", "held", "--all"]);
    const retry = () => timed(["retry", dir, "deadB", "--all"]);
    if (round % 2 === 0) {
      moved.push(await move());
      retried.push(await retry());
    } else {
      retried.push(await retry());
      moved.push(await move());
    }
  }
  const what = `${dead.toLocaleString("en-US")} dead letters of ${
    total.toLocaleString("en-US")
  }`;
  results.row(SECTION, what, "mv --all", "s", moved.map((ms) => ms / 1000));
  results.row(
    SECTION,
    what,
    "retry --all",
    "s",
    retried.map((ms) => ms / 1000),
  );
  const ratio = results.ratio(
    SECTION,
    "retry --all / mv --all",
    retried,
    moved,
  );
  results.target(
    "retry --all about as long as mv --all",
    ratio.value,
    "x",
    "<",
    2,
    `${what}, CLI processes, strict durability`,
  );
}
