/**
 * What a dashboard can be told, its defaults, and the checks on it.
 * Internal: the entry point re-exports {@linkcode DashboardOptions}.
 *
 * @module
 */

import {
  checkNonEmptyString,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
  message,
  rangeError,
  show,
} from "../arguments.ts";
import type { MonitorOptions } from "../monitor_options.ts";
import { nameProblem } from "../names.ts";
import type { QuickCallsPlace } from "../spool_options.ts";

/**
 * How a dashboard behaves. The plain call needs none of them: read-only,
 * no token, answering only requests addressed to a loopback host name.
 *
 * @example A dashboard that may act, behind a token
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DashboardOptions } from "@multispool/multispool/dashboard";
 *
 * const options: DashboardOptions = {
 *   allowActions: true,
 *   token: "4f3c2a1b0e9d8c7f6a5b4c3d",
 *   basePath: "/spool",
 *   holdQueue: "frozen",
 *   // The health panel's monitor: checkouts are stale after 30 minutes.
 *   monitor: { limits: { maxCheckedOutAgeMs: 30 * 60_000 } },
 * };
 * assert.equal(options.pageSize, undefined); // 50
 * assert.equal(options.sampleEveryMs, undefined); // 10000
 * ```
 */
export interface DashboardOptions {
  /**
   * Offer and accept actions on entries: move to a queue, remove, make due
   * now, hold and release. Without it, every action is refused (403).
   *
   * @default {false}
   */
  allowActions?: boolean;
  /**
   * A secret every request must carry: as a cookie (set by opening any
   * page with `?token=TOKEN` once, or the login form), or as
   * `Authorization: Bearer TOKEN`. Compared in constant time. At least 16
   * characters. Without a token, the dashboard answers only requests
   * addressed to a loopback host name (or one of `allowedHosts`) and, when
   * the peer's address is known, coming from loopback.
   *
   * @default {undefined}
   */
  token?: string;
  /**
   * The path the dashboard is mounted at in a larger application, such as
   * `/spool`: its links start with it, and requests outside it are 404s.
   *
   * @default {""}
   */
  basePath?: string;
  /**
   * Host names (the `Host` header without its port) answered without a
   * token besides `localhost`, `127.0.0.1` and `[::1]`: for a reverse
   * proxy on this host that passes its own `Host` on. Every other name is
   * refused, which defeats DNS rebinding.
   *
   * @default {[]}
   */
  allowedHosts?: readonly string[];
  /**
   * The shortest time between two live updates, in milliseconds; the
   * dashboard waits longer when measuring the spool takes long (four times
   * the measurement), so that watching a big spool costs at most a fifth
   * of a core.
   *
   * @default {1000}
   */
  refreshMs?: number;
  /**
   * Entries per page in the entry browser.
   *
   * @default {50}
   */
  pageSize?: number;
  /**
   * How many bytes of a payload the entry page reads and shows at most
   * (binary payloads: at most 4 KiB of them, in hex).
   *
   * @default {65536}
   */
  previewBytes?: number;
  /**
   * The queue that "hold" proposes (the operator may name another); it is
   * created when an entry is first held there.
   *
   * @default {"held"}
   */
  holdQueue?: string;
  /**
   * How the health panel's monitor checks the spool: its age limits, and
   * a metadata codec to report undecodable metadata as damage (see
   * `MonitorOptions` in the `./monitor` entry point; its queues are always
   * those found on disk).
   *
   * @default {{}} (the monitor's defaults)
   */
  monitor?: Omit<MonitorOptions, "queues">;
  /**
   * The shortest time between two looks at every queue for the charts of
   * the last hour, in milliseconds (longer when a look takes long: at most
   * a tenth of a core). The dashboard keeps an hour of samples.
   *
   * @default {10000}
   */
  sampleEveryMs?: number;
  /**
   * Where the dashboard's looks at entries make their reads (see
   * `OperatorOptions.quickCalls` in the `./operator` entry point).
   * `"threadPool"` for a dashboard mounted in an application's server: a
   * read the disk holds (a first read of an entry just written waits for
   * the journal now and then) then holds none of the server's other
   * requests; pages and the overview cost the same, a search that reads
   * every entry of a queue about four times more.
   *
   * @default {"auto"}
   */
  quickCalls?: QuickCallsPlace;
}

/**
 * The defaults of {@linkcode DashboardOptions}, for a tool that shows them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DASHBOARD_DEFAULTS } from "@multispool/multispool/dashboard";
 *
 * assert.equal(DASHBOARD_DEFAULTS.holdQueue, "held");
 * ```
 */
export const DASHBOARD_DEFAULTS: Readonly<{
  /** See `DashboardOptions.refreshMs`: 1 second. */
  refreshMs: number;
  /** See `DashboardOptions.pageSize`: 50. */
  pageSize: number;
  /** See `DashboardOptions.previewBytes`: 64 KiB. */
  previewBytes: number;
  /** See `DashboardOptions.holdQueue`: `"held"`. */
  holdQueue: string;
  /** See `DashboardOptions.sampleEveryMs`: 10 seconds. */
  sampleEveryMs: number;
}> = Object.freeze({
  refreshMs: 1000,
  pageSize: 50,
  previewBytes: 65536,
  holdQueue: "held",
  sampleEveryMs: 10_000,
});

/** The options with every default filled in, checked. */
export interface Settings {
  allowActions: boolean;
  token: string | undefined;
  basePath: string;
  allowedHosts: ReadonlySet<string>;
  refreshMs: number;
  pageSize: number;
  previewBytes: number;
  holdQueue: string;
  monitor: Omit<MonitorOptions, "queues">;
  sampleEveryMs: number;
  quickCalls: QuickCallsPlace;
}

const ACTION = "create dashboard";

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If an option is out of range.
 */
export function settingsOf(options: DashboardOptions): Settings {
  const {
    allowActions = false,
    token,
    basePath = "",
    allowedHosts = [],
    refreshMs = DASHBOARD_DEFAULTS.refreshMs,
    pageSize = DASHBOARD_DEFAULTS.pageSize,
    previewBytes = DASHBOARD_DEFAULTS.previewBytes,
    holdQueue = DASHBOARD_DEFAULTS.holdQueue,
    monitor = {},
    sampleEveryMs = DASHBOARD_DEFAULTS.sampleEveryMs,
    quickCalls = "auto",
  } = options;
  if (typeof allowActions !== "boolean") {
    throw new TypeError(
      message(ACTION, "allowActions", "a boolean", show(allowActions)),
    );
  }
  if (token !== undefined) {
    checkNonEmptyString(ACTION, "token", token);
    if (token.length < 16) {
      throw new RangeError(
        message(
          ACTION,
          "token",
          "at least 16 characters",
          `${token.length} characters`,
        ),
      );
    }
  }
  if (typeof basePath !== "string") {
    throw new TypeError(
      message(ACTION, "basePath", "a string", show(basePath)),
    );
  }
  const base = basePath.replace(/\/+$/, "");
  if (base !== "" && (!base.startsWith("/") || /[?#\s]/.test(base))) {
    throw rangeError(
      ACTION,
      "basePath",
      'a path such as "/spool" (or "")',
      basePath,
    );
  }
  if (!Array.isArray(allowedHosts)) {
    throw new TypeError(
      message(ACTION, "allowedHosts", "an array", show(allowedHosts)),
    );
  }
  for (const host of allowedHosts) {
    checkNonEmptyString(ACTION, "allowedHosts", host);
  }
  checkPositiveNumber(ACTION, "refreshMs", refreshMs);
  checkPositiveNumber(ACTION, "sampleEveryMs", sampleEveryMs);
  if (typeof monitor !== "object" || monitor === null) {
    throw new TypeError(
      message(ACTION, "monitor", "an object", show(monitor)),
    );
  }
  checkPositiveInteger(ACTION, "pageSize", pageSize);
  if (pageSize > 1000) {
    throw rangeError(ACTION, "pageSize", "at most 1000", pageSize);
  }
  checkPositiveInteger(ACTION, "previewBytes", previewBytes);
  checkOneOf(ACTION, "quickCalls", quickCalls, [
    "auto",
    "inLine",
    "threadPool",
  ]);
  checkNonEmptyString(ACTION, "holdQueue", holdQueue);
  const problem = nameProblem(holdQueue);
  if (problem !== undefined) {
    throw rangeError(
      ACTION,
      "holdQueue",
      `a queue name (it ${problem})`,
      holdQueue,
    );
  }
  return {
    allowActions,
    token,
    basePath: base,
    allowedHosts: new Set(allowedHosts.map((h) => h.toLowerCase())),
    refreshMs,
    pageSize,
    previewBytes,
    holdQueue,
    monitor: { limits: monitor.limits, metadata: monitor.metadata },
    sampleEveryMs,
    quickCalls,
  };
}
