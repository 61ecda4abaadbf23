/**
 * The overview: every queue with its depth (ready, delayed, checked out),
 * its oldest entries and its age histogram, updated live. Internal.
 *
 * @module
 */

import { formatAgeOrNone, formatCount } from "./format.ts";
import { bucketLabel, histogram } from "./histogram.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, layout, type PageParts } from "./layout.ts";
import { AGE_BUCKETS as BUCKETS, type QueueShape } from "../operator/shapes.ts";
import type { Snapshot } from "./snapshot.ts";

/** A number the script updates: `field` of `queue`'s shape. */
function numberCell(
  queue: string,
  field: keyof QueueShape,
  text: string,
): Html {
  return markup`<td class="num" data-queue="${queue}" data-field="${field}">${text}</td>`;
}

function row(frame: Frame, shape: QueueShape): Html {
  const q = shape.queue;
  return markup`<tr>
<th scope="row"><a href="${frame.paths.queue(q)}">${visible(q)}</a></th>
${numberCell(q, "ready", formatCount(shape.ready))}
${numberCell(q, "delayed", formatCount(shape.delayed))}
${numberCell(q, "checkedOut", formatCount(shape.checkedOut))}
${numberCell(q, "oldestWaitingMs", formatAgeOrNone(shape.oldestWaitingMs))}
${
    numberCell(
      q,
      "oldestCheckedOutMs",
      formatAgeOrNone(shape.oldestCheckedOutMs),
    )
  }
<td>${histogram(q, shape.buckets)}</td>
</tr>`;
}

/** A time for people: `2026-12-01 05:54:26 UTC`. */
export function formatTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

type Total = "ready" | "delayed" | "checkedOut";

/** The overview page. */
export function overviewPage(
  frame: Frame,
  snapshot: Snapshot,
  notice?: PageParts["notice"],
): Html {
  const totalCell = (field: Total) =>
    markup`<td class="num" data-total="${field}">${
      formatCount(snapshot.queues.reduce((sum, s) => sum + s[field], 0))
    }</td>`;
  const ages = [...BUCKETS, 0].map((_, i) => bucketLabel(i)).join(", ");
  const names = snapshot.queues.map((s) => s.queue).join("/");
  const content = snapshot.queues.length === 0
    ? markup`<p>This spool has no queues yet.</p>`
    : markup`<table class="queues" data-queues="${names}">
<thead><tr>
<th scope="col">Queue</th>
<th scope="col" class="num" title="waiting and due: a consumer may take them now">Ready</th>
<th scope="col" class="num" title="waiting for a due time still ahead">Delayed</th>
<th scope="col" class="num" title="held by a consumer now">Checked out</th>
<th scope="col" class="num" title="age of the oldest waiting entry (time in its current phase)">Oldest waiting</th>
<th scope="col" class="num" title="age of the oldest checkout">Oldest checkout</th>
<th scope="col" title="waiting entries by age: ${ages}">Waiting, by age</th>
</tr></thead>
<tbody>
${snapshot.queues.map((shape) => row(frame, shape))}
</tbody>
<tfoot><tr>
<th scope="row">Total</th>
${totalCell("ready")}
${totalCell("delayed")}
${totalCell("checkedOut")}
<td></td><td></td><td class="legend">bars: under 5 min … over 21 h</td>
</tr></tfoot>
</table>
<p class="meta">Measured <time id="measured-at" datetime="${snapshot.at}">${
      formatTime(snapshot.at)
    }</time> in <span id="measure-ms">${snapshot.measureMs}</span> ms.
<noscript>Reload the page to measure again (live updates need JavaScript).</noscript>
<span id="queues-changed" hidden>The queues have changed: <a href="">reload</a>.</span></p>`;
  return layout(frame, {
    title: "Queues",
    trail: [],
    notice,
    content,
    live: true,
  });
}
