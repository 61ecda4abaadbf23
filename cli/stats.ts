/**
 * The `stats` subcommand: queue depth and age distribution per queue, in the
 * spirit of Postfix's qshape, as a table, JSON or Prometheus metrics.
 *
 * @module
 */

import { abortOnSignals, EntryNotFoundError } from "../mod.ts";
import { Monitor } from "../monitor.ts";
import { delay } from "../src/delay.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import { formatAge } from "../src/format_age.ts";
import {
  boolFlag,
  parse,
  parseSpan,
  positionals,
  stringFlag,
  UsageError,
} from "./args.ts";
import { spoolNow } from "./clock.ts";
import type { Command } from "./command.ts";
import { escapeText, printJson, printTable } from "./output.ts";
import { type CliSpool, openSpool } from "./spool.ts";

/** Upper bounds of the age buckets, in minutes, as qshape has them. */
const BUCKETS = [5, 10, 20, 40, 80, 160, 320, 640, 1280];

/** The shape of one queue. */
export interface QueueShape {
  queue: string;
  /** Entries in the queue: ready plus delayed. */
  waiting: number;
  /** Waiting entries that are due: a consumer may take them now. */
  ready: number;
  /** Waiting entries whose due time is still ahead. */
  delayed: number;
  checkedOut: number;
  oldestWaitingMs: number | null;
  oldestCheckedOutMs: number | null;
  /** Waiting entries by age: [under 5m, 5-10m, ..., 640-1280m, 1280m+]. */
  buckets: number[];
  /** The sum of the waiting entries' ages, for a Prometheus histogram. */
  ageSumMs: number;
}

async function shapeOf(
  spool: CliSpool,
  queue: string,
  now: number,
): Promise<QueueShape> {
  const buckets = new Array(BUCKETS.length + 1).fill(0);
  let oldestWaitingMs: number | null = null;
  let ageSumMs = 0;
  let waiting = 0;
  let delayed = 0;
  for (const entry of await spool.list(queue)) {
    // An entry taken or removed since the listing has no registry file to
    // stat any more, or a fresh one: either way, count what is there now.
    const mtime = await entry.stat().then((i) => i.mtime, () => null);
    if (mtime === null) continue;
    let due: Date | undefined;
    try {
      due = await entry.direct.readDue();
    } catch (error) {
      if (error instanceof EntryNotFoundError) continue;
      throw error;
    }
    if (due !== undefined) delayed++;
    const age = Math.max(0, now - mtime.getTime());
    waiting++;
    ageSumMs += age;
    oldestWaitingMs = Math.max(oldestWaitingMs ?? 0, age);
    const i = BUCKETS.findIndex((limit) => age < limit * 60_000);
    buckets[i === -1 ? BUCKETS.length : i]++;
  }
  let oldestCheckedOutMs: number | null = null;
  const checkouts = await listCheckoutsUnsafe(spool, queue).catch(() => []);
  for (const job of checkouts) {
    const mtime = await spool.entry(queue, job.name).stat().then(
      (i) => i.mtime,
      () => null,
    );
    if (mtime !== null) {
      oldestCheckedOutMs = Math.max(
        oldestCheckedOutMs ?? 0,
        now - mtime.getTime(),
      );
    }
  }
  return {
    queue,
    waiting,
    ready: waiting - delayed,
    delayed,
    checkedOut: checkouts.length,
    oldestWaitingMs,
    oldestCheckedOutMs,
    buckets,
    ageSumMs,
  };
}

/** Measures every queue of the spool in `dir`. */
export async function measure(dir: string): Promise<QueueShape[]> {
  const spool = await openSpool(dir);
  const now = spoolNow(dir);
  const shapes: QueueShape[] = [];
  for (const queue of spool.queues) {
    shapes.push(await shapeOf(spool, queue, now));
  }
  return shapes;
}

function printShapes(dir: string, shapes: QueueShape[]): void {
  const age = (ms: number | null) => ms === null ? "-" : formatAge(ms);
  console.log(`${dir}  ${new Date().toISOString()}`);
  printTable(
    [
      "QUEUE",
      "READY",
      "DELAYED",
      "CHECKED-OUT",
      "OLDEST",
      "T",
      ...BUCKETS.map(String),
      `${BUCKETS.at(-1)}+`,
    ],
    shapes.map((s) => [
      escapeText(s.queue),
      String(s.ready),
      String(s.delayed),
      String(s.checkedOut),
      age(s.oldestWaitingMs),
      String(s.waiting),
      ...s.buckets.map(String),
    ]),
  );
  console.log(
    "(T: waiting entries, ready and delayed; their ages in minutes, as in qshape)",
  );
}

/** Escapes a Prometheus label value. */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(
    /\n/g,
    "\\n",
  );
}

/** The shapes and problem counts in the Prometheus text exposition format. */
export function prometheus(
  dir: string,
  shapes: QueueShape[],
  problems: Record<string, number>,
): string {
  const out: string[] = [];
  const spool = `spool="${label(dir)}"`;
  const metric = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  metric("multispool_entries", "gauge", "Entries per queue and state.");
  for (const s of shapes) {
    const q = `${spool},queue="${label(s.queue)}"`;
    out.push(`multispool_entries{${q},state="waiting"} ${s.waiting}`);
    out.push(`multispool_entries{${q},state="checked_out"} ${s.checkedOut}`);
  }
  metric(
    "multispool_delayed_entries",
    "gauge",
    'Entries waiting in each queue for a due time still ahead (counted in multispool_entries{state="waiting"} too).',
  );
  for (const s of shapes) {
    out.push(
      `multispool_delayed_entries{${spool},queue="${
        label(s.queue)
      }"} ${s.delayed}`,
    );
  }
  metric(
    "multispool_oldest_entry_age_seconds",
    "gauge",
    "Age of the oldest entry per queue and state (0 when there is none).",
  );
  for (const s of shapes) {
    const q = `${spool},queue="${label(s.queue)}"`;
    out.push(
      `multispool_oldest_entry_age_seconds{${q},state="waiting"} ${
        (s.oldestWaitingMs ?? 0) / 1000
      }`,
      `multispool_oldest_entry_age_seconds{${q},state="checked_out"} ${
        (s.oldestCheckedOutMs ?? 0) / 1000
      }`,
    );
  }
  metric(
    "multispool_waiting_age_seconds",
    "histogram",
    "Ages of the entries waiting in each queue.",
  );
  for (const s of shapes) {
    const q = `${spool},queue="${label(s.queue)}"`;
    let cumulative = 0;
    BUCKETS.forEach((limit, i) => {
      cumulative += s.buckets[i];
      out.push(
        `multispool_waiting_age_seconds_bucket{${q},le="${
          limit * 60
        }"} ${cumulative}`,
      );
    });
    out.push(
      `multispool_waiting_age_seconds_bucket{${q},le="+Inf"} ${s.waiting}`,
      `multispool_waiting_age_seconds_sum{${q}} ${s.ageSumMs / 1000}`,
      `multispool_waiting_age_seconds_count{${q}} ${s.waiting}`,
    );
  }
  metric(
    "multispool_problems",
    "gauge",
    "Problems found by the monitor's check, per kind (default limits).",
  );
  for (const kind of ["too-old", "orphaned", "duplicated"]) {
    out.push(
      `multispool_problems{${spool},kind="${kind}"} ${problems[kind] ?? 0}`,
    );
  }
  return out.join("\n") + "\n";
}

async function countProblems(dir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const problem of await (await Monitor.create(dir)).runOnce()) {
    counts[problem.kind] = (counts[problem.kind] ?? 0) + 1;
  }
  return counts;
}

export const stats: Command = {
  name: "stats",
  summary: "queue depth and age distribution per queue (qshape-like)",
  help:
    `Usage: multispool stats DIR [--json | --prometheus] [--watch [--interval SPAN]]

Per queue: entries waiting, counted as ready (a consumer may take them now)
and delayed (due later), entries checked out, the oldest waiting entry's
age, and the waiting entries (T) by age in minutes (as Postfix's qshape
shows them: under 5, 5-10, 10-20, ... 640-1280, over 1280).

Options:
  --json           print a JSON array; per queue "waiting" (ready plus
                   delayed), "ready", "delayed", "checkedOut", ages, buckets
  --prometheus     print Prometheus metrics (text exposition format), with the
                   monitor's problem counts; multispool_entries by state
                   (waiting, checked_out) and multispool_delayed_entries (the
                   waiting entries that are delayed); for node_exporter's
                   textfile collector, write to a temporary file and rename it
  --watch          refresh every --interval until interrupted (in place on a
                   terminal)
  --interval SPAN  time between refreshes with --watch (2s)
  -h, --help       show this help

Exit codes: 0 done; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      json: { type: "boolean" },
      prometheus: { type: "boolean" },
      watch: { type: "boolean" },
      interval: { type: "string" },
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const json = boolFlag(parsed, "json");
    const prom = boolFlag(parsed, "prometheus");
    if (json && prom) {
      throw new UsageError("give --json or --prometheus, not both");
    }
    const interval = stringFlag(parsed, "interval");
    const intervalMs = interval === undefined
      ? 2000
      : parseSpan(interval, "--interval");
    const show = async () => {
      const shapes = await measure(dir);
      if (json) printJson(shapes);
      else if (prom) {
        await Deno.stdout.write(
          new TextEncoder().encode(
            prometheus(dir, shapes, await countProblems(dir)),
          ),
        );
      } else printShapes(dir, shapes);
    };
    if (!boolFlag(parsed, "watch")) {
      await show();
      return 0;
    }
    using stop = abortOnSignals();
    const terminal = Deno.stdout.isTerminal() && !json && !prom;
    while (!stop.signal.aborted) {
      if (terminal) {
        await Deno.stdout.write(new TextEncoder().encode("\x1b[H\x1b[2J"));
      }
      await show();
      if (!terminal) console.log();
      // Interrupted: stop waiting, and end normally.
      await delay(intervalMs, { signal: stop.signal }).catch(() => {});
    }
    return 0;
  },
};
