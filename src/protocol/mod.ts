/**
 * The spool protocol: which file is created, written, flushed, renamed and
 * unlinked, in what order. This folder is the only place that knows; the
 * rest of the library speaks of entries and queues.
 *
 * The invariants every order here protects:
 * - An entry is visible (a file in `QUEUE/` or `QUEUE/.checkout/`) only while
 *   its `.registry/` file and its `.data/` file exist. Publishing is the last
 *   step of an enqueue; unlinking the metadata file is the first step of a
 *   remove.
 * - Exactly one process owns a checkout: the one whose claim succeeded (its
 *   link into `.checkout/` was made, and the unlink of the waiting name
 *   found the file still there), on one host or several.
 * - In strict durability, an enqueue that resolved survives a power cut: file
 *   contents are flushed before the rename that publishes them, the
 *   directories they were created in before it, and the queue directory after
 *   it. A remove flushes the unlink of the metadata file before unlinking the
 *   payload, so that no power cut can leave a visible entry without its data.
 * - Before each move of an entry to a new phase, the registry file and the
 *   moved file are stamped with now on the file system's clock, so that the
 *   monitor can tell a new phase from an old problem, whatever the clocks of
 *   the hosts that share the spool say. A claim stamps before it unlinks
 *   the old name: a checkout is fresh from the instant it is anyone's.
 * - JUDGE, THEN PROVE AGAIN AT THE ACT. A process that acts on a checkout
 *   it does not hold (repair, an operator's force) acts only on the file it
 *   judged: it proves, with its next call after the link that makes its
 *   act exclusive, that the linked file still carries the stamp it judged (see
 *   `moveStale`, `finishClaim`, `finishSplit`, `finishMove`). A holder
 *   proves its own stamp before every act on its checkout, and a removal
 *   looks again after its unlink (see `verifyStamp`, `removeCheckedOut`):
 *   a checkout taken away is never acted on by the one it was taken from.
 *
 * One question per file:
 * - `open.ts`: how a spool is opened (validated, created, its queues found).
 * - `publish.ts`: how a name is reserved and an entry published.
 * - `claim.ts`: how an entry changes hands: checked out, touched, released.
 *   Every change of phase goes through its `claim` (where processes race)
 *   or `moveToPhase` (where only the holder moves).
 * - `remove.ts`: how an entry is removed.
 * - `due.ts`: how a due time is kept on disk.
 * - `write.ts`: how a file is written new, or replaced whole.
 * - `reads.ts`: how entries are listed, read, statted and watched.
 * - `leftovers.ts`: how the monitor and repair find and clear what crashes
 *   leave behind.
 * - `layout.ts`: where the spool keeps each file.
 * - `disk.ts`: the state they share (paths, file system, flushes, I/O limit,
 *   what is in flight).
 * - `clock.ts`: the file system's clock, which stamps phases and dates ages.
 *
 * @module
 */

export { Disk, type DiskOptions } from "./disk.ts";
export { type Dir, dirName } from "./layout.ts";
export { discoverQueues, findQueues, openSpoolDir } from "./open.ts";
export {
  publish,
  type PublishItem,
  publishMany,
  reserve,
  unreserve,
} from "./publish.ts";
export {
  checkout,
  type CheckoutResult,
  claim,
  release,
  type ReleaseOptions,
  touchCheckout,
  verifyStamp,
} from "./claim.ts";
export { removeCheckedOut, removeWaiting } from "./remove.ts";
export { dueOf, makeDue, waitingDue } from "./due.ts";
export { writeData, writeQueueMetadata } from "./write.ts";
export {
  type EntryFiles,
  findEntry,
  isWaiting,
  listCheckouts,
  listFirst,
  type ListFirstOptions,
  listQueue,
  lookAtCheckouts,
  lookAtEntry,
  type LookOptions,
  type NameReader,
  readCheckout,
  readData,
  readDataStream,
  readFileText,
  readHistoryText,
  readMetadata,
  readNames,
  readRegistry,
  statData,
  statDataIfThere,
  statEntry,
  statWaiting,
  watchQueue,
} from "./reads.ts";
export {
  changedAt,
  copyPrefix,
  finishClaim,
  finishMove,
  finishSplit,
  type Judged,
  linkedLongAgo,
  moveDamaged,
  moveStale,
  mtime,
  namesIn,
  removeLeftovers,
  removeLink,
  removeTmp,
  requeue,
  sameFile,
  splitCutShort,
  splitDuplicate,
  statIn,
  stillJudged,
  tmpTime,
  wake,
} from "./leftovers.ts";
