/**
 * What a repair reports: the actions it took (or, in a dry run, would take)
 * and what it left alone, with why.
 *
 * @module
 */

import type { Problem, QuarantinedEntry } from "../problems.ts";
import type { Dir } from "../protocol/mod.ts";

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
