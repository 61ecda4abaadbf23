// Live repair: repair, check and an operator's force run while producers
// and consumers work, and while each other run, with random SIGKILLs.
//
// Each round, on a fresh spool (queues "q" and "side"):
// - 2 producers enqueue into q (one strict, one relaxed), a little at a
//   time, printing each acknowledged name;
// - 3 consumers of q, each with two handlers on one reader that only
//   watches (never polls): most entries are handled fast (under a tenth of
//   the checkout limit), 15 % slowly (2-3 times the limit: past it, so
//   that repair may take them away), then removed, or (10 %) saved to
//   "side"; 1 consumer of "side" removes what arrives there;
// - 2 repairers apply repair in a loop at once (checkout limit LIMIT_MS),
//   each held on purpose at its awaits between judgement and act (random
//   waits at every listing and every history write);
// - the test process runs the CLI's `mv q NAME side --force` on checkouts
//   older than the limit, under strace delaying each of its links by
//   150 ms (where strace is missing, without): the force's act held after
//   its judgement;
// - every 1.5 s, producers, consumers of q and repairers are SIGKILLed at
//   random and restarted; and twice a round a process claims an entry and
//   is killed between the claim's link and its unlink (a claim cut short,
//   which repair must finish, and the readers that lost it must take);
// - the test process also checks the spool (the monitor's check) in a
//   loop all along: it must never fail.
// Then the producers stop, and the consumers and repairers must empty both
// queues on their own (nothing stuck: no entry claimable while every
// reader sleeps); everything is killed; a last repair (every limit 0)
// leaves nothing alone, a last reader drains what is left, and check is
// clean.
//
// What is asserted, per round:
// 1. No consumer's remove() or save() fails unless its checkout was taken
//    away after the limit: every EntryNotFoundError ("robbed") comes more
//    than LIMIT_MS after that consumer's own claim stamped the checkout
//    (the stamp read through the file system seam, not guessed), and no
//    other error occurs; no payload is ever damaged.
// 2. No entry is taken out of a queue twice: per queue and entry, the
//    successful removes and saves, the force's moves and the last drain
//    add up to at most one. Two live holders both believing they held it
//    would make two.
// 3. Nothing acknowledged is lost: every acknowledged entry left q exactly
//    once (as in 2), or else a consumer was SIGKILLed while holding it
//    (and may have handled it: at least once, as for a robbed consumer,
//    whose handling may also have happened). An entry sent to "side"
//    (saved there or moved by force) leaves "side" exactly once.
// 4. Nothing stuck, check clean at the end (see above).
//
// Rounds: MULTISPOOL_LIVE_ROUNDS (with --allow-env), 2 by default.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import { random } from "../_helpers/power_cut.ts";
import {
  lines,
  ROOT,
  type RunningChild,
  scopedTo,
  startDeno,
} from "../_helpers/children.ts";
import { roundsFrom } from "../_helpers/rounds.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/** The checkout limit of the repairers and the force. */
const LIMIT_MS = 400;
const TMP_LIMIT_MS = 5_000;
const WORK_IN_PROGRESS_MS = 1_000;
/** How long producers run in a round. */
const ACTIVE_MS = 9_000;
const KILL_EVERY_MS = 1_500;

type Role = "producer" | "consumer" | "side" | "repairer";

interface Proc {
  role: Role;
  child: RunningChild;
  /** Its output, once it has been stopped. */
  stdout?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function strace(): string | undefined {
  for (const path of ["/usr/bin/strace", "/bin/strace"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** `mv DIR q NAME side --force`, its links held by strace if it can be. */
async function force(dir: string, name: string): Promise<boolean> {
  const args = [
    "run",
    "--quiet",
    "--no-prompt",
    ...scopedTo(dir),
    "cli/main.ts",
    "mv",
    dir,
    "q",
    name,
    "side",
    "--force",
    "--max-checked-out-age",
    `${LIMIT_MS}ms`,
  ];
  const tracer = strace();
  const held = [
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    "-e",
    "trace=linkat",
    "-e",
    "inject=linkat:delay_enter=150000",
    Deno.execPath(),
  ];
  const result = await new Deno.Command(tracer ?? Deno.execPath(), {
    args: tracer === undefined ? args : [...held, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(result.stdout);
  return result.code === 0 && stdout.startsWith(`moved ${name} from q to side`);
}

/** What one round did, for the summary line. */
interface Figures {
  acked: number;
  handled: number;
  robbed: number;
  forced: number;
  kills: number;
  cuts: number;
  checks: number;
  repairs: Map<string, number>;
  ms: number;
}

/**
 * One round; the violations of what is asserted (see the top), for the
 * caller to assert. With `blind`, the repairers cannot re-prove their
 * judgement at their acts (the converse test).
 */
async function round(
  seed: number,
  options: { blind?: boolean } = {},
): Promise<{ figures: Figures; violations: string[] }> {
  const started = performance.now();
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q", "side"] });
  const rng = random(seed);
  const scoped = scopedTo(dir);
  const run = (args: string[]) =>
    startDeno(["run", "--quiet", ...scoped, ...args]);
  const fixture = (name: string) => `tests/processes/fixtures/${name}.ts`;
  let producers = 0;
  const start = (role: Role): Proc => {
    switch (role) {
      case "producer":
        return {
          role,
          child: run([
            fixture("live_producer"),
            dir,
            producers++ % 2 === 0 ? "strict" : "relaxed",
            "100",
          ]),
        };
      case "consumer":
        return {
          role,
          child: run([
            fixture("live_consumer"),
            dir,
            "q",
            `${LIMIT_MS}`,
            "0.15",
            "0.1",
          ]),
        };
      case "side":
        return {
          role,
          child: run([fixture("live_consumer"), dir, "side", "0", "0", "0"]),
        };
      case "repairer":
        return {
          role,
          child: run([
            fixture("live_repairer"),
            dir,
            `${LIMIT_MS}`,
            `${TMP_LIMIT_MS}`,
            `${WORK_IN_PROGRESS_MS}`,
            ...options.blind ? ["blind"] : [],
          ]),
        };
    }
  };
  const running: Proc[] = [
    ...(["producer", "producer"] as const).map(start),
    ...(["consumer", "consumer", "consumer", "side"] as const).map(start),
    ...(["repairer", "repairer"] as const).map(start),
  ];
  const stopped: Proc[] = [];
  const stop = async (proc: Proc) => {
    if (proc.stdout !== undefined) return;
    proc.stdout = (await proc.child.stop("SIGKILL")).stdout;
    stopped.push(proc);
  };
  try {
    return await play();
  } finally {
    // Whatever failed, no process outlives its round.
    for (const proc of running) await stop(proc);
  }

  async function play(): Promise<{ figures: Figures; violations: string[] }> {
    let kills = 0;

    // Checks all along: read-only, they must never fail.
    let checking = true;
    let checks = 0;
    const checker = (async () => {
      const monitor = await Monitor.create(dir, {
        limits: {
          maxCheckedOutAgeMs: LIMIT_MS,
          maxTmpFileAgeMs: TMP_LIMIT_MS,
          workInProgressMs: WORK_IN_PROGRESS_MS,
        },
      });
      while (checking) {
        await monitor.check();
        checks++;
        await sleep(50);
      }
    })();

    // Claims cut short, on purpose.
    let cuts = 0;
    const cut = async () => {
      const cutter = run([fixture("claim_cutter"), dir]);
      try {
        await cutter.line((line) => line.startsWith("cut "), "a claim cut");
      } finally {
        await cutter.stop("SIGKILL");
      }
      cuts++;
    };

    // The operator's force, on checkouts older than the limit.
    const forced = new Set<string>();
    let forcing = true;
    const operator = (async () => {
      while (forcing) {
        const now = Date.now();
        const stale: string[] = [];
        try {
          for (const item of Deno.readDirSync(`${dir}/q/.checkout`)) {
            try {
              const { mtime } = Deno.lstatSync(
                `${dir}/q/.checkout/${item.name}`,
              );
              if (mtime !== null && now - mtime.getTime() > LIMIT_MS) {
                stale.push(item.name);
              }
            } catch {
              // Gone meanwhile.
            }
          }
        } catch {
          // The spool is going away.
        }
        if (stale.length === 0) {
          await sleep(100);
          continue;
        }
        const name = stale[Math.floor(rng() * stale.length)];
        if (await force(dir, name)) forced.add(name);
      }
    })();

    // Producers, consumers and repairers, killed at random.
    const until = performance.now() + ACTIVE_MS;
    for (let turn = 0; performance.now() < until; turn++) {
      await sleep(KILL_EVERY_MS);
      if (turn === 1 || turn === 3) await cut();
      for (let i = 0; i < running.length; i++) {
        const proc = running[i];
        if (proc.role === "side" || rng() < 0.65) continue;
        kills++;
        await stop(proc);
        running[i] = start(proc.role);
      }
    }
    forcing = false;
    await operator;
    checking = false;
    await checker;

    // Producers stop; the others must empty both queues on their own.
    for (const proc of running.filter((p) => p.role === "producer")) {
      await stop(proc);
    }
    const left = () =>
      ["q", "q/.checkout", "side", "side/.checkout"].flatMap((sub) =>
        [...Deno.readDirSync(`${dir}/${sub}`)]
          .filter((item) => item.isFile)
          .map((item) => `${sub}/${item.name}`)
      );
    const violations: string[] = [];
    const drainedBy = performance.now() + 60_000;
    while (left().length > 0) {
      if (performance.now() > drainedBy) {
        violations.push(
          `stuck: ${left().join(", ")} still there after a minute`,
        );
        break;
      }
      await sleep(100);
    }
    for (const proc of running.filter((p) => p.role !== "producer")) {
      await stop(proc);
    }

    // Everyone is dead: a last repair may take everything back at once.
    const monitor = await Monitor.create(dir, {
      limits: {
        maxCheckedOutAgeMs: 0,
        maxTmpFileAgeMs: 0,
        workInProgressMs: 0,
      },
    });
    const last = await monitor.repair({ dryRun: false });
    for (const { problem, reason } of last.leftAlone) {
      violations.push(
        `the last repair left ${problem.kind} ${problem.name} alone: ${reason}`,
      );
    }
    const spool = await Spool.load(dir, { queues: ["q", "side"] });
    const drained = { q: [] as string[], side: [] as string[] };
    for (const queue of ["q", "side"] as const) {
      await using reader = spool.reader(queue);
      for (;;) {
        const job = await reader.dequeueAvailable();
        if (job === undefined) break;
        drained[queue].push(job.name);
        await job.remove();
      }
    }
    const checked = await monitor.check();
    for (const problem of [...checked.problems, ...checked.quarantined]) {
      violations.push(`left at the end: ${JSON.stringify(problem)}`);
    }

    // The accounts.
    const acked = new Set<string>();
    const repairs = new Map<string, number>();
    /** Per queue and entry: how it left the queue, and who was cut off. */
    const left1 = {
      q: new Map<string, number>(),
      side: new Map<string, number>(),
    };
    const held = { q: new Set<string>(), side: new Set<string>() };
    const toSide = new Set<string>(forced);
    let handled = 0;
    let robbed = 0;
    const count = (queue: "q" | "side", name: string) =>
      left1[queue].set(name, (left1[queue].get(name) ?? 0) + 1);
    for (const proc of stopped) {
      const holding = new Map<string, number>();
      for (const line of lines(proc.stdout ?? "")) {
        const [what, ...rest] = line.split(" ");
        if (proc.role === "producer") {
          if (what === "acked") acked.add(rest[0]);
          continue;
        }
        if (proc.role === "repairer") {
          if (what === "act") {
            repairs.set(rest[0], (repairs.get(rest[0]) ?? 0) + 1);
          } else if (/: not requeued/.test(line)) {
            violations.push(`a repairer could not record an attempt: ${line}`);
          }
          continue;
        }
        const [queue, name] = rest as ["q" | "side", string];
        if (what === "handling") {
          handled++;
          holding.set(
            `${queue} ${name}`,
            (holding.get(`${queue} ${name}`) ?? 0) + 1,
          );
        } else if (what === "done" || what === "robbed" || what === "error") {
          holding.set(`${queue} ${name}`, holding.get(`${queue} ${name}`)! - 1);
          if (what === "done") {
            count(queue, name);
            if (rest[2] === "saved") toSide.add(name);
          } else if (what === "robbed") {
            robbed++;
            const held = Number(rest[2]);
            if (!(held > LIMIT_MS)) {
              violations.push(
                `${queue}/${name}: a consumer was robbed ${held} ms after its claim, within the limit (${LIMIT_MS} ms)`,
              );
            }
          } else violations.push(`a consumer failed: ${line}`);
        } else if (what === "damaged") {
          violations.push(`damaged payload: ${line}`);
        }
      }
      for (const [key, open] of holding) {
        if (open <= 0) continue;
        const [queue, name] = key.split(" ") as ["q" | "side", string];
        held[queue].add(name);
      }
    }
    for (const name of forced) count("q", name);
    for (const queue of ["q", "side"] as const) {
      for (const name of drained[queue]) count(queue, name);
      for (const [name, times] of left1[queue]) {
        if (times > 1) {
          violations.push(
            `${queue}/${name} was taken out of its queue ${times} times`,
          );
        }
      }
    }
    for (const name of acked) {
      if (!left1.q.has(name) && !held.q.has(name)) {
        violations.push(
          `acknowledged ${name} never left q, and no killed consumer held it`,
        );
      }
    }
    for (const name of toSide) {
      if (!left1.side.has(name) && !held.side.has(name)) {
        violations.push(`${name}, sent to side, never left it`);
      }
    }
    if (violations.length > 0) {
      // What every process said about the entries in question.
      const names = new Set(
        violations.flatMap((v) => v.match(/01[0-9A-Z]{24}/g) ?? []),
      );
      const story = stopped.flatMap((proc, i) =>
        lines(proc.stdout ?? "").filter((line) =>
          [...names].some((name) => line.includes(name))
        ).map((line) => `${proc.role}#${i}: ${line}`)
      );
      console.error(story.join("\n"));
    }
    assert.ok(acked.size > 0, "producers acknowledged something");
    const figures = {
      acked: acked.size,
      handled,
      robbed,
      forced: forced.size,
      kills,
      cuts,
      checks,
      repairs,
      ms: performance.now() - started,
    };
    return { figures, violations };
  }
}

Deno.test("live repair: repairs, check and force while producers and consumers run and are killed; nothing handed twice at once, lost or stuck", async () => {
  const n = roundsFrom("MULTISPOOL_LIVE_ROUNDS", 2);
  for (let i = 0; i < n; i++) {
    const { figures: f, violations } = await round(1000 + i);
    assert.deepEqual(violations, []);
    const repairs = [...f.repairs].map(([k, v]) => `${v} ${k}`).join(", ");
    console.log(
      `round ${
        i + 1
      }/${n}: ${f.acked} acknowledged, ${f.handled} handlings, ${f.robbed} robbed past the limit, ${f.forced} forced, ${f.kills} kills, ${f.cuts} claims cut, ${f.checks} checks, repairs: ${
        repairs || "none"
      }; ${Math.round(f.ms / 1000)} s`,
    );
  }
});

Deno.test("live repair, converse: repairers that cannot re-prove their judgement at the act rob live consumers, and the test says so", async () => {
  // A fresh checkout taken: its consumer robbed within the limit, or the
  // entry handled twice, its payload deleted under its next holder, lost.
  const named =
    /within the limit|taken out of its queue \d+ times|damaged payload|never left/;
  // Whether a blind repairer meets a live checkout in one round is chance,
  // and rarer on a loaded machine: up to six rounds, each with other
  // timings (one or two do, alone).
  const seen: string[] = [];
  for (const seed of [7, 8, 9, 10, 11, 12]) {
    const { violations } = await round(seed, { blind: true });
    seen.push(...violations);
    if (violations.some((v) => named.test(v))) return;
  }
  assert.fail(`no round robbed a live consumer:\n${seen.join("\n")}`);
});
