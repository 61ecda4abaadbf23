/**
 * The entry browser: one queue's entries, a page at a time by name
 * cursor, waiting or checked out, filtered as the command line filters
 * (name prefix, metadata field, last error, due or delayed, age), with a
 * jump to a position or a name, the queue's last hour drawn, and, when
 * actions are allowed, one action on every entry the filter picks.
 * Internal.
 *
 * @module
 */

import type { EntryInfo } from "../operator/entry_info.ts";
import type { EntryPage } from "../operator/page.ts";
import { AGE_BUCKETS as BUCKETS, type QueueShape } from "../operator/shapes.ts";
import { ACTION_KINDS } from "./actions.ts";
import { lastAndMax, lineChart, type Measure } from "./chart.ts";
import {
  type FilterFields,
  filterQuery,
  hasFilter,
  type QueryValue,
} from "./filter_query.ts";
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDue,
  formatTime,
} from "../operator/format.ts";
import { formatAgeOrNone } from "./format.ts";
import { histogram } from "./histogram.ts";
import { clipText, type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame, type PageParts } from "./frame.ts";
import { type RateSample, totals } from "./rates.ts";

/** What the queue page shows besides the page of entries. */
export interface QueueView {
  /** The filter, as typed. */
  fields: FilterFields;
  /** The queue's last measured shape, if there is one yet. */
  shape: QueueShape | undefined;
  /** The queue's samples of the last hour. */
  samples: readonly RateSample[];
  /** The queues of the spool (destinations of bulk actions). */
  queues: readonly string[];
  /** The queue "hold" uses by default. */
  holdQueue: string;
}

/** How many characters of an error a row shows (the title has it all). */
const ERROR_SHOWN = 80;

/** The query of a page of this browser, for links. */
function query(
  page: EntryPage,
  fields: FilterFields,
  cursor: Record<string, string> = {},
): Record<string, QueryValue> {
  return {
    state: page.state === "checked out" ? "checked-out" : undefined,
    ...filterQuery(fields),
    ...cursor,
  };
}

/** The last error of an entry, for its row. */
function errorCell(entry: EntryInfo, now: number): Html {
  const last = entry.lastError;
  if (last === null) return markup`<td class="error">-</td>`;
  const before = last.beforeRetry
    ? markup` <span class="tag" title="recorded before its last retry with a fresh start">before retry</span>`
    : "";
  return markup`<td class="error"><span class="kind">${last.kind}</span> ${
    formatAge(Math.max(0, now - last.at.getTime()))
  } ago${before}<br><span class="message" title="${visible(last.message)}">${
    clipText(last.message, ERROR_SHOWN)
  }</span></td>`;
}

/** Marks of what operators did to an entry: quarantined, held. */
function marks(entry: EntryInfo): Html {
  const quarantine = entry.quarantine === null
    ? ""
    : markup` <span class="tag tag-quarantine" title="${
      visible(entry.quarantine.reason)
    }">quarantined</span>`;
  const held = entry.heldFrom === null
    ? ""
    : markup` <span class="tag">held from ${visible(entry.heldFrom)}</span>`;
  return markup`${quarantine}${held}`;
}

function entryRow(
  frame: Frame,
  page: EntryPage,
  entry: EntryInfo,
  now: number,
): Html {
  const href = frame.paths.entry(page.queue, entry.name);
  const due = entry.state === "checked out" ? "-" : formatDue(entry.due, now);
  const attempts = entry.attempts === null ? "?" : String(entry.attempts);
  const size = entry.dataBytes === null
    ? "missing"
    : formatBytes(entry.dataBytes);
  return markup`<tr>
<td class="name"><a href="${href}">${visible(entry.name)}</a>${
    marks(entry)
  }</td>
<td class="num">${formatAgeOrNone(entry.ageMs)}</td>
<td class="num">${due}</td>
<td class="num">${attempts}</td>
${errorCell(entry, now)}
<td class="num">${size}</td>
<td class="metadata"><code>${clipText(entry.metadata, 120)}</code></td>
</tr>`;
}

function pager(frame: Frame, page: EntryPage, fields: FilterFields): Html {
  const link = (
    text: string,
    cursor: Record<string, string> | undefined,
    rel = "",
  ) =>
    cursor === undefined
      ? markup`<span class="disabled">${text}</span>`
      : markup`<a href="${
        frame.paths.queue(page.queue, query(page, fields, cursor))
      }"${rel === "" ? "" : markup` rel="${rel}"`}>${text}</a>`;
  const before = page.previous === undefined
    ? undefined
    : { before: page.previous };
  const after = page.next === undefined ? undefined : { after: page.next };
  const start = page.start ?? 0;
  const first = start + 1;
  const last = Math.max(first, start + page.entries.length);
  const position = page.total === 0
    ? "no entries"
    : page.total === null
    ? markup`<b>${
      formatCount(page.entries.length)
    }</b> matching entries here (of ${
      formatCount(page.names)
    } in the queue; the filter reads entries, so the matches are not counted)`
    : markup`entries <b>${formatCount(first)}</b>–<b>${
      formatCount(last)
    }</b> of <b data-count="">${formatCount(page.total)}</b>`;
  return markup`<nav class="pager" aria-label="pages">
${link("« First", before === undefined ? undefined : {})}
${link("‹ Previous", before, "prev")}
<span class="position">${position}</span>
${link("Next ›", after, "next")}
${link("Last »", after === undefined ? undefined : { last: "1" })}
</nav>`;
}

/** The numbers of the queue at the top, updated live. */
function depthOf(queue: string, shape: QueueShape | undefined): Html {
  const cell = (field: keyof QueueShape, text: string) =>
    markup`<b data-queue="${queue}" data-field="${field}">${text}</b>`;
  const count = (n: number | undefined) =>
    n === undefined ? "…" : formatCount(n);
  return markup`<p class="depth">
<span>${cell("ready", count(shape?.ready))} ready</span>
<span>${cell("delayed", count(shape?.delayed))} delayed</span>
<span>${cell("quarantined", count(shape?.quarantined))} quarantined</span>
<span>${cell("checkedOut", count(shape?.checkedOut))} checked out</span>
<span>oldest waiting ${
    cell(
      "oldestWaitingMs",
      shape === undefined ? "…" : formatAgeOrNone(shape.oldestWaitingMs),
    )
  }</span>
${histogram(queue, shape?.buckets ?? new Array(BUCKETS.length + 1).fill(0))}
</p>`;
}

/** The queue's last hour: depth, in and out per minute. */
function lastHour(queue: string, samples: readonly RateSample[]): Html {
  const size = { width: 240, height: 40 };
  const sum = totals(samples);
  const span = sum.spanMs === 0
    ? "no two samples yet"
    : `over the last ${formatAge(sum.spanMs)}: ${formatCount(sum.in)} in, ${
      formatCount(sum.out)
    } out`;
  const figure = (measure: Measure, label: string) => {
    const values = lastAndMax(samples, measure);
    const caption = values === undefined
      ? `${label}: no sample yet`
      : `${label}: ${formatCount(values.last)} now, ${
        formatCount(values.max)
      } at most`;
    return markup`<figure>${
      lineChart(queue, samples, measure, size)
    }<figcaption>${caption}</figcaption></figure>`;
  };
  return markup`<section class="last-hour" aria-label="last hour">
<h2>Last hour</h2>
<div class="charts">
${figure("depth", "waiting")}
${figure("in", "in per minute")}
${figure("out", "out per minute")}
</div>
<p class="meta">${span}. Sampled by the server: a name waiting now and not at the look before came in, one gone since went out; an entry that comes and goes between two looks is not seen, so these are floors.</p>
</section>`;
}

function options(
  values: readonly (readonly [string, string])[],
  selected: string,
): Html[] {
  return values.map(([value, label]) =>
    markup`<option value="${value}"${value === selected ? " selected" : ""}>${
      visible(label)
    }</option>`
  );
}

/** The filter form: every test the command line has. */
function filterForm(
  frame: Frame,
  page: EntryPage,
  fields: FilterFields,
): Html {
  const { paths } = frame;
  const state = page.state === "checked out" ? "checked-out" : undefined;
  const where = [...fields.where, ""].map((test) =>
    markup`<input name="where" value="${test}" size="20" autocomplete="off" placeholder="to.domain=example.com">`
  );
  return markup`<form class="filter" method="get" action="${
    paths.queue(page.queue)
  }" role="search">
${
    state === undefined
      ? ""
      : markup`<input type="hidden" name="state" value="${state}">`
  }
<label>Name starts with <input name="prefix" value="${fields.prefix}" size="16" autocomplete="off"></label>
<label>Metadata ${where}</label>
<label>Last error contains <input name="error" value="${fields.error}" size="16" autocomplete="off"></label>
<label>Due <select name="schedule">${
    options(
      [["", "any"], ["due", "due now"], ["delayed", "delayed"]],
      fields.schedule,
    )
  }</select></label>
<label>Older than <input name="older" value="${fields.older}" size="5" placeholder="1h"></label>
<label>Newer than <input name="newer" value="${fields.newer}" size="5" placeholder="10m"></label>
<button type="submit">Filter</button>
${
    hasFilter(fields)
      ? markup`<a href="${paths.queue(page.queue, { state })}">clear</a>`
      : ""
  }
</form>`;
}

/** Jumps into a long queue: to a position, or to a name. */
function jumpForm(frame: Frame, page: EntryPage, fields: FilterFields): Html {
  const hidden = Object.entries(query(page, fields)).flatMap(([key, value]) =>
    (typeof value === "string" ? [value] : value ?? []).map((v) =>
      markup`<input type="hidden" name="${key}" value="${v}">`
    )
  );
  return markup`<form class="jump" method="get" action="${
    frame.paths.queue(page.queue)
  }">
${hidden}
<label>Go to entry # <input name="position" type="number" min="1" size="8" inputmode="numeric"></label>
<label>or to the first name from <input name="from" size="26" autocomplete="off" placeholder="01KB…"></label>
<button type="submit">Go</button>
</form>`;
}

/** One action on every entry the filter picks: it leads to a dry run. */
function bulkForm(frame: Frame, page: EntryPage, view: QueueView): Html {
  if (!frame.allowActions || page.state !== "waiting" || page.names === 0) {
    return markup``;
  }
  const hidden = Object.entries(filterQuery(view.fields)).flatMap((
    [key, value],
  ) =>
    (typeof value === "string" ? [value] : value ?? []).map((v) =>
      markup`<input type="hidden" name="${key}" value="${v}">`
    )
  );
  const which = hasFilter(view.fields)
    ? page.total === null
      ? "every entry the filter picks"
      : `the ${formatCount(page.total)} entries the filter picks`
    : `every entry waiting here (${formatCount(page.names)})`;
  const kinds = ACTION_KINDS.map((kind) => [kind, kind] as const);
  const destinations = options([
    [
      "",
      `default (retry: its last failure's queue; release: where held from; hold: ${view.holdQueue})`,
    ],
    ...view.queues.filter((q) => q !== page.queue).map((q) => [q, q] as const),
  ], "");
  return markup`<form class="bulk" method="get" action="${
    frame.paths.bulk(page.queue)
  }">
${hidden}
<span>With ${which}:</span>
<label>action <select name="action">${options(kinds, "retry")}</select></label>
<label>to <select name="to">${destinations}</select></label>
<button type="submit">Review…</button>
<span class="meta">a dry run first: it says how many, and where they go</span>
</form>`;
}

/**
 * The entry browser page of `page.queue`, with the queue's shape (if it
 * has been measured yet: live updates bring the next) and its last hour.
 */
export function queuePage(
  frame: Frame,
  page: EntryPage,
  view: QueueView,
  notice?: PageParts["notice"],
  now: number = Date.now(),
): Html {
  const { paths } = frame;
  const q = page.queue;
  const checkedOut = page.state === "checked out";
  const tab = (label: string, active: boolean, state?: string) =>
    active
      ? markup`<span class="tab tab-active" aria-current="page">${label}</span>`
      : markup`<a class="tab" href="${paths.queue(q, { state })}">${label}</a>`;
  const empty = page.names === 0
    ? checkedOut
      ? "Nothing is checked out of this queue."
      : "No entry waits in this queue."
    : page.entries.length === 0 && (page.total === 0 || page.total === null)
    ? "No entry matches the filter here."
    : "The entries of this page have gone meanwhile.";
  const table = page.entries.length === 0
    ? markup`<p class="empty">${empty}</p>`
    : markup`<table class="entries">
<thead><tr>
<th scope="col">Name</th>
<th scope="col" class="num">Age</th>
<th scope="col" class="num">Due</th>
<th scope="col" class="num">Attempts</th>
<th scope="col">Last error</th>
<th scope="col" class="num">Payload</th>
<th scope="col">Metadata</th>
</tr></thead>
<tbody>
${page.entries.map((entry) => entryRow(frame, page, entry, now))}
</tbody>
</table>`;
  const content = markup`${depthOf(q, view.shape)}
${lastHour(q, view.samples)}
<div class="tabs">${tab("Waiting", !checkedOut)}${
    tab("Checked out", checkedOut, "checked-out")
  }</div>
${filterForm(frame, page, view.fields)}
${jumpForm(frame, page, view.fields)}
${bulkForm(frame, page, view)}
${pager(frame, page, view.fields)}
${table}
${page.entries.length > 10 ? pager(frame, page, view.fields) : ""}
<p class="meta">Times are UTC; this page was drawn at ${
    formatTime(new Date(now))
  }.</p>`;
  return inFrame(frame, {
    title: q,
    trail: [["Queues", paths.home()]],
    notice,
    content,
    live: true,
  });
}
