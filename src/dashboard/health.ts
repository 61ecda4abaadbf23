/**
 * The spool's health as the dashboard shows it: the monitor's problems,
 * the entries quarantined (counted apart: they are not problems), and the
 * repair the monitor would do, from a dry run. A check scans the whole
 * spool (twice when there are problems: the problems, then the plan), so
 * it is shared: pages show the last one, and a new one starts when the
 * last is older than the pause (15 s, or four times what the check took
 * if that is longer); pages wait for the first one half a second at most.
 * The repair itself runs only when an operator confirms it. Internal.
 *
 * @module
 */

import { runInBackground } from "../background.ts";
import { Monitor } from "../monitor.ts";
import type { MonitorOptions } from "../monitor_options.ts";
import type { CheckReport } from "../problems.ts";
import type { RepairReport } from "../repair.ts";
import type { SpoolView } from "./spool_view.ts";

/** What a check finds: the problems, and the quarantined entries apart. */
export type Findings = CheckReport;

/** The monitor's findings, quarantined entries apart. */
export async function findings(monitor: Monitor): Promise<Findings> {
  return await monitor.check();
}

/** One check of the spool's health. */
export interface Health extends Findings {
  /** When it was made (this host's clock). */
  at: Date;
  /** How long it took, in milliseconds. */
  checkMs: number;
  /** What repair would do (a dry run), quarantined entries left out. */
  plan: RepairReport;
}

/** The shortest pause between two checks, as the monitor's default. */
const PAUSE_MS = 15_000;

/** Checks a spool's health for pages, sharing the work. */
export class HealthWatch {
  readonly #view: SpoolView;
  readonly #options: MonitorOptions;
  #monitor: Promise<Monitor> | undefined;
  #latest: { health: Health; takenAt: number } | undefined;
  #checking: Promise<Health> | undefined;
  #closed = false;

  /**
   * @param view The spool.
   * @param options The monitor's limits.
   */
  constructor(view: SpoolView, options: MonitorOptions) {
    this.#view = view;
    this.#options = options;
  }

  /** The last check, however old, if there is one. */
  latest(): Health | undefined {
    return this.#latest?.health;
  }

  /**
   * A recent check: the last one, starting a new one (in the background)
   * if it is older than the pause; the first check if there is none yet.
   */
  current(): Promise<Health> {
    const latest = this.#latest;
    if (latest === undefined) return this.check();
    const pause = Math.max(PAUSE_MS, 4 * latest.health.checkMs);
    if (performance.now() - latest.takenAt >= pause && !this.#closed) {
      this.check().catch(() => {
        // Shown by the next page that waits for a check.
      });
    }
    return Promise.resolve(latest.health);
  }

  /** A new check (shared with whoever asks while it runs). */
  check(): Promise<Health> {
    if (this.#checking !== undefined) return this.#checking;
    const checking = runInBackground(() => this.#check()).finally(() => {
      this.#checking = undefined;
    });
    this.#checking = checking;
    return checking;
  }

  async #check(): Promise<Health> {
    const started = performance.now();
    const monitor = await this.#open();
    const found = await findings(monitor);
    // Repair acts only on problems: a spool without any needs no dry run
    // (a second scan of the spool).
    const plan: RepairReport = found.problems.length === 0
      ? { dryRun: true, actions: [], leftAlone: [], quarantined: [] }
      : await monitor.repair({ dryRun: true });
    const health: Health = {
      ...found,
      plan,
      at: new Date(),
      checkMs: Math.round(performance.now() - started),
    };
    this.#latest = { health, takenAt: performance.now() };
    return health;
  }

  /**
   * Repairs the spool (never automatically: an operator confirmed it),
   * then checks it again.
   */
  async repair(): Promise<{ report: RepairReport; after: Health }> {
    const monitor = await this.#open();
    const report = await monitor.repair({ dryRun: false });
    await this.#checking?.catch(() => {});
    const after = await this.check();
    return { report, after };
  }

  /** The monitor, opened once (again after a failure). */
  async #open(): Promise<Monitor> {
    this.#monitor ??= Monitor.create(this.#view.dir, this.#options);
    try {
      return await this.#monitor;
    } catch (error) {
      this.#monitor = undefined;
      throw error;
    }
  }

  /** Starts no new check, and waits for the one under way. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#checking?.catch(() => {});
  }
}
