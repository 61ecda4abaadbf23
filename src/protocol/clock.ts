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
 * process's clock is kept and measured again once a minute, and at once
 * when this host's clock is seen to step: when the wall clock has moved by
 * more than a second more (or less) than the monotonic clock since the last
 * reading (`Date.now()` against `performance.now()`). So after a step of
 * the host's clock (a correction by NTP, an administrator's `date`), stamps
 * and ages on a shared file system stay on the server's clock from the
 * next reading, not for up to a minute off by the step.
 *
 * What no process can correct: on a local disk the file system's clock is
 * this host's clock. A step back by Δ makes every file stamped in the last
 * Δ look stamped in the future: such entries look delayed, and are not
 * handed out until the clock has caught up (at most Δ later); a checkout
 * looks younger by Δ. A step forward by Δ makes every stamp look Δ older:
 * a checkout may look stale Δ early, and repair may take it from a live
 * consumer if Δ exceeds what is left of its limit. Keep hosts' clocks
 * slewed (chrony, ntpd's default for small offsets), not stepped, while a
 * spool is in use, and do not run repair across a step.
 *
 * @module
 */

import type { FileSystem } from "../fs.ts";
import { CLOCK_PROBE_PREFIX } from "./layout.ts";

/** How often the offset is measured again. */
const PROBE_EVERY_MS = 60_000;
/**
 * A difference between the wall clock's progress and the monotonic
 * clock's larger than this, between two readings, is a step of the wall
 * clock (or a suspended host): the offset is measured again at once.
 */
const STEP_MS = 1_000;
/**
 * Offsets below this are noise (a local file system stamps with a clock
 * that ticks every few milliseconds; sshfs keeps whole seconds) and are
 * taken as none.
 */
const NOISE_MS = 1_000;

/** This process's clocks, for {@linkcode FileSystemClock}. */
export interface HostClocks {
  /** The wall clock, in milliseconds since the epoch (`Date.now`). */
  wall(): number;
  /** A monotonic clock, in milliseconds (`performance.now`). */
  tick(): number;
}

const HOST_CLOCKS: HostClocks = {
  wall: () => Date.now(),
  tick: () => performance.now(),
};

/** Reads the file system's clock, through probe files in one directory. */
export class FileSystemClock {
  readonly #fs: FileSystem;
  readonly #probeDir: string;
  readonly #clocks: HostClocks;
  #offsetMs = 0;
  #probedAt = -Infinity;
  #probeMs: number | undefined;
  // The last reading of both clocks, to see a step of the wall clock.
  #lastWall = NaN;
  #lastTick = NaN;

  /**
   * @param fs The file system.
   * @param probeDir Where probe files are made (the spool's `.tmp/`).
   * @param clocks This process's clocks (tests step them).
   */
  constructor(fs: FileSystem, probeDir: string, clocks = HOST_CLOCKS) {
    this.#fs = fs;
    this.#probeDir = probeDir;
    this.#clocks = clocks;
  }

  /**
   * How long the last probe's calls took (a file created, then looked
   * at), in milliseconds on this host's monotonic clock; undefined if no
   * probe was made: a first sign of how quick the file system's calls are.
   */
  get probeMs(): number | undefined {
    return this.#probeMs;
  }

  /**
   * Probes the file system's clock now (see {@linkcode probeMs}), and
   * returns how long the probe's calls took, or undefined if none could
   * be made.
   */
  probeNow(): number | undefined {
    this.#probedAt = this.#clocks.tick();
    const offset = this.#probe();
    if (offset === undefined) return undefined;
    this.#offsetMs = offset;
    return this.#probeMs;
  }

  /** Now, on the file system's clock. */
  now(): Date {
    const offset = this.offsetMs();
    return new Date(this.#clocks.wall() + offset);
  }

  /**
   * The file system's clock minus this process's, in milliseconds: add it
   * to a time of this process's clock to have it on the file system's.
   * Measured again once a minute, and at once after a step of this host's
   * clock.
   */
  offsetMs(): number {
    const tick = this.#clocks.tick();
    const wall = this.#clocks.wall();
    const stepped =
      Math.abs((wall - this.#lastWall) - (tick - this.#lastTick)) > STEP_MS;
    this.#lastWall = wall;
    this.#lastTick = tick;
    if (stepped || tick - this.#probedAt >= PROBE_EVERY_MS) {
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
      const started = this.#clocks.tick();
      const before = this.#clocks.wall();
      fs.createExclusive(path);
      try {
        const stamped = fs.lstat(path).mtime;
        const after = this.#clocks.wall();
        this.#probeMs = this.#clocks.tick() - started;
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
