/**
 * Repair: the explicit, opt-in fix for what a crash leaves behind.
 *
 * @module
 */

import { recordAbandoned, recordDamage } from "./failure.ts";
import { editHistoryText } from "./history.ts";
import {
  findProblems,
  type Limits,
  locate,
  type Problem,
  problemKey,
  type QuarantinedEntry,
} from "./problems.ts";
import * as protocol from "./protocol/mod.ts";
import { type Dir, dirName, type Disk } from "./protocol/mod.ts";

/**
 * One thing repair did (or, in a dry run, would do).
 *
 * - `requeue`: a checkout older than the checkout limit, put back in its
 *   queue for another consumer (its consumer is presumed dead).
 * - `finish-claim`: one file both waiting in its queue and checked out (a
 *   claim cut short between its link and its unlink), older than the
 *   checkout limit: it waits in its queue again, under one name. Also one
 *   file under names in several queues (a requeue or a move cut short
 *   while its consumer saved the entry elsewhere): one name is kept (a
 *   waiting one), the others unlinked; `queue` is where it waits.
 * - `delete-tmp`: a file in `.tmp/` older than the tmp limit, abandoned by
 *   an operation that never finished.
 * - `delete-leftovers`: a name with a registry file but no entry (an enqueue
 *   that never finished, or a reservation never used), all of whose files
 *   are older than the tmp limit: its `.tmp/`, `.data/` and registry files
 *   are deleted, registry last. Also a payload with neither registry file
 *   nor entry (a power cut in the middle of an enqueue), older than the tmp
 *   limit.
 * - `remove-link`: a symbolic link planted where the spool keeps files,
 *   unlinked (what it points to is never touched).
 * - `split-duplicate`: an entry found in two places as two different files:
 *   each extra copy gets a name of its own (`NAME-copy-XXXXXXXX`), with the
 *   payload, and waits in its queue; nothing is lost, and removing one no
 *   longer takes the other's payload.
 * - `finish-split`: such a split that a crash cut short (the copy is one
 *   file under its old name and its new one): the old name is unlinked,
 *   never split again.
 * - `move-damaged`: with `damagedTo`, an entry whose payload is missing or
 *   not a regular file, or whose metadata cannot be decoded, moved to that
 *   queue with the reason in its history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RepairAction } from "@multispool/multispool/monitor";
 *
 * function explain(action: RepairAction): string {
 *   return action.kind === "requeue"
 *     ? `${action.name} back to ${action.queue}`
 *     : `${action.name}: deleted ${action.kind}`;
 * }
 * assert.equal(
 *   explain({
 *     kind: "delete-tmp",
 *     name: "x",
 *     problem: { kind: "too-old", name: "x", mtime: new Date(0), dirs: ["tmp"] },
 *   }),
 *   "x: deleted delete-tmp",
 * );
 * ```
 */
export type RepairAction =
  | {
    /** Put back in its queue. */
    kind: "requeue";
    /** The entry. */
    name: string;
    /** The queue it was checked out from and goes back to. */
    queue: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** A claim cut short finished: the entry waits in its queue again. */
    kind: "finish-claim";
    /** The entry. */
    name: string;
    /** The queue it waits in, and whose `.checkout/` name was unlinked. */
    queue: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** An abandoned tmp file deleted. */
    kind: "delete-tmp";
    /** The file name. */
    name: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** A symbolic link unlinked. */
    kind: "remove-link";
    /** Its name. */
    name: string;
    /** Where it was. */
    dir: Dir;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** A copy of a duplicated entry given a name of its own. */
    kind: "split-duplicate";
    /** The entry's name, kept by the other copy. */
    name: string;
    /** Where the copy was. */
    dir: Dir;
    /** Its new name (it now waits in its queue under it). */
    newName: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** A split cut short finished: the copy keeps only its new name. */
    kind: "finish-split";
    /** The entry's name, kept by the other copy. */
    name: string;
    /** Where the copy's old name was. */
    dir: Dir;
    /** The copy's name, which it keeps. */
    newName: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** A damaged entry moved out of its consumers' way. */
    kind: "move-damaged";
    /** The entry. */
    name: string;
    /** Where it was. */
    dir: Dir;
    /** The queue it was moved to. */
    queue: string;
    /** The problem this fixes. */
    problem: Problem;
  }
  | {
    /** The files of an unfinished enqueue deleted. */
    kind: "delete-leftovers";
    /** The name. */
    name: string;
    /** The directories its files were in. */
    dirs: Dir[];
    /** The problem this fixes. */
    problem: Problem;
  };

/**
 * What a repair did (or would do), and what it left alone and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] });
 * await Deno.writeTextFile(`${dir}/q/stray`, "{}"); // no registry file
 * const monitor = await Monitor.create(dir);
 * const report = await monitor.repair(); // a dry run
 * assert.equal(report.dryRun, true);
 * assert.deepEqual(report.actions, []);
 * assert.equal(report.leftAlone.length, 1);
 * assert.match(report.leftAlone[0].reason, /no registry file/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RepairReport {
  /** True if nothing was changed. */
  dryRun: boolean;
  /** The actions taken (or that would be taken). */
  actions: RepairAction[];
  /** The problems repair does not fix, each with the reason. */
  leftAlone: { problem: Problem; reason: string }[];
  /**
   * The damaged entries in quarantine (see `QuarantinedEntry`): not
   * problems; repair leaves them as they are.
   */
  quarantined: QuarantinedEntry[];
}

/**
 * Finds the problems of the spool and fixes those that a crash explains,
 * touching nothing younger than the limits. Each action is checked again
 * just before it is carried out.
 */
export async function repairSpool(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  options: {
    dryRun: boolean;
    damagedTo?: string;
    decode?: (text: string) => unknown;
  },
): Promise<RepairReport> {
  const { dryRun, damagedTo } = options;
  const { problems, quarantined } = await findProblems(
    disk,
    queues,
    limits,
    undefined,
    { decode: options.decode },
  );
  const report: RepairReport = {
    dryRun,
    actions: [],
    leftAlone: [],
    quarantined,
  };
  const fixed = new Set<string>();
  const byName = new Map<string, Problem[]>();
  for (const problem of problems) {
    const list = byName.get(problem.name);
    if (list === undefined) byName.set(problem.name, [problem]);
    else list.push(problem);
  }
  const has = (name: string, kind: Problem["kind"], dir?: Dir) =>
    (byName.get(name) ?? []).some((p) =>
      p.kind === kind &&
      (dir === undefined || JSON.stringify(p.dirs[0]) === JSON.stringify(dir))
    );
  const leave = (problem: Problem, reason: string) => {
    report.leftAlone.push({ problem, reason });
    fixed.add(problemKey(problem));
  };
  const act = (action: RepairAction, also: Problem[] = []) => {
    report.actions.push(action);
    for (const p of [action.problem, ...also]) fixed.add(problemKey(p));
  };
  const now = () => disk.clock.now().getTime();
  /**
   * A checkout judged stale: what it is judged on (its stamp), to be proved
   * again at the moment of the act (see `protocol.stillJudged`).
   */
  const judge = (dir: Dir, name: string): protocol.Judged | undefined => {
    const mtime = protocol.mtime(disk, dir, name, FRESH);
    return mtime !== undefined &&
        now() - mtime.getTime() > limits.maxCheckedOutAgeMs
      ? { mtime, olderThanMs: limits.maxCheckedOutAgeMs }
      : undefined;
  };
  const stale = (dir: Dir, name: string) => judge(dir, name) !== undefined;
  /** Why an act failed, for a `leftAlone` reason. */
  const failed = (error: unknown) =>
    error instanceof Error ? error.message : String(error);

  /** Two different files under one name: each extra copy gets its own. */
  const splitCopies = async (problem: Problem) => {
    const { name } = problem;
    let dirs = problem.dirs.filter((d) => typeof d === "object");
    // A copy whose split a crash cut short (its old name and its new one
    // are one file): the split is finished, never made again (the copy
    // would be two entries, handled twice).
    for (const dir of [...dirs]) {
      const newName = await protocol.splitCutShort(disk, dir, name);
      if (newName === undefined) continue;
      const mtime = protocol.mtime(disk, dir, name, FRESH);
      const judged = mtime && {
        mtime,
        olderThanMs: 0,
        linkedOlderThanMs: limits.workInProgressMs,
      };
      if (
        !dryRun &&
        !(judged && protocol.finishSplit(disk, dir, name, newName, judged))
      ) {
        leave(
          problem,
          "a split in progress, or one cut short that changed during the repair; look again",
        );
        return;
      }
      act({ kind: "finish-split", name, dir, newName, problem });
      dirs = dirs.filter((d) => d !== dir);
    }
    if (dirs.length < 2) return;
    // The copy a consumer may hold keeps the name; so does the first.
    const keep = dirs.find((d) => d.checkout && !stale(d, name)) ?? dirs[0];
    const copies = dirs.filter((d) => d !== keep);
    const held = copies.find((d) => d.checkout && !stale(d, name));
    if (held !== undefined) {
      leave(
        problem,
        `two copies are checked out; look again once ${
          dirName(held)
        }/${name} is done`,
      );
      return;
    }
    for (const copy of copies) {
      const newName = copyName(name);
      if (!dryRun && !protocol.splitDuplicate(disk, copy, name, newName)) {
        leave(problem, "it changed during the repair; look again");
        return;
      }
      act({ kind: "split-duplicate", name, dir: copy, newName, problem });
    }
  };

  /**
   * One file under names in several queues (a move cut short, not a claim
   * into its own queue's checkouts): one name is kept, a waiting one if
   * there is one, and the others go, a checkout name only once it is
   * older than the checkout limit.
   */
  const finishMove = (problem: Problem) => {
    const { name } = problem;
    const dirs = problem.dirs.filter((d) => typeof d === "object");
    const keep = dirs.find((d) => !d.checkout) ?? dirs[0];
    const others = dirs.filter((d) => d !== keep);
    const mtime = protocol.mtime(disk, keep, name, FRESH);
    const judged = mtime && {
      mtime,
      olderThanMs: others.some((d) => d.checkout)
        ? limits.maxCheckedOutAgeMs
        : -Infinity,
      linkedOlderThanMs: limits.workInProgressMs,
    };
    const stale = judged !== undefined &&
      now() - mtime!.getTime() > judged.olderThanMs;
    if (!stale) {
      leave(problem, "checked out less than the checkout limit ago");
    } else if (
      !dryRun && !protocol.finishMove(disk, keep, others, name, judged!)
    ) {
      leave(problem, "it changed during the repair; look again");
    } else {
      act({ kind: "finish-claim", name, queue: keep.queue, problem });
    }
  };

  /** An entry or file that cannot be used as it is. */
  const repairDamaged = async (problem: Problem) => {
    const { name } = problem;
    const [dir] = problem.dirs;
    if (typeof dir !== "object" || problem.reason?.startsWith("not a ")) {
      const info = protocol.statIn(disk, dir, name);
      if (info?.isSymlink) {
        if (!dryRun && !protocol.removeLink(disk, dir, name)) {
          leave(problem, "it changed during the repair; look again");
        } else act({ kind: "remove-link", name, dir, problem });
      } else {
        leave(
          problem,
          "a directory or special file where the spool keeps files; remove it by hand",
        );
      }
      return;
    }
    // The entry's other problems are this one's.
    const related = (byName.get(name) ?? []).filter((p) =>
      p !== problem && p.kind === "too-old" &&
      dirName(p.dirs[0]) === dirName(dir)
    );
    if (damagedTo === undefined) {
      // (The problem says what the damage is; the reason, what to do.)
      leave(
        problem,
        "move it aside (repair with damagedTo, the CLI's --damaged-to QUEUE) or remove it",
      );
      for (const p of related) fixed.add(problemKey(p));
      return;
    }
    const judged = dir.checkout ? judge(dir, name) : undefined;
    if (dir.checkout && judged === undefined) {
      leave(problem, "checked out: its consumer is dealing with it");
      return;
    }
    if (!dryRun) {
      let moved: boolean;
      try {
        moved = await protocol.moveDamaged(
          disk,
          dir,
          name,
          damagedTo,
          (text) => damagedHistory(text, dir.queue, damagedTo, problem),
          { judged, stillDamaged: (read) => stillDamaged(problem, read) },
        );
      } catch (error) {
        leave(problem, `it could not be moved: ${failed(error)}`);
        return;
      }
      if (!moved) {
        leave(problem, "it changed during the repair; look again");
        return;
      }
    }
    act(
      { kind: "move-damaged", name, dir, queue: damagedTo, problem },
      related,
    );
  };

  /**
   * Whether the entry judged damaged for `problem` is so still; `read`
   * reads its metadata.
   */
  const stillDamaged = (problem: Problem, read: () => string): boolean => {
    if (problem.reason?.includes("payload")) {
      return protocol.statIn(disk, "data", problem.name)?.isFile !== true;
    }
    if (options.decode === undefined) return true;
    try {
      options.decode(read());
      return false;
    } catch {
      return true;
    }
  };

  for (const problem of problems) {
    if (fixed.has(problemKey(problem))) continue;
    const { name } = problem;
    const [dir] = problem.dirs;

    if (problem.kind === "damaged") {
      await repairDamaged(problem);
      continue;
    }

    if (problem.kind === "duplicated") {
      const queue = claimCutShort(problem);
      if (queue === undefined && problem.sameFile) {
        finishMove(problem);
        continue;
      }
      if (queue === undefined) {
        await splitCopies(problem);
        continue;
      }
      const held: Dir = { queue, checkout: true };
      const related = (byName.get(name) ?? []).filter((p) =>
        p.kind === "too-old" && dirName(p.dirs[0]) === dirName(held)
      );
      const judged = judge(held, name);
      if (judged === undefined) {
        leave(
          problem,
          "a claim in progress, or cut short less than the checkout limit ago",
        );
      } else if (
        !dryRun &&
        !await protocol.finishClaim(disk, queue, name, {
          ...judged,
          linkedOlderThanMs: limits.workInProgressMs,
        })
      ) {
        leave(problem, "it changed during the repair; look again");
      } else {
        act({ kind: "finish-claim", name, queue, problem }, related);
      }
      continue;
    }

    if (problem.kind === "too-old" && typeof dir === "object" && dir.checkout) {
      if (has(name, "orphaned", dir)) {
        leave(problem, "it has no registry file; inspect it by hand");
      } else if (has(name, "duplicated")) {
        leave(problem, "the entry is also elsewhere (duplicated)");
      } else if (protocol.mtime(disk, "data", name, FRESH) === undefined) {
        leave(problem, "damaged: its data file is missing, so not requeued");
      } else if (dryRun) {
        act({ kind: "requeue", name, queue: dir.queue, problem });
      } else {
        // Its consumer may have touched it since the scan: judged again,
        // and proved once more as it is put back (see protocol.moveStale).
        const judged = judge(dir, name);
        let moved = false;
        let failure: unknown;
        try {
          // The attempt counts: a consumer that dies on this entry every
          // time must not keep it forever (see RetryPolicy). Recorded with
          // the move, or neither happens.
          moved = judged !== undefined &&
            await protocol.requeue(
              disk,
              dir.queue,
              name,
              judged,
              (text) =>
                editHistoryText(text, recordAbandoned(dir.queue, "repair")),
            );
        } catch (error) {
          failure = error;
        }
        if (failure !== undefined) {
          // Nothing moved; the attempt was recorded only if the move was
          // cut short after it (then the entry is in two places, which a
          // later repair finishes).
          leave(problem, `not requeued: ${failed(failure)}`);
        } else if (moved) {
          act({ kind: "requeue", name, queue: dir.queue, problem });
        } else {
          leave(problem, "it changed during the repair; look again");
        }
      }
      continue;
    }

    if (problem.kind === "orphaned" && dir === "registry") {
      // An enqueue that never finished: registry, maybe tmp and data.
      const dirs: Dir[] = ["registry"];
      if (protocol.mtime(disk, "tmp", name, FRESH) !== undefined) {
        dirs.unshift("tmp");
      }
      if (protocol.mtime(disk, "data", name, FRESH) !== undefined) {
        dirs.splice(-1, 0, "data");
      }
      const newest = Math.max(
        ...dirs.map((d) =>
          protocol.mtime(disk, d, name, FRESH)?.getTime() ?? 0
        ),
      );
      const related = (byName.get(name) ?? []).filter((p) => p !== problem);
      if (now() - newest <= limits.maxTmpFileAgeMs) {
        leave(
          problem,
          "an enqueue may still be in progress (its files are younger than the tmp limit)",
        );
        continue;
      }
      if (!dryRun) {
        // Check again: no entry appeared, nothing got younger.
        const stillAlone = locate(disk, queues, name).length === 0;
        const newestNow = Math.max(
          ...dirs.map((d) =>
            protocol.mtime(disk, d, name, FRESH)?.getTime() ?? 0
          ),
        );
        if (!stillAlone || newestNow !== newest) {
          leave(problem, "it changed during the repair; look again");
          continue;
        }
        protocol.removeLeftovers(disk, name);
      }
      act({ kind: "delete-leftovers", name, dirs, problem }, related);
      continue;
    }

    if (dir === "tmp" && has(name, "too-old", "tmp")) {
      // Abandoned, with or without a registry file: no operation leaves a
      // file in .tmp/ that long.
      const related = (byName.get(name) ?? []).filter((p) =>
        p !== problem && p.dirs[0] === "tmp"
      );
      if (!dryRun) protocol.removeTmp(disk, name);
      act({ kind: "delete-tmp", name, problem }, related);
      continue;
    }

    if (problem.kind === "too-old") {
      leave(
        problem,
        "the entry has waited longer than its queue's limit; it needs a consumer, not a repair",
      );
      continue;
    }
    if (problem.kind === "orphaned" && dir === "data") {
      // A payload with no registry file and no entry: a power cut lost the
      // registry file of an enqueue that never finished. No live entry can
      // own it (an entry's registry file outlives its payload).
      const mtime = protocol.mtime(disk, "data", name, FRESH);
      if (
        mtime === undefined || now() - mtime.getTime() <= limits.maxTmpFileAgeMs
      ) {
        leave(
          problem,
          "younger than the tmp limit; an enqueue may be in progress",
        );
      } else if (locate(disk, queues, name).length > 0) {
        leave(
          problem,
          "an entry uses it but has no registry file; inspect it by hand",
        );
      } else {
        if (!dryRun) protocol.removeLeftovers(disk, name);
        act({ kind: "delete-leftovers", name, dirs: ["data"], problem });
      }
      continue;
    }
    // Orphaned files without a registry file.
    leave(
      problem,
      dir === "tmp"
        ? "younger than the tmp limit; an operation may still be using it"
        : "it has no registry file, so no crash of this library explains it; inspect it by hand",
    );
  }
  return report;
}

/** Repair acts on what the file server says, not on a cache. */
const FRESH = { fresh: true };

/**
 * The queue of a claim cut short: one file waiting in a queue and in that
 * queue's `.checkout/`, and nowhere else.
 */
function claimCutShort(problem: Problem): string | undefined {
  if (!problem.sameFile || problem.dirs.length !== 2) return undefined;
  const [a, b] = problem.dirs;
  if (typeof a !== "object" || typeof b !== "object") return undefined;
  if (a.queue !== b.queue || a.checkout === b.checkout) return undefined;
  return a.queue;
}

/** A new name for a copy of `name`: the name, `-copy-`, 8 hex digits. */
function copyName(name: string): string {
  return protocol.copyPrefix(name) + crypto.randomUUID().slice(0, 8);
}

/**
 * An entry's history (its registry file's text) with its damage recorded,
 * and its quarantine in `toQueue`, where it is being moved.
 */
function damagedHistory(
  text: string,
  queue: string,
  toQueue: string,
  problem: Problem,
): string {
  const reason = problem.reason ?? "damaged";
  return editHistoryText(
    text,
    recordDamage(queue, toQueue, `repair: ${reason}`, reason),
  );
}
