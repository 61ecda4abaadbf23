/**
 * Consistency checks of a spool: the problems the monitor reports, and the
 * scan that finds them.
 *
 * @module
 */

import { formatAge } from "./format_age.ts";
import { parseHistory } from "./history.ts";
import { LoopBudget } from "./loop_budget.ts";
import * as protocol from "./protocol/mod.ts";
import { type Dir, dirName, type Disk } from "./protocol/mod.ts";

/**
 * A problem found in a spool.
 *
 * - `too-old`: a file in `.tmp/`, in a queue's `.checkout/`, or (with a
 *   per-queue limit) in a queue, older than its limit. `dirs` is its
 *   directory, `mtime` its modification time.
 * - `orphaned`: a file in `.tmp/`, `.data/`, a queue or a checkout with no
 *   registry file, or a registry file with no entry in any queue or
 *   checkout. `dirs` is the file's directory, `mtime` its modification time.
 * - `duplicated`: a name found in more than one queue or checkout. `dirs`
 *   lists them all; `mtime` is the registry file's. With `sameFile`, the
 *   names are one file (hard links, or files with the same time and
 *   contents, as sshfs shows hard links): a claim that a crash cut short
 *   between linking `QUEUE/.checkout/NAME` and unlinking `QUEUE/NAME`, or
 *   the reverse, which repair finishes once it is older than the checkout
 *   limit. Without it, two different files: repair gives each extra copy
 *   a name and a payload of its own.
 * - `damaged`: `reason` says what: an entry whose payload is missing or not
 *   a regular file, an entry whose metadata the codec cannot decode (when
 *   the monitor was given one), or anything but a regular file (a symbolic
 *   link, a directory) where the spool keeps files. `dirs` is where.
 *
 * Work in progress is not a problem: a name is orphaned for the
 * milliseconds an enqueue or a remove takes, and one file has two names for
 * the microseconds of a claim. Orphaned files modified, and duplicated ones
 * linked, within `workInProgressMs` are not reported.
 *
 * A problem is identified by kind, name, dirs and mtime together: since every
 * move of an entry touches its files, an entry that moves on is a new
 * problem, not the old one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeProblem, type Problem } from "@multispool/multispool/monitor";
 *
 * const problem: Problem = {
 *   kind: "too-old",
 *   name: "01JB8W3ZQ2M8X5K7T9V0C4N6PR",
 *   mtime: new Date("2026-01-01T00:00:00Z"),
 *   dirs: [{ queue: "active", checkout: true }],
 * };
 * assert.equal(
 *   describeProblem(problem, new Date("2026-01-01T00:25:00Z")),
 *   "too-old active/.checkout/01JB8W3ZQ2M8X5K7T9V0C4N6PR (modified 25m ago)",
 * );
 * ```
 */
export interface Problem {
  /** What is wrong. */
  kind: "too-old" | "orphaned" | "duplicated" | "damaged";
  /** The entry name (the file name). */
  name: string;
  /** The modification time that dates the problem. */
  mtime: Date;
  /** Where the file or files are. */
  dirs: Dir[];
  /**
   * For `duplicated` only: true if every name is the same file (a claim
   * that did not finish), absent otherwise.
   */
  sameFile?: true;
  /** For `damaged` only: what is wrong, for people. */
  reason?: string;
}

/**
 * A damaged entry set aside: moved, as damaged, to the queue its history's
 * quarantine mark names (by repair's `damagedTo`, or a reader's `poison: {
 * queue }`), and still there, still damaged. The monitor counts it apart,
 * not as a problem, and repair leaves it alone; a per-queue age limit still
 * applies to it. Repairing it by hand (its payload restored), removing it,
 * a retry with a fresh start, or moving it elsewhere ends its quarantine
 * (elsewhere, its damage is a problem again).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type QuarantinedEntry } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["in", "dead"] });
 * const entry = await spool.enqueue("in", {}, new Uint8Array([1]));
 * await Deno.remove(`${dir}/.data/${entry.name}`); // its payload is lost
 * const monitor = await Monitor.create(dir, { limits: { workInProgressMs: 0 } });
 * await monitor.repair({ dryRun: false, damagedTo: "dead" });
 * const { problems, quarantined } = await monitor.check();
 * assert.deepEqual(problems, []);
 * const [set]: QuarantinedEntry[] = quarantined;
 * assert.equal(set.name, entry.name);
 * assert.equal(set.queue, "dead");
 * assert.match(set.reason, /payload is missing/);
 * assert.ok(set.since instanceof Date);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface QuarantinedEntry {
  /** The entry's name. */
  name: string;
  /** The queue it was set aside in, and sits in. */
  queue: string;
  /** When it was set aside (the moving process's clock). */
  since: Date;
  /** What is wrong with it, for people. */
  reason: string;
}

/**
 * What a check of a spool found: its problems, and the damaged entries
 * set aside in quarantine, which are not problems.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { type CheckReport, Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] });
 * const report: CheckReport = await (await Monitor.create(dir)).check();
 * assert.deepEqual(report, { problems: [], quarantined: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface CheckReport {
  /** The problems, sorted by name then kind. */
  problems: Problem[];
  /** The entries in quarantine, sorted by name. */
  quarantined: QuarantinedEntry[];
}

/** Age limits for {@linkcode findProblems}, in milliseconds. */
export interface Limits {
  /** Files in a queue's `.checkout/` older than this are too old. */
  maxCheckedOutAgeMs: number;
  /** Files in `.tmp/` older than this are too old. */
  maxTmpFileAgeMs: number;
  /** Per queue: waiting entries older than this are too old. */
  maxQueueAgesMs: Readonly<Record<string, number>>;
  /**
   * Orphaned and duplicated files changed more recently than this are work
   * in progress, not problems.
   */
  workInProgressMs: number;
}

/** What else {@linkcode findProblems} may look at. */
export interface ScanOptions {
  /**
   * Decodes metadata: with it, every entry's metadata file is read, and
   * one the codec rejects is `damaged`.
   */
  decode?: (text: string) => unknown;
}

/**
 * A stable text key identifying a problem: kind, name, dirs and mtime.
 *
 * @param problem The problem.
 * @returns Its key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { problemKey } from "@multispool/multispool/monitor";
 *
 * assert.equal(
 *   problemKey({ kind: "orphaned", name: "x", mtime: new Date(0), dirs: ["data"] }),
 *   "orphaned x .data 0",
 * );
 * ```
 */
export function problemKey(problem: Problem): string {
  return `${problem.kind} ${problem.name} ${
    problem.dirs.map(dirName).join(",")
  } ${problem.mtime.getTime()}`;
}

/**
 * One line for people: `too-old active/.checkout/NAME (12m ago)`.
 *
 * @param problem The problem.
 * @param now The time to measure its age against.
 * @returns A description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeProblem } from "@multispool/multispool/monitor";
 *
 * const now = new Date("2026-01-01T12:00:00Z");
 * assert.equal(
 *   describeProblem({
 *     kind: "orphaned",
 *     name: "x",
 *     mtime: new Date(now.getTime() - 90_000),
 *     dirs: ["data"],
 *   }, now),
 *   "orphaned .data/x (modified 1m 30s ago)",
 * );
 * ```
 */
export function describeProblem(
  problem: Problem,
  now: Date = new Date(),
): string {
  const where = problem.dirs.map((dir) => `${dirName(dir)}/${problem.name}`)
    .join(" and ");
  const age = formatAge(now.getTime() - problem.mtime.getTime());
  const what = problem.sameFile
    ? "; one file: a claim that did not finish"
    : "";
  const reason = problem.reason === undefined ? "" : `${problem.reason}; `;
  return `${problem.kind} ${where} (${reason}modified ${age} ago${what})`;
}

/**
 * Scans the spool and returns its problems, sorted by name then kind, and
 * the entries in quarantine (see {@linkcode QuarantinedEntry}). Every
 * candidate is checked again before it is reported, so that an entry moving
 * between directories during the scan is not reported as a problem. Ages
 * are measured on the file system's clock.
 */
export async function findProblems(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  now: number = disk.clock.now().getTime(),
  options: ScanOptions = {},
): Promise<CheckReport> {
  const candidates: Problem[] = [];
  const epoch = new Date(0);
  const check = (
    kind: Problem["kind"],
    name: string,
    dirs: Dir[],
    reason?: string,
  ) =>
    candidates.push(
      reason === undefined
        ? { kind, name, mtime: epoch, dirs }
        : { kind, name, mtime: epoch, dirs, reason },
    );
  /** What is not a regular file in each directory, by directory. */
  const others = new Map<Dir, string[]>();
  /** Lists `dir`, keeping aside what is not a regular file there. */
  const list = async (dir: Dir) => {
    const found: string[] = [];
    const names = await protocol.namesIn(disk, dir, found);
    others.set(dir, found);
    return names;
  };

  // A scan of a big spool shares the event loop (a dashboard's server, a
  // reader in the same process keep running).
  const budget = new LoopBudget();
  // Every directory is listed at once: the listings wait for the disk in
  // the runtime's threads, side by side.
  const dirs: Dir[] = queues.flatMap((queue) => [
    { queue, checkout: false },
    { queue, checkout: true },
  ]);
  const [registryNames, tmpNames, dataNames, ...queueNames] = await Promise
    .all([
      list("registry"),
      list("tmp"),
      list("data"),
      ...dirs.map((dir) => list(dir)),
    ]);
  const registry = new Set(registryNames);
  // What is not a regular file where the spool keeps files is damage of
  // its own, but an entry's payload: that is the entry's damage, reported
  // with it.
  for (const [dir, names] of others) {
    for (const name of names) {
      if (dir === "data" && registry.has(name)) continue;
      check("damaged", name, [dir], NOT_A_FILE);
    }
  }
  const tmpLimit = limits.maxTmpFileAgeMs;
  for (const name of tmpNames) {
    await budget.spend();
    // One problem a file: a stray one too old is too old (repair deletes
    // it), not orphaned as well.
    if (isOld(protocol.mtime(disk, "tmp", name), now, tmpLimit)) {
      check("too-old", name, ["tmp"]);
    } else if (!registry.has(name)) check("orphaned", name, ["tmp"]);
  }
  const data = new Set(dataNames);
  for (const name of data) {
    if (!registry.has(name)) check("orphaned", name, ["data"]);
  }
  // Where each name has a metadata file: one place, or several (a name in
  // several places is rare; most names cost no array).
  const places = new Map<string, Dir | Dir[]>();
  for (let d = 0; d < dirs.length; d++) {
    const dir = dirs[d] as { queue: string; checkout: boolean };
    const limit = dir.checkout
      ? limits.maxCheckedOutAgeMs
      : limits.maxQueueAgesMs[dir.queue];
    for (const name of queueNames[d]) {
      await budget.spend();
      const seen = places.get(name);
      if (seen === undefined) places.set(name, dir);
      else if (Array.isArray(seen)) seen.push(dir);
      else places.set(name, [seen, dir]);
      if (!registry.has(name)) check("orphaned", name, [dir]);
      else if (!data.has(name)) check("damaged", name, ["data"], PAYLOAD);
      if (
        limit !== undefined &&
        isOld(protocol.mtime(disk, dir, name), now, limit)
      ) {
        check("too-old", name, [dir]);
      }
      if (options.decode !== undefined) {
        const why = undecodable(disk, dir, name, options.decode);
        if (why !== undefined) check("damaged", name, [dir], why);
      }
    }
  }
  for (const name of registry) {
    if (!places.has(name)) check("orphaned", name, ["registry"]);
  }
  for (const [name, where] of places) {
    if (Array.isArray(where)) check("duplicated", name, where);
  }

  const problems: Problem[] = [];
  const quarantined: QuarantinedEntry[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    await budget.spend();
    const confirmed = recheck(disk, queues, limits, candidate, now, options);
    if (confirmed === undefined) continue;
    // A missing payload is found once per name, however many places.
    const key = problemKey(confirmed);
    if (seen.has(key)) continue;
    seen.add(key);
    const set = inQuarantine(disk, confirmed);
    if (set !== undefined) quarantined.push(set);
    else problems.push(confirmed);
  }
  return {
    problems: problems.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1
    ),
    quarantined: quarantined.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    ),
  };
}

/**
 * The quarantine of a damaged entry, if `problem` is its damage and it
 * sits (waiting, not checked out) in the queue its history's quarantine
 * mark names. Only damaged entries' histories are read.
 */
function inQuarantine(
  disk: Disk,
  problem: Problem,
): QuarantinedEntry | undefined {
  const [place] = problem.dirs;
  if (
    problem.kind !== "damaged" || problem.reason === NOT_A_FILE ||
    typeof place !== "object" || place.checkout
  ) return undefined;
  let mark;
  try {
    const text = protocol.readRegistry(disk, problem.name);
    mark = parseHistory(text, disk.layout.registry(problem.name)).quarantine;
  } catch {
    return undefined;
  }
  if (mark?.queue !== place.queue) return undefined;
  return {
    name: problem.name,
    queue: place.queue,
    since: mark.at,
    reason: mark.reason,
  };
}

/** The reason of a `damaged` problem: not a regular file. */
const NOT_A_FILE =
  "not a regular file (a symbolic link, a directory or a device): nothing of the spool's own";
/** The reason of a `damaged` problem: an entry without its payload. */
const PAYLOAD =
  "the entry's payload is missing or not a regular file: no consumer can load it";

/** Looks again, past any cache of a network file system. */
const FRESH = { fresh: true };

/** Why the metadata file of `name` in `dir` cannot be decoded, if it cannot. */
function undecodable(
  disk: Disk,
  dir: Dir,
  name: string,
  decode: (text: string) => unknown,
): string | undefined {
  let text: string;
  try {
    text = protocol.readFileText(disk, dir, name);
  } catch {
    return undefined; // Gone, or not a file: reported otherwise.
  }
  try {
    decode(text);
    return undefined;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `the metadata codec cannot decode it (${why.split("\n")[0]})`;
  }
}

/**
 * Whether a file changed within the work-in-progress limit: its
 * modification time (an enqueue or a remove in progress made or stamped
 * it), or with `linked` its change time too (a claim in progress links and
 * unlinks names of a file, which sets that, not the other; see
 * `protocol.changedAt`).
 */
function inProgress(
  info: Deno.FileInfo | undefined,
  now: number,
  limits: Limits,
  linked = false,
): boolean {
  if (info === undefined) return false;
  if (linked) {
    return !protocol.linkedLongAgo(info, now, limits.workInProgressMs);
  }
  return now - (info.mtime?.getTime() ?? 0) < limits.workInProgressMs;
}

/** Looks again at a candidate; returns it dated, or undefined if gone. */
function recheck(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  candidate: Problem,
  now: number,
  options: ScanOptions,
): Problem | undefined {
  const { name } = candidate;
  switch (candidate.kind) {
    case "orphaned": {
      const [dir] = candidate.dirs;
      if (dir === "registry") {
        // An entry that moved during the scan has a file somewhere now.
        const located = locate(disk, queues, name);
        const info = protocol.statIn(disk, "registry", name, FRESH);
        if (located.length > 0 || info?.mtime == null) return undefined;
        if (inProgress(info, now, limits)) return undefined;
        return { ...candidate, mtime: info.mtime };
      }
      if (protocol.mtime(disk, "registry", name, FRESH) !== undefined) {
        return undefined;
      }
      const info = protocol.statIn(disk, dir, name, FRESH);
      if (info?.mtime == null) return undefined;
      // A file in .tmp/ is aged by the earlier of its times (one may be a
      // due time: see protocol.mtime).
      const mtime = dir === "tmp" ? protocol.tmpTime(info)! : info.mtime;
      // An enqueue or a remove in progress, not a queue file: those are
      // never without a registry file.
      if (
        typeof dir !== "object" &&
        inProgress({ ...info, mtime }, now, limits)
      ) {
        return undefined;
      }
      return { ...candidate, mtime };
    }
    case "too-old": {
      const [dir] = candidate.dirs;
      const limit = dir === "tmp"
        ? limits.maxTmpFileAgeMs
        : typeof dir === "object" && dir.checkout
        ? limits.maxCheckedOutAgeMs
        : typeof dir === "object"
        ? limits.maxQueueAgesMs[dir.queue]
        : undefined;
      const mtime = protocol.mtime(disk, dir, name, FRESH);
      if (limit === undefined || !isOld(mtime, now, limit)) return undefined;
      return { ...candidate, mtime: mtime! };
    }
    case "duplicated": {
      const dirs = candidate.dirs.filter((dir) =>
        protocol.mtime(disk, dir, name, FRESH) !== undefined
      );
      if (dirs.length < 2) return undefined;
      const times = dirs.map((d) => protocol.mtime(disk, d, name, FRESH));
      if (times.some((time) => time === undefined)) return undefined;
      const mtime = protocol.mtime(disk, "registry", name, FRESH) ??
        new Date(Math.min(...times.map((time) => time!.getTime())));
      const same = protocol.sameFile(disk, dirs, name);
      // A claim that finished while it was compared is not a problem.
      if (
        dirs.some((dir) => protocol.mtime(disk, dir, name, FRESH) === undefined)
      ) return undefined;
      if (!same) return { ...candidate, dirs, mtime };
      // A claim (or a look at a due time) in progress links, then unlinks.
      const info = protocol.statIn(disk, dirs[0], name, FRESH);
      if (info === undefined || inProgress(info, now, limits, true)) {
        return undefined;
      }
      return { ...candidate, dirs, mtime, sameFile: true };
    }
    case "damaged": {
      const [dir] = candidate.dirs;
      if (candidate.reason === NOT_A_FILE) {
        const info = protocol.statIn(disk, dir, name);
        if (info === undefined || info.isFile) return undefined;
        return { ...candidate, mtime: info.mtime ?? new Date(0) };
      }
      if (candidate.reason === PAYLOAD) {
        // Still an entry somewhere, with a registry file, and no payload.
        const [place] = locate(disk, queues, name);
        const payload = protocol.statIn(disk, "data", name, FRESH);
        const entry = place && protocol.statIn(disk, place, name, FRESH);
        if (!entry?.mtime || payload?.isFile) return undefined;
        if (protocol.mtime(disk, "registry", name, FRESH) === undefined) {
          return undefined;
        }
        return {
          ...candidate,
          dirs: [place],
          mtime: entry.mtime,
          reason: payload === undefined
            ? "the entry's payload is missing: no consumer can load it"
            : "the entry's payload is not a regular file: no consumer may load it",
        };
      }
      // Undecodable metadata: still so, and still there.
      if (options.decode === undefined) return undefined;
      const why = undecodable(disk, dir, name, options.decode);
      const mtime = protocol.mtime(disk, dir, name, FRESH);
      if (why === undefined || mtime === undefined) return undefined;
      return { ...candidate, mtime, reason: why };
    }
  }
}

/** The queue and checkout directories that hold `name` now. */
export function locate(
  disk: Disk,
  queues: readonly string[],
  name: string,
): Dir[] {
  const found: Dir[] = [];
  for (const queue of queues) {
    for (const checkout of [false, true]) {
      const dir: Dir = { queue, checkout };
      if (protocol.mtime(disk, dir, name, FRESH) !== undefined) found.push(dir);
    }
  }
  return found;
}

function isOld(mtime: Date | undefined, now: number, limit: number): boolean {
  return mtime !== undefined && now - mtime.getTime() > limit;
}
