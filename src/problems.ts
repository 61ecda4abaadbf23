/**
 * Consistency checks of a spool: the problems the monitor reports, and the
 * scan that finds them.
 *
 * @module
 */

import type { Dir } from "./layout.ts";
import { dirName } from "./layout.ts";
import { formatAge } from "./format_age.ts";
import * as protocol from "./protocol/mod.ts";
import type { Disk } from "./protocol/mod.ts";

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
 *   limit. Without it, two different files: decide by hand.
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
  kind: "too-old" | "orphaned" | "duplicated";
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
}

/** Age limits for {@linkcode findProblems}, in milliseconds. */
export interface Limits {
  /** Files in a queue's `.checkout/` older than this are too old. */
  maxCheckedOutAgeMs: number;
  /** Files in `.tmp/` older than this are too old. */
  maxTmpFileAgeMs: number;
  /** Per queue: waiting entries older than this are too old. */
  maxQueueAgesMs: Readonly<Record<string, number>>;
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
  return `${problem.kind} ${where} (modified ${age} ago${what})`;
}

/**
 * Scans the spool and returns its problems, sorted by name then kind. Every
 * candidate is checked again before it is reported, so that an entry moving
 * between directories during the scan is not reported as a problem. Ages
 * are measured on the file system's clock.
 */
export async function findProblems(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  now: number = disk.clock.now().getTime(),
): Promise<Problem[]> {
  const registry = new Set(await protocol.namesIn(disk, "registry"));
  const candidates: Problem[] = [];
  const epoch = new Date(0);
  const check = (kind: Problem["kind"], name: string, dirs: Dir[]) =>
    candidates.push({ kind, name, mtime: epoch, dirs });

  const tmpLimit = limits.maxTmpFileAgeMs;
  for (const name of await protocol.namesIn(disk, "tmp")) {
    if (!registry.has(name)) check("orphaned", name, ["tmp"]);
    if (isOld(protocol.mtime(disk, "tmp", name), now, tmpLimit)) {
      check("too-old", name, ["tmp"]);
    }
  }
  for (const name of await protocol.namesIn(disk, "data")) {
    if (!registry.has(name)) check("orphaned", name, ["data"]);
  }
  // Where each name has a metadata file.
  const places = new Map<string, Dir[]>();
  for (const queue of queues) {
    for (const checkout of [false, true]) {
      const dir: Dir = { queue, checkout };
      const limit = checkout
        ? limits.maxCheckedOutAgeMs
        : limits.maxQueueAgesMs[queue];
      for (const name of await protocol.namesIn(disk, dir)) {
        const seen = places.get(name);
        if (seen === undefined) places.set(name, [dir]);
        else seen.push(dir);
        if (!registry.has(name)) check("orphaned", name, [dir]);
        if (
          limit !== undefined &&
          isOld(protocol.mtime(disk, dir, name), now, limit)
        ) {
          check("too-old", name, [dir]);
        }
      }
    }
  }
  for (const name of registry) {
    if (!places.has(name)) check("orphaned", name, ["registry"]);
  }
  for (const [name, dirs] of places) {
    if (dirs.length > 1) check("duplicated", name, dirs);
  }

  const problems: Problem[] = [];
  for (const candidate of candidates) {
    const confirmed = recheck(disk, queues, limits, candidate, now);
    if (confirmed !== undefined) problems.push(confirmed);
  }
  return problems.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1
  );
}

/** Looks again, past any cache of a network file system. */
const FRESH = { fresh: true };

/** Looks again at a candidate; returns it dated, or undefined if gone. */
function recheck(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  candidate: Problem,
  now: number,
): Problem | undefined {
  const { name } = candidate;
  switch (candidate.kind) {
    case "orphaned": {
      const [dir] = candidate.dirs;
      if (dir === "registry") {
        // An entry that moved during the scan has a file somewhere now.
        const located = locate(disk, queues, name);
        const mtime = protocol.mtime(disk, "registry", name, FRESH);
        if (located.length > 0 || mtime === undefined) return undefined;
        return { ...candidate, mtime };
      }
      if (protocol.mtime(disk, "registry", name, FRESH) !== undefined) {
        return undefined;
      }
      const mtime = protocol.mtime(disk, dir, name, FRESH);
      return mtime === undefined ? undefined : { ...candidate, mtime };
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
      const mtime = protocol.mtime(disk, "registry", name, FRESH) ??
        new Date(
          Math.min(
            ...dirs.map((d) => protocol.mtime(disk, d, name, FRESH)!.getTime()),
          ),
        );
      return protocol.sameFile(disk, dirs, name)
        ? { ...candidate, dirs, mtime, sameFile: true }
        : { ...candidate, dirs, mtime };
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
