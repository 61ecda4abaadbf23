/**
 * The file system's clock: the one whose readings end up in modification
 * times, against which every age in a spool is measured.
 *
 * Ages decide things (a checkout older than its limit is presumed dead, and
 * repair hands it to another consumer), so they must not depend on which
 * host looks. On a file system shared by several hosts, a consumer whose
 * clock runs half an hour behind would stamp its checkouts half an hour in
 * the past, and the monitor on another host would call them stale at once.
 * So nothing in a spool is stamped with this process's clock as it is:
 * both the stamps and the "now" that ages are measured against come from
 * the clock that stamps the files the file system creates. On NFS and sshfs
 * that is the server's (on GlusterFS too, with `features.ctime off`; with it
 * on, the default, each client stamps with its own host's clock, and hosts
 * must keep their clocks in step).
 *
 * That clock is read with a probe: create an empty file, read the time the
 * file system stamped it with, unlink it. The difference from this
 * process's clock is kept and measured again once a minute.
 *
 * @module
 */

import type { FileSystem } from "../fs.ts";
import { CLOCK_PROBE_PREFIX } from "../layout.ts";

/** How often the offset is measured again. */
const PROBE_EVERY_MS = 60_000;
/**
 * Offsets below this are noise (a local file system stamps with a clock
 * that ticks every few milliseconds; sshfs keeps whole seconds) and are
 * taken as none.
 */
const NOISE_MS = 1_000;

/** Reads the file system's clock, through probe files in one directory. */
export class FileSystemClock {
  readonly #fs: FileSystem;
  readonly #probeDir: string;
  #offsetMs = 0;
  #probedAt = -Infinity;

  /**
   * @param fs The file system.
   * @param probeDir Where probe files are made (the spool's `.tmp/`).
   */
  constructor(fs: FileSystem, probeDir: string) {
    this.#fs = fs;
    this.#probeDir = probeDir;
  }

  /** Now, on the file system's clock. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs());
  }

  /**
   * The file system's clock minus this process's, in milliseconds: add it
   * to a time of this process's clock to have it on the file system's.
   */
  offsetMs(): number {
    const tick = performance.now();
    if (tick - this.#probedAt >= PROBE_EVERY_MS) {
      this.#probedAt = tick;
      this.#offsetMs = this.#probe() ?? this.#offsetMs;
    }
    return this.#offsetMs;
  }

  /**
   * The file system's clock minus this process's, or undefined if no probe
   * can be made here (a read-only file system, or a process granted only
   * read access): then this process's clock stands in.
   */
  #probe(): number | undefined {
    const fs = this.#fs;
    const path =
      `${this.#probeDir}/${CLOCK_PROBE_PREFIX}${crypto.randomUUID()}`;
    try {
      const before = Date.now();
      fs.createExclusive(path);
      try {
        const stamped = fs.lstat(path).mtime;
        const after = Date.now();
        if (stamped === null) return undefined;
        const offset = stamped.getTime() - (before + after) / 2;
        return Math.abs(offset) < NOISE_MS ? 0 : Math.round(offset);
      } finally {
        fs.remove(path);
      }
    } catch {
      return undefined;
    }
  }
}
