/**
 * A spool's shape in the Prometheus text exposition format, for
 * node_exporter's textfile collector (`stats --prometheus --output FILE`)
 * or any scraper. Every metric is a gauge: a snapshot that can go down.
 *
 * @module
 */

import { AGE_BUCKETS, type GroupShape, type QueueShape } from "../operator.ts";
import { escapeText } from "./output.ts";

/**
 * A Prometheus label value, escaped: control characters first written as
 * escapes (`\x1b`, `\n`: see `escapeText`), so that a hostile field value
 * cannot reach a terminal that shows the file; then the format's own
 * escapes of backslash and double quote.
 */
function label(value: string): string {
  return escapeText(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/** The problem kinds counted, always all present (0 when none). */
const PROBLEM_KINDS = ["too-old", "orphaned", "duplicated", "damaged"];

/** What the metrics are made of. */
export interface Snapshot {
  /** The spool directory, absolute. */
  spool: string;
  /** When it was measured. */
  at: Date;
  /** Per queue. */
  shapes: readonly QueueShape[];
  /** Per queue and field value, with `stats --group-by`. */
  groups?: readonly GroupShape[];
  /** Problems found by the monitor, per kind. */
  problems: Readonly<Record<string, number>>;
}

/**
 * The metrics of a snapshot in the Prometheus text format, ending with
 * `multispool_stats_timestamp_seconds` (when it was measured: a file that
 * stops being rewritten shows its age).
 */
export function prometheus(snapshot: Snapshot): string {
  const out: string[] = [];
  const spool = `spool="${label(snapshot.spool)}"`;
  const metric = (name: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
  };
  const q = (s: { queue: string }) => `${spool},queue="${label(s.queue)}"`;
  const { shapes } = snapshot;

  metric("multispool_entries", "Entries per queue and state.");
  for (const s of shapes) {
    out.push(
      `multispool_entries{${q(s)},state="waiting"} ${s.waiting}`,
      `multispool_entries{${q(s)},state="checked_out"} ${s.checkedOut}`,
    );
  }
  metric(
    "multispool_delayed_entries",
    'Entries waiting in each queue for a due time still ahead (counted in multispool_entries{state="waiting"} too).',
  );
  for (const s of shapes) {
    out.push(`multispool_delayed_entries{${q(s)}} ${s.delayed}`);
  }
  metric(
    "multispool_quarantined_entries",
    'Entries waiting in each queue that were moved there as damaged and still are (counted in multispool_entries{state="waiting"} too; not problems).',
  );
  for (const s of shapes) {
    out.push(`multispool_quarantined_entries{${q(s)}} ${s.quarantined}`);
  }
  metric(
    "multispool_oldest_entry_age_seconds",
    "Age of the oldest entry per queue and state, in its current phase (0 when there is none).",
  );
  for (const s of shapes) {
    out.push(
      `multispool_oldest_entry_age_seconds{${q(s)},state="waiting"} ${
        (s.oldestWaitingMs ?? 0) / 1000
      }`,
      `multispool_oldest_entry_age_seconds{${q(s)},state="checked_out"} ${
        (s.oldestCheckedOutMs ?? 0) / 1000
      }`,
    );
  }
  metric(
    "multispool_waiting_entries_older_than",
    "Entries waiting in each queue for at least age_seconds (qshape's age buckets, cumulative from the oldest).",
  );
  for (const s of shapes) {
    AGE_BUCKETS.forEach((limit, i) => {
      const older = s.buckets.slice(i + 1).reduce((a, b) => a + b, 0);
      out.push(
        `multispool_waiting_entries_older_than{${q(s)},age_seconds="${
          limit * 60
        }"} ${older}`,
      );
    });
  }
  if (snapshot.groups !== undefined) {
    metric(
      "multispool_entries_by_field",
      'Entries per queue, state and value of a metadata field (value="" also when the field is missing).',
    );
    for (const g of snapshot.groups) {
      const labels = `${q(g)},field="${label(g.field)}",value="${
        label(g.value ?? "")
      }"`;
      out.push(
        `multispool_entries_by_field{${labels},state="waiting"} ${g.waiting}`,
        `multispool_entries_by_field{${labels},state="checked_out"} ${g.checkedOut}`,
      );
    }
  }
  metric(
    "multispool_problems",
    "Problems found by the monitor's check, per kind (with the limits given to stats).",
  );
  for (const kind of PROBLEM_KINDS) {
    out.push(
      `multispool_problems{${spool},kind="${kind}"} ${
        snapshot.problems[kind] ?? 0
      }`,
    );
  }
  metric(
    "multispool_stats_timestamp_seconds",
    "When these metrics were measured (Unix time).",
  );
  out.push(
    `multispool_stats_timestamp_seconds{${spool}} ${
      snapshot.at.getTime() / 1000
    }`,
  );
  return out.join("\n") + "\n";
}
