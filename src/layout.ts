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
}
