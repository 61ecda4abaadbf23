// The multispool benchmark: one command, a table
// on stdout, JSON in bench/results/latest.json. Every comparison is
// measured side by side in this run, alternating the contenders, median of
// several rounds.
//
//   deno task bench          full run (figures for BENCHMARKS.md)
//   deno task bench:quick    smoke test (well under a minute; judges nothing)
//
// Options: --quick, --only=SECTION,... (ops, syscalls, enqueue, large,
// latency, peers, concurrency, schedule, dashboard, drain, shared,
// operations, fairness),
// --fs=ext4,xfs,tmpfs,
// --dir=BASE, --workers=read-write|all (the permissions of Deno workers:
// read and write, the default, or --allow-all, which spares Deno's path
// checks, as Node.js peers have none).
//
// Where it measures: run as root (and not --quick), it makes scratch file
// systems of its own (bench/lib/scratch.ts): a journaled ext4 and an XFS on
// loop-mounted image files, and a tmpfs; every section runs on the first,
// "peers" and "concurrency" on each; all are unmounted and deleted at the
// end, also on failure or interrupt. --fs picks which (also in quick runs);
// --dir=BASE measures in BASE instead (the disk under it). "shared",
// "syscalls" and "concurrency" are left out of quick runs unless named.

import { Bench, FULL, QUICK } from "./lib/context.ts";
import {
  describeMachine,
  type Machine,
  spreadDirectories,
  waitAfterPreviousRun,
} from "./lib/machine.ts";
import { findNodePeers } from "./lib/peers.ts";
import {
  killAll,
  parallel,
  permissionFlags,
  ROOT,
  setWorkerPermissions,
  type WorkerPermissions,
} from "./lib/proc.ts";
import { findDirqPython } from "./lib/python.ts";
import { stopAllRedis } from "./lib/redis.ts";
import { render } from "./lib/report.ts";
import { Results } from "./lib/results.ts";
import {
  canMake,
  givenDir,
  makeScratch,
  removeAllScratch,
  SCRATCH_KINDS,
  type ScratchKind,
  whyNoScratch,
} from "./lib/scratch.ts";
import { concurrencySection } from "./sections/concurrency.ts";
import { dashboardSection } from "./sections/dashboard.ts";
import { drainSection } from "./sections/drain.ts";
import { enqueueSection } from "./sections/enqueue.ts";
import { fairnessSection } from "./sections/fairness.ts";
import { largeSection } from "./sections/large.ts";
import { latencySection } from "./sections/latency.ts";
import { operationsSection } from "./sections/operations.ts";
import { opsSection } from "./sections/ops.ts";
import { peersSection } from "./sections/peers.ts";
import { scheduleSection } from "./sections/schedule.ts";
import { sharedSection } from "./sections/shared.ts";
import { syscallsSection } from "./sections/syscalls.ts";

const SECTIONS = [
  "ops",
  "syscalls",
  "enqueue",
  "large",
  "latency",
  "peers",
  "concurrency",
  "schedule",
  "dashboard",
  "drain",
  "shared",
  "operations",
  "fairness",
] as const;
type Section = typeof SECTIONS[number];
/** Sections measured again on every scratch file system after the first. */
const EVERY_FS: readonly Section[] = ["peers", "concurrency"];
/** Left out of quick runs unless named. */
const NOT_QUICK: readonly Section[] = ["shared", "syscalls", "concurrency"];

function parseArgs(args: string[]) {
  let quick = false;
  let only: Set<Section> | undefined;
  let base: string | undefined;
  let fs: ScratchKind[] | undefined;
  let workers: WorkerPermissions = "read-write";
  for (const arg of args) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--workers=")) {
      const wanted = arg.slice("--workers=".length);
      if (wanted !== "read-write" && wanted !== "all") {
        throw new Error(
          `unknown worker permissions ${wanted} (read-write, all)`,
        );
      }
      workers = wanted;
    } else if (arg.startsWith("--only=")) {
      const wanted = arg.slice("--only=".length).split(",");
      for (const name of wanted) {
        if (!(SECTIONS as readonly string[]).includes(name)) {
          throw new Error(`unknown section ${name} (${SECTIONS.join(", ")})`);
        }
      }
      only = new Set(wanted as Section[]);
    } else if (arg.startsWith("--dir=")) base = arg.slice("--dir=".length);
    else if (arg.startsWith("--fs=")) {
      const wanted = arg.slice("--fs=".length).split(",");
      for (const name of wanted) {
        if (!(SCRATCH_KINDS as readonly string[]).includes(name)) {
          throw new Error(`unknown file system ${name} (${SCRATCH_KINDS})`);
        }
      }
      fs = wanted as ScratchKind[];
    } else throw new Error(`unknown argument ${arg}`);
  }
  only ??= new Set(SECTIONS.filter((s) => !quick || !NOT_QUICK.includes(s)));
  return { quick, only, base, fs, workers };
}

/** Removes a run's scratch directory, several subdirectories at once. */
async function removeTree(root: string): Promise<void> {
  let subdirs: string[] = [];
  try {
    subdirs = [...Deno.readDirSync(root)].map((item) => `${root}/${item.name}`);
  } catch {
    return;
  }
  // Several removals at once: unlinking files that own blocks waits for
  // the disk (discard), and those waits overlap.
  await parallel(
    subdirs.map((path) => () =>
      Deno.remove(path, { recursive: true }).catch(() => {})
    ),
    4,
  );
  await Deno.remove(root, { recursive: true }).catch(() => {});
}

async function main(): Promise<void> {
  const { quick, only, base, fs, workers } = parseArgs(Deno.args);
  setWorkerPermissions(workers);
  const results = new Results();
  results.notes.push(
    `Deno workers ran with ${
      permissionFlags(workers).join(" ")
    } (bench option --workers=${workers})`,
  );
  const out = `${ROOT}/bench/results`;
  // Which file systems: --dir wins; else, as root, scratch ones of our own
  // (not in quick runs, unless --fs names them).
  let kinds: ScratchKind[] = [];
  if (base === undefined && (fs !== undefined || !quick)) {
    const why = await whyNoScratch();
    if (why === undefined) {
      for (const kind of fs ?? SCRATCH_KINDS) {
        if (await canMake(kind)) kinds.push(kind);
        else {
          results.notes.push(
            `${kind}: mkfs.${kind} is not installed (apt-get install xfsprogs): not measured`,
          );
        }
      }
    } else {
      results.notes.push(
        `no scratch file systems (${why}): measured in ${
          base ?? "the temp directory"
        } on the disk under it`,
      );
      kinds = [];
    }
  }
  let interrupted = false;
  // Sections that failed: the run still writes its figures, then fails.
  let failures = 0;
  const onInterrupt = async () => {
    if (interrupted) return;
    interrupted = true;
    console.error("interrupted: cleaning up");
    killAll();
    await stopAllRedis();
    await removeAllScratch();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  const startedAt = new Date();
  const load = Deno.loadavg();
  const fileSystems: { label: string; machine: Machine }[] = [];
  let dirq: Awaited<ReturnType<typeof findDirqPython>>;
  let scale = quick ? QUICK : FULL;
  try {
    dirq = await findDirqPython();
    if (dirq === undefined) {
      results.notes.push(
        "python3-dirq is not installed (apt-get install python3-dirq): its rows are skipped",
      );
    }
    const peers = only.has("peers") || only.has("syscalls")
      ? await findNodePeers()
      : { notes: [] };
    results.notes.push(...peers.notes);
    const targets: (ScratchKind | undefined)[] = kinds.length > 0
      ? kinds
      : [undefined];
    for (const [index, kind] of targets.entries()) {
      const primary = index === 0;
      const scratch = kind === undefined
        ? await givenDir(base ?? Deno.env.get("TMPDIR") ?? "/tmp")
        : await makeScratch(kind);
      const root = await Deno.makeTempDir({
        dir: kind === undefined ? base : scratch.dir,
        prefix: "multispool-bench-",
      });
      results.fs = scratch.label;
      const spread = await spreadDirectories(root);
      const bench = new Bench(scale, quick, root, results);
      scale = bench.scale;
      try {
        const machine = await describeMachine(root);
        fileSystems.push({ label: scratch.label, machine });
        bench.log(
          `${quick ? "quick" : "full"} run in ${root} (${scratch.label})`,
        );
        if (kind === undefined) {
          await waitAfterPreviousRun(bench, `${out}/.cleanup-ended`);
          if (!spread) {
            results.notes.push(
              "chattr +T failed on the scratch directory: spools may land among recently deleted inodes (slow file creation on ext4 without a journal)",
            );
          }
        }
        const wants = (section: Section) =>
          only.has(section) && (primary || EVERY_FS.includes(section));
        // Rounds: 5 on the first file system, 3 on the others.
        const peerRounds = quick ? 1 : primary ? 5 : 3;
        // A section that fails is reported and the run goes on: the
        // others' figures are still written.
        const section = async (name: Section, run: () => Promise<void>) => {
          if (!wants(name)) return;
          try {
            await run();
          } catch (error) {
            killAll();
            await stopAllRedis();
            const message = error instanceof Error ? error.message : error;
            bench.log(`section ${name} failed: ${message}`);
            failures++;
            results.notes.push(
              `section ${name} failed on ${scratch.label}: ${
                String(message).split("\n")[0]
              }`,
            );
          }
        };
        // Sections that delete many files go last (see bench/lib/machine.ts).
        await section("ops", () => opsSection(bench));
        await section("syscalls", () => syscallsSection(bench, dirq, peers));
        await section("enqueue", () => enqueueSection(bench, dirq));
        await section("large", () => largeSection(bench));
        await section("latency", () => latencySection(bench));
        await section("peers", () =>
          peersSection(bench, {
            dirq,
            peers,
            devices: scratch.devices,
            rounds: peerRounds,
          }));
        await section(
          "concurrency",
          () => concurrencySection(bench, scratch.devices, quick ? 1 : 3),
        );
        await section("schedule", () => scheduleSection(bench));
        await section("dashboard", () => dashboardSection(bench));
        await section("drain", () => drainSection(bench, dirq));
        await section("shared", () => sharedSection(bench));
        await section("operations", () => operationsSection(bench));
        await section("fairness", () => fairnessSection(bench));
      } finally {
        killAll();
        await stopAllRedis();
        if (kind === undefined) {
          bench.log(`removing ${root}`);
          await removeTree(root);
          // A fresh clone has no results folder yet.
          Deno.mkdirSync(out, { recursive: true });
          Deno.writeTextFileSync(
            `${out}/.cleanup-ended`,
            `${new Date().toISOString()}\n`,
          );
        } else {
          bench.log(`unmounting and deleting ${scratch.label}`);
          await scratch.remove();
        }
      }
    }
    results.notes.push(
      `load average (1 min) at start ${load[0].toFixed(2)}, at end ${
        Deno.loadavg()[0].toFixed(2)
      }, on ${navigator.hardwareConcurrency} CPUs`,
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
      fileSystems,
      machine: fileSystems[0]?.machine,
      dirq: dirq ?? null,
      peers,
      scale,
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
    console.error("wrote bench/results/latest.json; done");
    if (failures > 0) {
      console.error(`${failures} section(s) failed: see the notes`);
      Deno.exitCode = 1;
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onInterrupt);
    killAll();
    await stopAllRedis();
    await removeAllScratch();
  }
}

await main();
