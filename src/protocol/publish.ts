/**
 * How an entry is published: its name reserved, its payload and metadata
 * written (and flushed, in strict durability), then one rename into its
 * queue that makes it visible. A failure takes back what was written, and
 * an entry a consumer took meanwhile is reported as delivered.
 *
 * @module
 */

import {
  NameInUseError,
  NameNotReservedError,
  PartialEnqueueError,
  toSpoolError,
} from "../errors.ts";
import type { FileContent, WrittenFile } from "../fs.ts";
import { claim } from "./claim.ts";
import type { Disk } from "./disk.ts";
import { setDue } from "./due.ts";
import {
  isRejected,
  settleAll,
  writeFlushed,
  writeNew,
  writeTmp,
} from "./write.ts";

/**
 * Creates `.registry/NAME` exclusively. Returns false if the name is taken.
 */
export async function reserve(disk: Disk, name: string): Promise<boolean> {
  const path = disk.layout.registry(name);
  try {
    await disk.calls.createExclusive(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw toSpoolError(error, "reserve name", path);
  }
}

/** Frees a name this process reserved and will not use; quietly. */
export function unreserve(disk: Disk, name: string): void {
  disk.unlinkQuietly(disk.layout.registry(name));
}

/**
 * Publishes a new entry: writes `.data/NAME` (exclusively) and `.tmp/NAME`,
 * dates `.tmp/NAME` with the due time if there is one (see
 * {@linkcode setDue}), flushes them (strict), then renames `.tmp/NAME` to `QUEUE/NAME`, which
 * makes the entry visible, and flushes the queue directory (strict). When
 * `reservedEarlier` is false, the name was reserved by this call and its
 * registry file is removed on failure; otherwise it must already exist.
 * `since`, a mark taken before the caller reserved the name (see
 * `Disk.mark`), makes a failed flush of the registry directory meanwhile
 * this enqueue's failure too.
 */
export async function publish(
  disk: Disk,
  queue: string,
  name: string,
  metadata: string,
  data: FileContent,
  reservedEarlier: boolean,
  due?: Date,
  since: number = disk.mark(),
): Promise<void> {
  const operation = "enqueue entry";
  const { layout } = disk;
  const registry = layout.registry(name);
  const dataPath = layout.data(name);
  const tmp = layout.tmp(name);
  const final = layout.queueFile(queue, name);
  if (reservedEarlier) {
    try {
      await disk.calls.touch(registry, disk.clock.now());
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new NameNotReservedError(
          `name ${JSON.stringify(name)} is not reserved (reserve it first)`,
          { operation, path: registry },
        );
      }
      throw toSpoolError(error, operation, registry);
    }
  }
  const state = {
    wroteData: false,
    wroteTmp: false,
    published: false,
  };
  try {
    await disk.withTmp(name, async () => {
      state.wroteData = true;
      state.wroteTmp = true;
      const nameInUse = (error: unknown) => {
        // Another entry's data file: not this call's to remove.
        state.wroteData = false;
        return new NameInUseError(
          `name ${JSON.stringify(name)} already has a data file`,
          { operation, path: dataPath, cause: error },
        );
      };
      // Dated before the rename that publishes it: no reader ever sees the
      // entry without its due time.
      const date = due === undefined ? undefined : () => setDue(disk, tmp, due);
      if (!disk.strict) {
        try {
          await disk.io(() => writeNew(disk, dataPath, data));
        } catch (error) {
          if (error instanceof Deno.errors.AlreadyExists) {
            throw nameInUse(error);
          }
          throw error;
        }
        await writeTmp(disk, tmp, metadata);
        date?.();
      } else {
        // Both files at once, each written and flushed through the
        // descriptor that wrote it, within one I/O slot.
        const dataWrite = writeFlushed(
          disk,
          () => writeNew(disk, dataPath, data),
        );
        const tmpWrite = writeFlushed(
          disk,
          () => writeTmp(disk, tmp, metadata),
          date,
        );
        try {
          // The directory flushes are asked for once both files exist.
          await settleAll([dataWrite.written, tmpWrite.written]);
        } catch (error) {
          await Promise.allSettled([dataWrite.done, tmpWrite.done]);
          if (
            error instanceof Deno.errors.AlreadyExists &&
            (await isRejected(dataWrite.written))
          ) throw nameInUse(error);
          throw error;
        }
        await settleAll([
          dataWrite.done,
          tmpWrite.done,
          disk.flushDir(layout.registryDir, since),
          disk.flushDir(layout.dataDir, since),
        ]);
      }
      await disk.renameVerified(tmp, final);
      state.published = true;
    });
    if (disk.strict) await disk.flushDir(layout.queueDir(queue), since);
  } catch (error) {
    const failure = toSpoolError(error, operation, final);
    const undone = await undoPublish(disk, queue, name, {
      ...state,
      reservedNow: !reservedEarlier,
    });
    if (undone) throw failure;
    throw new PartialEnqueueError([name], {
      operation,
      path: final,
      cause: failure,
    });
  }
}

/** One entry of {@linkcode publishMany}. */
export interface PublishItem {
  /** Its name, reserved by the caller for this call. */
  name: string;
  /** Its metadata text. */
  metadata: string;
  /** Its payload. */
  data: FileContent;
  /** When it is due, if later than now. */
  due?: Date;
}

/**
 * Publishes many new entries in one queue with one flush phase: writes
 * every `.data/NAME` and `.tmp/NAME` (and flushes them, strict), flushes
 * `.registry/` and `.data/` once, renames every `.tmp/NAME` into the queue,
 * then flushes the queue once. So n entries cost two waits for the disk,
 * not 2n. All or nothing, as far as it can be: on failure every entry is
 * taken back (those published already, the way a consumer would take them)
 * and every name's files are removed, registry files included; an entry a
 * consumer took first is delivered, and named in the
 * {@linkcode PartialEnqueueError} thrown.
 */
export async function publishMany(
  disk: Disk,
  queue: string,
  items: readonly PublishItem[],
  since: number = disk.mark(),
): Promise<void> {
  const operation = "enqueue entries";
  const { layout } = disk;
  const states = items.map(() => ({
    wroteData: false,
    wroteTmp: false,
    published: false,
    reservedNow: true,
  }));
  try {
    // Every write settles before any undo starts.
    const written = await Promise.allSettled(
      items.map((item, i) =>
        disk.io(async () => {
          const state = states[i];
          const dataPath = layout.data(item.name);
          const tmp = layout.tmp(item.name);
          state.wroteData = true;
          let dataFile: WrittenFile | undefined;
          let tmpFile: WrittenFile | undefined;
          try {
            dataFile = await writeNew(disk, dataPath, item.data);
            state.wroteTmp = true;
            tmpFile = await writeTmp(disk, tmp, item.metadata);
            if (item.due !== undefined) setDue(disk, tmp, item.due);
            if (disk.strict) {
              await settleAll([dataFile!.sync(), tmpFile!.sync()]);
            }
          } finally {
            dataFile?.close();
            tmpFile?.close();
          }
        })
      ),
    );
    const failed = written.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    if (disk.strict) {
      await Promise.all([
        disk.flushDir(layout.registryDir, since),
        disk.flushDir(layout.dataDir, since),
      ]);
    }
    for (const [i, item] of items.entries()) {
      await disk.renameVerified(
        layout.tmp(item.name),
        layout.queueFile(queue, item.name),
      );
      states[i].published = true;
    }
    if (disk.strict) await disk.flushDir(layout.queueDir(queue), since);
  } catch (error) {
    const failure = toSpoolError(error, operation, layout.queueDir(queue));
    const delivered: string[] = [];
    for (const [i, item] of items.entries()) {
      if (!await undoPublish(disk, queue, item.name, states[i])) {
        delivered.push(item.name);
      }
    }
    if (delivered.length === 0) throw failure;
    throw new PartialEnqueueError(delivered, {
      operation,
      path: layout.queueDir(queue),
      cause: failure,
    });
  }
}

/**
 * Takes back what a failed publish wrote. False if the entry was visible
 * and could not be taken back: a consumer has it (or it could not be
 * claimed, and still waits), so it is delivered, and its files stay.
 */
async function undoPublish(
  disk: Disk,
  queue: string,
  name: string,
  state: {
    published: boolean;
    wroteTmp: boolean;
    wroteData: boolean;
    reservedNow: boolean;
  },
): Promise<boolean> {
  const { layout } = disk;
  if (state.published) {
    // Visible already: take it back the way a consumer would. If another
    // process has it, it is in use and its files stay.
    const checkedOut = layout.checkoutFile(queue, name);
    try {
      const waiting = layout.queueFile(queue, name);
      if (!await claim(disk, waiting, checkedOut, name, "enqueue entry")) {
        return false;
      }
    } catch {
      return false;
    }
    disk.unlinkQuietly(checkedOut);
  }
  if (state.wroteTmp) disk.unlinkQuietly(layout.tmp(name));
  if (state.wroteData) disk.unlinkQuietly(layout.data(name));
  if (state.reservedNow) disk.unlinkQuietly(layout.registry(name));
  return true;
}
