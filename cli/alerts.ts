/**
 * The monitor's alerts for operators: the events of one check grouped by
 * what they say and where, so that 37 stale checkouts in one queue make
 * one line ("37 too-old in active/.checkout (oldest 14m)"), not 37.
 *
 * @module
 */

import {
  describeProblem,
  dirName,
  type MonitorEvent,
  type Problem,
} from "../monitor.ts";
import { formatAge } from "../operator.ts";
import { escapeText } from "./output.ts";

/** The events of one check that say the same thing about the same place. */
export interface AlertGroup {
  /** `start` or `end`. */
  event: MonitorEvent["kind"];
  /** When the check ran. */
  at: Date;
  /** The problems, all of one kind, in one place (and one reason). */
  problems: Problem[];
}

/** How many names a JSON alert lists at most. */
const NAMES_SHOWN = 20;

function keyOf(event: MonitorEvent): string {
  const p = event.problem;
  return JSON.stringify([
    event.kind,
    p.kind,
    p.dirs.map(dirName),
    p.reason ?? null,
  ]);
}

/** Groups the events of one check, in the order they came. */
function grouped(events: readonly MonitorEvent[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const event of events) {
    const key = keyOf(event);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        event: event.kind,
        at: event.at,
        problems: [event.problem],
      });
    } else group.problems.push(event.problem);
  }
  return [...groups.values()];
}

/**
 * The events of `events` grouped check by check. The events of one check
 * come one after another with no pause, then the watch waits for the next
 * check: a group is complete when the next event belongs to another check
 * (another `at`), or when none follows at once.
 */
export async function* groupAlerts(
  events: AsyncIterable<MonitorEvent>,
): AsyncGenerator<AlertGroup> {
  const iterator = events[Symbol.asyncIterator]();
  let pending: MonitorEvent[] = [];
  let next = iterator.next();
  const quiet = Symbol("quiet");
  while (true) {
    let result: IteratorResult<MonitorEvent>;
    if (pending.length === 0) result = await next;
    else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const raced = await Promise.race([
        next,
        new Promise<typeof quiet>((resolve) => {
          timer = setTimeout(() => resolve(quiet), 0);
        }),
      ]);
      clearTimeout(timer);
      if (raced === quiet) {
        yield* grouped(pending);
        pending = [];
        continue;
      }
      result = raced;
    }
    if (result.done) break;
    const event = result.value;
    if (pending.length > 0 && pending[0].at.getTime() !== event.at.getTime()) {
      yield* grouped(pending);
      pending = [];
    }
    pending.push(event);
    next = iterator.next();
  }
  yield* grouped(pending);
}

/** The oldest problem's modification time in a group. */
function oldest(group: AlertGroup): Date {
  return new Date(Math.min(...group.problems.map((p) => p.mtime.getTime())));
}

/**
 * A group as one line for people: a single problem as the monitor
 * describes it, several as a count with the oldest's age. Escaped.
 */
export function alertLine(group: AlertGroup): string {
  const [first] = group.problems;
  const head = `${group.at.toISOString()} ${group.event.padEnd(5)}`;
  if (group.problems.length === 1) {
    return `${head} ${escapeText(describeProblem(first, group.at))}`;
  }
  const where = first.dirs.map(dirName).join(", ");
  const age = formatAge(group.at.getTime() - oldest(group).getTime());
  return `${head} ${group.problems.length} ${first.kind} in ${
    escapeText(where)
  } (oldest modified ${age} ago)${
    first.reason === undefined ? "" : `: ${escapeText(first.reason)}`
  }`;
}

/** A group as one JSON object (one line of `monitor --json`). */
export function alertJson(group: AlertGroup): Record<string, unknown> {
  const [first] = group.problems;
  const since = oldest(group);
  const [dir] = first.dirs;
  return {
    event: group.event,
    at: group.at.toISOString(),
    kind: first.kind,
    where: first.dirs.map(dirName),
    ...(first.dirs.length === 1 && typeof dir === "object"
      ? { queue: dir.queue, checkout: dir.checkout }
      : {}),
    ...(first.reason === undefined ? {} : { reason: first.reason }),
    count: group.problems.length,
    oldestMtime: since.toISOString(),
    oldestAgeMs: group.at.getTime() - since.getTime(),
    names: group.problems.slice(0, NAMES_SHOWN).map((p) => p.name),
    ...(group.problems.length > NAMES_SHOWN
      ? { moreNames: group.problems.length - NAMES_SHOWN }
      : {}),
  };
}
