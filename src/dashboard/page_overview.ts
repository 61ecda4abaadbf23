/**
 * The overview: the spool's health, then every queue with its depth
 * (ready, delayed, quarantined, checked out), its oldest entries, its last
 * hour and its age histogram, updated live. Internal.
 *
 * @module
 */

import { lineChart } from "./chart.ts";
import { formatCount, formatTime } from "../operator/format.ts";
import { formatAgeOrNone } from "./format.ts";
import type { Health } from "./health.ts";
import { bucketLabel, histogram } from "./histogram.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame, type PageParts } from "./frame.ts";
import { healthPanel } from "./page_health.ts";
import { type RateSample, totals } from "./rates.ts";
import { AGE_BUCKETS as BUCKETS, type QueueShape } from "../operator/shapes.ts";
import type { Snapshot } from "./snapshot.ts";

/** What the overview shows besides the queues' shapes. */
export interface OverviewView {
  /** The queues of the spool now (rows before their first measurement). */
  queues: readonly string[];
  /** The last health check, if one has ended. */
  health: Health | undefined;
  /** Why there is none, if the check failed. */
  healthFailure?: string;
  /** Each queue's samples of the last hour. */
  samples: (queue: string) => readonly RateSample[];
}

/** A number the script updates: `field` of `queue`'s shape. */
function numberCell(
  queue: string,
  field: keyof QueueShape,
  text: string,
): Html {
  return markup`<td class="num" data-queue="${queue}" data-field="${field}">${text}</td>`;
}

/** The queue's last hour, small: its depth, and how many in and out. */
function lastHourCell(queue: string, samples: readonly RateSample[]): Html {
  const sum = totals(samples);
  const flow = sum.spanMs === 0
    ? "sampling…"
    : `${formatCount(sum.in)} in · ${formatCount(sum.out)} out`;
  return markup`<td class="last-hour">${
    lineChart(queue, samples, "depth", { width: 96, height: 24 })
  }<span class="flow">${flow}</span></td>`;
}

/** A queue's row; `…` in each cell until its first measurement. */
function row(
  frame: Frame,
  q: string,
  shape: QueueShape | undefined,
  view: OverviewView,
): Html {
  const count = (n: number | undefined) =>
    n === undefined ? "…" : formatCount(n);
  const age = (ms: number | null | undefined) =>
    ms === undefined ? "…" : formatAgeOrNone(ms);
  return markup`<tr>
<th scope="row"><a href="${frame.paths.queue(q)}">${visible(q)}</a></th>
${numberCell(q, "ready", count(shape?.ready))}
${numberCell(q, "delayed", count(shape?.delayed))}
${numberCell(q, "quarantined", count(shape?.quarantined))}
${numberCell(q, "checkedOut", count(shape?.checkedOut))}
${numberCell(q, "oldestWaitingMs", age(shape?.oldestWaitingMs))}
${numberCell(q, "oldestCheckedOutMs", age(shape?.oldestCheckedOutMs))}
${lastHourCell(q, view.samples(q))}
<td>${
    histogram(q, shape?.buckets ?? new Array(BUCKETS.length + 1).fill(0))
  }</td>
</tr>`;
}

/** What the Total row counts, for its tooltip. */
const TOTAL_TITLE =
  "Every entry of the spool, counted once: those waiting in any queue (ready, delayed or quarantined) and those checked out. Ready entries are not added up across queues: a dead-letter queue's ready entries are no one's work.";

/**
 * The Total row: the spool's entries, each once, and its oldest (`…`
 * before the first measurement).
 */
function totalRow(queues: readonly QueueShape[] | undefined): Html {
  const sum = (f: (s: QueueShape) => number) =>
    queues === undefined
      ? "…"
      : formatCount(queues.reduce((n, s) => n + f(s), 0));
  const oldest = (f: (s: QueueShape) => number | null) => {
    if (queues === undefined) return "…";
    const ages = queues.map(f).filter((a): a is number => a !== null);
    return formatAgeOrNone(ages.length === 0 ? null : Math.max(...ages));
  };
  return markup`<tfoot><tr title="${TOTAL_TITLE}">
<th scope="row">Whole spool</th>
<td class="num" colspan="3"><b data-total="waiting">${
    sum((s) => s.waiting)
  }</b> waiting, <span data-total="quarantined">${
    sum((s) => s.quarantined)
  }</span> of them quarantined</td>
<td class="num" data-total="checkedOut">${sum((s) => s.checkedOut)}</td>
<td class="num" data-total="oldestWaitingMs">${
    oldest((s) => s.oldestWaitingMs)
  }</td>
<td class="num" data-total="oldestCheckedOutMs">${
    oldest((s) => s.oldestCheckedOutMs)
  }</td>
<td colspan="2"><b data-total="entries">${
    sum((s) => s.waiting + s.checkedOut)
  }</b> entries in all <span class="legend">· bars: under 5 min … over 21 h</span></td>
</tr></tfoot>`;
}

/**
 * The overview page; without a snapshot yet (measuring a big spool takes
 * a while), the queues' numbers are `…` until the live updates bring
 * them.
 */
export function overviewPage(
  frame: Frame,
  snapshot: Snapshot | undefined,
  view: OverviewView,
  notice?: PageParts["notice"],
): Html {
  const ages = [...BUCKETS, 0].map((_, i) => bucketLabel(i)).join(", ");
  const shapes = new Map(snapshot?.queues.map((s) => [s.queue, s]));
  const names = snapshot?.queues.map((s) => s.queue) ?? view.queues;
  const measured = snapshot === undefined
    ? markup`Measured <time id="measured-at">not yet (measuring the spool…)</time> in <span id="measure-ms">…</span> ms.`
    : markup`Measured <time id="measured-at" datetime="${snapshot.at}">${
      formatTime(new Date(snapshot.at))
    }</time> in <span id="measure-ms">${snapshot.measureMs}</span> ms.`;
  const queues = names.length === 0
    ? markup`<p>This spool has no queues yet.</p>`
    : markup`<table class="queues" data-queues="${names.join("/")}">
<thead><tr>
<th scope="col">Queue</th>
<th scope="col" class="num" title="waiting and due: a consumer may take them now">Ready</th>
<th scope="col" class="num" title="waiting for a due time still ahead">Delayed</th>
<th scope="col" class="num" title="damaged entries moved aside to this queue, still damaged: counted apart, not problems">Quarantined</th>
<th scope="col" class="num" title="held by a consumer now">Checked out</th>
<th scope="col" class="num" title="age of the oldest waiting entry (time in its current phase)">Oldest waiting</th>
<th scope="col" class="num" title="age of the oldest checkout">Oldest checkout</th>
<th scope="col" title="entries waiting over the last hour, and how many came in and went out (sampled: entries that come and go between two samples are not seen)">Last hour</th>
<th scope="col" title="waiting entries by age: ${ages}">Waiting, by age</th>
</tr></thead>
<tbody>
${names.map((q) => row(frame, q, shapes.get(q), view))}
</tbody>
${totalRow(snapshot?.queues)}
</table>
<p class="meta">${measured} Times are UTC.
<noscript>Reload the page to measure again (live updates need JavaScript).</noscript>
<span id="queues-changed" hidden>The queues have changed: <a href="">reload</a>.</span></p>`;
  const content = markup`${
    healthPanel(frame, view.health, snapshot?.queues, view.healthFailure)
  }
<h2>Queues</h2>
${queues}`;
  return inFrame(frame, {
    title: "Queues",
    trail: [],
    notice,
    content,
    live: true,
  });
}
