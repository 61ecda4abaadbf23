// System calls per entry on the hot paths (`strace -f -c`), and how each
// contender's durability was checked: every contender makes COUNT
// operations one at a time under strace, and once none, and the difference
// divided by COUNT is its calls per entry. Flushes per acknowledged entry
// (fsync, fdatasync, sync_file_range, msync) say which durability a
// contender really has: strict flushes at least once for each entry before
// acknowledging it (one producer, one entry at a time); relaxed does not.
// BullMQ's flushes are redis-server's, so the server is what is traced.

import { Spool } from "../../mod.ts";
import type { Bench } from "../lib/context.ts";
import type { NodePeers } from "../lib/peers.ts";
import {
  denoWorker,
  output,
  permissionFlags,
  ROOT,
  runGroup,
  type WorkerPermissions,
} from "../lib/proc.ts";
import type { DirqPython } from "../lib/python.ts";
import { startRedis } from "../lib/redis.ts";
import { createSpool } from "./backlog.ts";

const SECTION = "System calls per entry (strace -f -c, one at a time)";
const FLUSHES = ["fsync", "fdatasync", "sync_file_range", "msync"];

/** Calls per system call name, from strace -c's table. */
function parse(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match =
      /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(
        line,
      );
    if (match !== null && match[2] !== "total") {
      calls.set(match[2], Number(match[1]));
    }
  }
  return calls;
}

async function straced(
  file: string,
  cmd: string,
  args: string[],
  cwd = ROOT,
): Promise<Map<string, number>> {
  const result = await new Deno.Command("strace", {
    args: ["-f", "-c", "-o", file, cmd, ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(
      `strace ${cmd} ${args.join(" ")} failed: ${
        new TextDecoder().decode(result.stderr).slice(-2000)
      }`,
    );
  }
  return parse(await Deno.readTextFile(file));
}

interface Case {
  path: string;
  contender: string;
  durability: "strict" | "relaxed";
  /** Calls made by `count` operations (prepares whatever it needs). */
  run: (count: number, file: string) => Promise<Map<string, number>>;
}

/** Runs the counts and records them. */
export async function syscallsSection(
  bench: Bench,
  dirq: DirqPython | undefined,
  peers: NodePeers,
): Promise<void> {
  if ((await output("strace", ["-V"])) === "") {
    bench.results.notes.push(
      "strace is not installed (apt-get install strace): no system-call counts, durability unverified",
    );
    return;
  }
  const n = bench.quick ? 20 : 400;
  const deno = Deno.execPath();
  const flags = ["run", "--quiet", ...permissionFlags("read-write")];
  const script = `${ROOT}/bench/workers/count_ops.ts`;
  // The library counted under both permission sets: Deno resolves every
  // path a file call names (a `readlink` per component) unless it runs
  // with --allow-all.
  const lib = (
    operation: string,
    contender: string,
    permissions: WorkerPermissions = "read-write",
  ): Case => ({
    path: operation.startsWith("drain")
      ? "drain (reader.iter, remove), 1 consumer"
      : operation === "enqueue-many-strict"
      ? "enqueue, batches of 64"
      : "enqueue, 1 producer",
    contender,
    durability: operation.endsWith("strict") ? "strict" : "relaxed",
    run: async (count, file) => {
      const dir = bench.dir("strace");
      const durability = operation.endsWith("strict") ? "strict" : "relaxed";
      if (operation.startsWith("drain")) {
        await createSpool(dir);
        if (count > 0) {
          await runGroup([denoWorker("build_lib.ts", [dir, count, 1024])]);
        }
      } else await Spool.create(dir, { queues: ["q"] }, { durability });
      return straced(file, deno, [
        "run",
        "--quiet",
        ...permissionFlags(permissions),
        script,
        operation,
        dir,
        String(count),
      ]);
    },
  });
  const cases: Case[] = [
    lib("enqueue-strict", "multispool strict"),
    lib("enqueue-relaxed", "multispool relaxed"),
    lib("enqueue-many-strict", "multispool strict, enqueueMany"),
    lib("floor-strict", "floor strict"),
    lib("floor-relaxed", "floor relaxed"),
    lib("drain-strict", "multispool strict"),
    lib("drain-relaxed", "multispool relaxed"),
    lib("enqueue-strict", "multispool strict, --allow-all", "all"),
    lib("enqueue-relaxed", "multispool relaxed, --allow-all", "all"),
    lib(
      "enqueue-many-strict",
      "multispool strict, enqueueMany, --allow-all",
      "all",
    ),
    lib("drain-strict", "multispool strict, --allow-all", "all"),
    lib("drain-relaxed", "multispool relaxed, --allow-all", "all"),
    {
      path: "enqueue, 1 producer",
      contender: "Deno KV",
      durability: "strict",
      run: (count, file) => {
        const path = `${bench.dir("strace-kv")}/kv.sqlite3`;
        return straced(file, deno, [
          ...flags,
          "--unstable-kv",
          script,
          "kv",
          path,
          String(count),
        ]);
      },
    },
  ];
  if (dirq !== undefined) {
    cases.push({
      path: "enqueue, 1 producer",
      contender: `python3-dirq ${dirq.version}`,
      durability: "relaxed",
      run: (count, file) =>
        straced(file, dirq.python, [
          `${ROOT}/bench/workers/dirq_peer.py`,
          "count",
          bench.path("strace-dirq"),
          String(count),
        ]),
    });
  }
  const node = peers.node ?? "node";
  const nodeScript = (name: string) => `${ROOT}/bench/peers/${name}`;
  if (peers.qlobberFsq !== undefined) {
    cases.push({
      path: "enqueue, 1 producer",
      contender: `qlobber-fsq ${peers.qlobberFsq}`,
      durability: "relaxed",
      run: (count, file) =>
        straced(file, node, [
          nodeScript("qlobber_fsq.cjs"),
          JSON.stringify({
            mode: "count",
            dir: bench.dir("strace-fsq"),
            count,
          }),
        ]),
    });
  }
  if (peers.plainjob !== undefined) {
    for (const durability of ["strict", "relaxed"] as const) {
      cases.push({
        path: "enqueue, 1 producer",
        contender: `plainjob ${peers.plainjob} (synchronous=${
          durability === "strict" ? "FULL" : "NORMAL"
        })`,
        durability,
        run: (count, file) =>
          straced(file, node, [
            nodeScript("plainjob.cjs"),
            JSON.stringify({
              mode: "count",
              path: `${bench.dir("strace-plainjob")}/jobs.sqlite3`,
              durability,
              count,
            }),
          ]),
      });
    }
  }
  if (peers.bullmq !== undefined) {
    for (const fsync of ["always", "everysec"] as const) {
      cases.push({
        path: "enqueue, 1 producer",
        contender:
          `BullMQ ${peers.bullmq}: redis-server ${peers.redis} (appendfsync ${fsync})`,
        durability: fsync === "always" ? "strict" : "relaxed",
        run: async (count, file) => {
          const redis = await startRedis(
            node,
            bench.dir("strace-redis"),
            fsync,
            file,
          );
          try {
            const result = await new Deno.Command(node, {
              args: [
                nodeScript("bullmq.cjs"),
                JSON.stringify({
                  mode: "count",
                  port: redis.port,
                  queue: "q",
                  count,
                }),
              ],
              stdout: "null",
              stderr: "piped",
            }).output();
            if (!result.success) {
              throw new Error(new TextDecoder().decode(result.stderr));
            }
            // everysec flushes a second later, in the background.
            if (fsync === "everysec") {
              await new Promise((r) => setTimeout(r, 1500));
            }
          } finally {
            await redis.stop();
          }
          return parse(await Deno.readTextFile(file));
        },
      });
    }
  }
  bench.log(`system calls: ${cases.length} cases, ${n} operations each`);
  const raw: Record<string, unknown> = {};
  for (const c of cases) {
    const file = `${bench.root}/strace-${crypto.randomUUID()}.txt`;
    const none = await c.run(0, file);
    const some = await c.run(n, file);
    const per = new Map<string, number>();
    for (const [name, calls] of some) {
      const diff = (calls - (none.get(name) ?? 0)) / n;
      if (diff > 0.005) per.set(name, diff);
    }
    const total = [...per.values()].reduce((a, b) => a + b, 0);
    const flushes = FLUSHES.reduce((a, name) => a + (per.get(name) ?? 0), 0);
    const top = [...per].sort((a, b) => b[1] - a[1]).slice(0, 12)
      .map(([name, calls]) => `${name} ${calls.toFixed(calls < 10 ? 2 : 1)}`)
      .join(", ");
    // A batch of 64 is acknowledged once: its flushes are per 64 entries.
    const perAck = c.path === "enqueue, batches of 64" ? 64 : 1;
    const verified = c.durability === "strict"
      ? flushes * perAck >= 1
      : flushes < 0.1;
    bench.log(
      `  ${c.path}, ${c.contender}: ${total.toFixed(1)} calls, ${
        flushes.toFixed(2)
      } flushes per entry`,
    );
    raw[`${c.path}|${c.contender}`] = Object.fromEntries(per);
    bench.results.row(
      SECTION,
      c.path,
      c.contender,
      "calls/entry",
      [total],
      top,
    );
    bench.results.row(
      SECTION,
      `${c.path}: flushes per entry`,
      c.contender,
      "flushes/entry",
      [flushes],
      `${c.durability}${
        perAck > 1
          ? ` (${(flushes * perAck).toFixed(1)} per acknowledged batch)`
          : ""
      }: ${
        verified
          ? "verified"
          : c.durability === "strict"
          ? "NOT durable per entry!"
          : "flushes (not relaxed)"
      }`,
    );
  }
  bench.results.raw.syscalls = raw;
}
