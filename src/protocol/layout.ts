/**
 * Where things live in a spool directory: the on-disk format.
 *
 * ```
 * SPOOL/
 *   .registry/NAME        empty; the name's reservation
 *   .tmp/NAME             being written; renamed into place when complete
 *   .data/NAME            the entry's payload
 *   QUEUE/NAME            the entry's metadata, waiting in QUEUE
 *   QUEUE/.checkout/NAME  the entry's metadata, checked out from QUEUE
 * ```
 *
 * @module
 */

/** The name of the directory holding one empty file per name in use. */
export const REGISTRY = ".registry";
/** The name of the directory of files being written. */
export const TMP = ".tmp";
/** The name of the directory of payload files. */
export const DATA = ".data";
/** The name of a queue's directory of checked-out entries. */
export const CHECKOUT = ".checkout";
/**
 * How the probe files that read the file system's clock begin: a dot file
 * in `.tmp/`, which no listing of entries shows. Each lives for three
 * system calls; repair deletes one that a crash left behind.
 */
export const CLOCK_PROBE_PREFIX = ".clock-";
/**
 * How repair's own files in `.tmp/` begin (`.repair-UUID`): the history of
 * an entry it does not hold, written there before it is renamed over the
 * entry's registry file. Not `.tmp/NAME.repair`, which a name of 249 bytes
 * or more would make too long; a dot file, which no entry name can be, like
 * the clock's probes. A crash can leave one: repair deletes it once it is
 * older than the tmp limit.
 */
export const REPAIR_TMP_PREFIX = ".repair-";

/**
 * One of the directories of a spool where a file of an entry can be:
 * `.registry/`, `.tmp/`, `.data/`, a queue, or a queue's `.checkout/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Dir, dirName } from "@multispool/multispool/monitor";
 *
 * const where: Dir[] = ["registry", { queue: "active", checkout: true }];
 * assert.deepEqual(where.map(dirName), [".registry", "active/.checkout"]);
 * ```
 */
export type Dir =
  | "registry"
  | "tmp"
  | "data"
  | {
    /** The queue's name. */
    queue: string;
    /** True for the queue's `.checkout/`, false for the queue itself. */
    checkout: boolean;
  };

/**
 * A {@linkcode Dir} as a short relative path: `.registry`, `.tmp`, `.data`,
 * `QUEUE` or `QUEUE/.checkout`.
 *
 * @param dir The directory.
 * @returns Its path relative to the spool directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dirName } from "@multispool/multispool/monitor";
 *
 * assert.equal(dirName({ queue: "active", checkout: true }), "active/.checkout");
 * assert.equal(dirName({ queue: "active", checkout: false }), "active");
 * assert.equal(dirName("tmp"), ".tmp");
 * ```
 */
export function dirName(dir: Dir): string {
  if (dir === "registry") return REGISTRY;
  if (dir === "tmp") return TMP;
  if (dir === "data") return DATA;
  return dir.checkout ? `${dir.queue}/${CHECKOUT}` : dir.queue;
}

/** Paths inside one spool directory. Names must be validated beforehand. */
export class Layout {
  /** The spool directory, without a trailing slash. */
  readonly dir: string;
  /** `.registry/` */
  readonly registryDir: string;
  /** `.tmp/` */
  readonly tmpDir: string;
  /** `.data/` */
  readonly dataDir: string;

  /** @param dir The spool directory. */
  constructor(dir: string) {
    this.dir = dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
    this.registryDir = `${this.dir}/${REGISTRY}`;
    this.tmpDir = `${this.dir}/${TMP}`;
    this.dataDir = `${this.dir}/${DATA}`;
  }

  /** `.registry/NAME` */
  registry(name: string): string {
    return `${this.registryDir}/${name}`;
  }

  /** `.tmp/NAME` */
  tmp(name: string): string {
    return `${this.tmpDir}/${name}`;
  }

  /** `.data/NAME` */
  data(name: string): string {
    return `${this.dataDir}/${name}`;
  }

  /** `QUEUE/` */
  queueDir(queue: string): string {
    return `${this.dir}/${queue}`;
  }

  /** `QUEUE/NAME` */
  queueFile(queue: string, name: string): string {
    return `${this.dir}/${queue}/${name}`;
  }

  /** `QUEUE/.checkout/` */
  checkoutDir(queue: string): string {
    return `${this.dir}/${queue}/${CHECKOUT}`;
  }

  /** `QUEUE/.checkout/NAME` */
  checkoutFile(queue: string, name: string): string {
    return `${this.dir}/${queue}/${CHECKOUT}/${name}`;
  }

  /** The directory `dir`. */
  dirPath(dir: Dir): string {
    return `${this.dir}/${dirName(dir)}`;
  }

  /** The file `name` in `dir`. */
  file(dir: Dir, name: string): string {
    return `${this.dir}/${dirName(dir)}/${name}`;
  }
}
