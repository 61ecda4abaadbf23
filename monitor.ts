/**
 * The monitor: consistency checks of a spool for operators, a daemon that
 * raises and clears alerts, and the opt-in repair of what crashes leave
 * behind.
 *
 * @module
 */

export { Monitor, type MonitorConstructor } from "./src/monitor.ts";
export type {
  MonitorLimits,
  MonitorOptions,
  RepairOptions,
  WatchOptions,
} from "./src/monitor_options.ts";
export type { MonitorEvent } from "./src/watch.ts";
export { describeProblem, type Problem, problemKey } from "./src/problems.ts";
export type { RepairAction, RepairReport } from "./src/repair.ts";
export { type Dir, dirName } from "./src/layout.ts";
