// The multispool benchmark (SPEC section 7): one command, a table on stdout,
// JSON in bench/results/latest.json. Every comparison is measured side by
// side in this run, alternating the contenders, median of several rounds.
//
//   deno task bench          full run (about 16 minutes; figures for BENCHMARKS.md)
//   deno task bench:quick    smoke test (well under a minute; judges nothing)
//
// Options: --quick, --only=ops,enqueue,large,latency,schedule,drain,shared,
// --dir=BASE
// (where the scratch directory goes; same disk as the spools you care about).
// "shared" (GlusterFS and sshfs, as root) is left out of quick runs unless
// named.

import { Bench, FULL, QUICK } from "./lib/context.ts";
import {
  describeMachine,
  spreadDirectories,
  waitAfterPreviousRun,
} from "./lib/machine.ts";
import { killAll, parallel, ROOT } from "./lib/proc.ts";
import { findDirqPython } from "./lib/python.ts";
import { render } from "./lib/report.ts";
import { Results } from "./lib/results.ts";
import { drainSection } from "./sections/drain.ts";
import { enqueueSection } from "./sections/enqueue.ts";
import { largeSection } from "./sections/large.ts";
import { latencySection } from "./sections/latency.ts";
import { opsSection } from "./sections/ops.ts";
import { scheduleSection } from "./sections/schedule.ts";
import { sharedSection } from "./sections/shared.ts";

const SECTIONS = [
  "ops",
  "enqueue",
  "large",
  "latency",
  "schedule",
  "drain",
  "shared",
] as const;
type Section = typeof SECTIONS[number];

function parseArgs(args: string[]) {
  let quick = false;
  let only: Set<Section> | undefined;
  let base: string | undefined;
  for (const arg of args) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--only=")) {
      const wanted = arg.slice("--only=".length).split(",");
      for (const name of wanted) {
        if (!(SECTIONS as readonly string[]).includes(name)) {
          throw new Error(`unknown section ${name} (${SECTIONS.join(", ")})`);
        }
      }
      only = new Set(wanted as Section[]);
    } else if (arg.startsWith("--dir=")) base = arg.slice("--dir=".length);
    else throw new Error(`unknown argument ${arg}`);
  }
  only ??= new Set(SECTIONS.filter((s) => !quick || s !== "shared"));
  return { quick, only, base };
}

async function main(): Promise<void> {
  const { quick, only, base } = parseArgs(Deno.args);
  const root = await Deno.makeTempDir({
    dir: base,
    prefix: "multispool-bench-",
  });
  const cleanUp = () => {
    killAll();
    try {
      Deno.removeSync(root, { recursive: true });
    } catch {
      // Already gone.
    }
  };
  // Several removals at once: unlinking files that own blocks waits for
  // the disk (discard), and those waits overlap.
  const cleanUpInParallel = async () => {
    killAll();
    const subdirs = [...Deno.readDirSync(root)].map((item) =>
      `${root}/${item.name}`
    );
    await parallel(
      subdirs.map((path) => () => Deno.remove(path, { recursive: true })),
      4,
    );
    cleanUp();
  };
  const onInterrupt = () => {
    console.error("interrupted: cleaning up");
    cleanUp();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const results = new Results();
  const spread = await spreadDirectories(root);
  const bench = new Bench(quick ? QUICK : FULL, quick, root, results);
  const startedAt = new Date();
  try {
    const machine = await describeMachine(root);
    const dirq = await findDirqPython();
    if (dirq === undefined) {
      results.notes.push(
        "python3-dirq is not installed (apt-get install python3-dirq): its rows are skipped",
      );
    }
    bench.log(`${quick ? "quick" : "full"} run in ${root}`);
    const out = `${ROOT}/bench/results`;
    await waitAfterPreviousRun(bench, `${out}/.cleanup-ended`);
    if (!spread) {
      results.notes.push(
        "chattr +T failed on the scratch directory: spools may land among recently deleted inodes (slow file creation on ext4 without a journal)",
      );
    }
    const load = Deno.loadavg();
    // Sections that delete many files go last (see bench/lib/machine.ts).
    if (only.has("ops")) await opsSection(bench);
    if (only.has("enqueue")) await enqueueSection(bench, dirq);
    if (only.has("large")) await largeSection(bench);
    if (only.has("latency")) await latencySection(bench);
    if (only.has("schedule")) await scheduleSection(bench);
    if (only.has("drain")) await drainSection(bench, dirq);
    if (only.has("shared")) await sharedSection(bench);
    results.notes.push(
      `load average (1 min) at start ${load[0].toFixed(2)}, at end ${
        Deno.loadavg()[0].toFixed(2)
      }, on ${machine.nproc} CPUs`,
    );
    if (quick) {
      results.notes.push(
        "quick mode: short trials, 1k backlogs; a smoke test: its verdicts are indicative only",
      );
    }
    const report = render(results);
    console.log(report);
    const json = {
      mode: quick ? "quick" : "full",
      startedAt: startedAt.toISOString(),
      wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      machine,
      scratchTopDir: spread,
      dirq: dirq ?? null,
      scale: bench.scale,
      rows: results.rows,
      ratios: results.ratios,
      targets: results.targets,
      notes: results.notes,
      raw: results.raw,
    };
    Deno.mkdirSync(out, { recursive: true });
    Deno.writeTextFileSync(
      `${out}/latest.json`,
      `${JSON.stringify(json, null, 1)}\n`,
    );
    bench.log(`wrote bench/results/latest.json; removing ${root}`);
    await cleanUpInParallel();
    Deno.writeTextFileSync(
      `${out}/.cleanup-ended`,
      `${new Date().toISOString()}\n`,
    );
    bench.log("done");
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    cleanUp();
  }
}

await main();
