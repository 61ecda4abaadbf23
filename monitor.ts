/**
 * The monitor: consistency checks of a spool for operators, a daemon that
 * raises and clears alerts, and the opt-in repair of what crashes leave
 * behind.
 *
 * @module
 */

export {
  Monitor,
  type MonitorEvent,
  type MonitorLimits,
  type MonitorOptions,
  type RepairOptions,
  type WatchOptions,
} from "./src/monitor.ts";
export { describeProblem, type Problem, problemKey } from "./src/problems.ts";
export type { RepairAction, RepairReport } from "./src/repair.ts";
export { type Dir, dirName } from "./src/layout.ts";
