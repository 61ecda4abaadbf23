/**
 * The entry browser: one queue's entries, a page at a time by name
 * cursor, waiting or checked out, filtered by a name prefix. Internal.
 *
 * @module
 */

import type { EntryInfo } from "../operator/entry_info.ts";
import type { EntryPage, PageRequest } from "../operator/listing.ts";
import { AGE_BUCKETS as BUCKETS, type QueueShape } from "../operator/shapes.ts";
import {
  formatAgeOrNone,
  formatBytes,
  formatCount,
  formatDue,
} from "./format.ts";
import { histogram } from "./histogram.ts";
import { clipText, type Html, markup, visible } from "./html.ts";
import { type Frame, layout, type PageParts } from "./layout.ts";

/** The query of a page of this browser, for links. */
function query(
  page: EntryPage,
  request: PageRequest,
  cursor: { after?: string; before?: string; last?: string },
): Record<string, string | undefined> {
  const prefix = request.filter?.prefix;
  return {
    state: page.state === "checked out" ? "checked-out" : undefined,
    prefix: prefix === "" ? undefined : prefix,
    ...cursor,
  };
}

function entryRow(frame: Frame, page: EntryPage, entry: EntryInfo): Html {
  const href = frame.paths.entry(page.queue, entry.name);
  const due = entry.state === "checked out" ? "-" : formatDue(entry.due);
  const attempts = entry.attempts === null ? "?" : String(entry.attempts);
  const size = entry.dataBytes === null
    ? "missing"
    : formatBytes(entry.dataBytes);
  return markup`<tr>
<td class="name"><a href="${href}">${visible(entry.name)}</a></td>
<td class="num">${formatAgeOrNone(entry.ageMs)}</td>
<td class="num">${due}</td>
<td class="num">${attempts}</td>
<td class="num">${size}</td>
<td class="metadata"><code>${clipText(entry.metadata, 120)}</code></td>
</tr>`;
}

type Cursor = Parameters<typeof query>[2];

function pager(frame: Frame, page: EntryPage, request: PageRequest): Html {
  const link = (text: string, cursor: Cursor | undefined, rel = "") =>
    cursor === undefined
      ? markup`<span class="disabled">${text}</span>`
      : markup`<a href="${
        frame.paths.queue(page.queue, query(page, request, cursor))
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
    ? markup`<b>${formatCount(page.entries.length)}</b> matching entries here`
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

/**
 * The entry browser page of `page.queue`; `shape` is the queue's last
 * measured shape, if there is one yet (live updates bring the next).
 */
export function queuePage(
  frame: Frame,
  page: EntryPage,
  request: PageRequest,
  shape: QueueShape | undefined,
  notice?: PageParts["notice"],
): Html {
  const { paths } = frame;
  const q = page.queue;
  const checkedOut = page.state === "checked out";
  const state = checkedOut ? "checked-out" : undefined;
  const tab = (label: string, active: boolean, state?: string) =>
    active
      ? markup`<span class="tab tab-active" aria-current="page">${label}</span>`
      : markup`<a class="tab" href="${paths.queue(q, { state })}">${label}</a>`;
  const prefix = request.filter?.prefix ?? "";
  const empty = page.total === 0
    ? checkedOut
      ? "Nothing is checked out of this queue."
      : "No entry waits in this queue."
    : "The entries of this page have gone meanwhile.";
  const table = page.entries.length === 0
    ? markup`<p class="empty">${empty}</p>`
    : markup`<table class="entries">
<thead><tr>
<th scope="col">Name</th>
<th scope="col" class="num">Age</th>
<th scope="col" class="num">Due</th>
<th scope="col" class="num">Attempts</th>
<th scope="col" class="num">Payload</th>
<th scope="col">Metadata</th>
</tr></thead>
<tbody>
${page.entries.map((entry) => entryRow(frame, page, entry))}
</tbody>
</table>`;
  const content = markup`${depthOf(q, shape)}
<div class="tabs">${tab("Waiting", !checkedOut)}${
    tab("Checked out", checkedOut, "checked-out")
  }</div>
<form class="filter" method="get" action="${paths.queue(q)}">
${
    state === undefined
      ? ""
      : markup`<input type="hidden" name="state" value="${state}">`
  }
<label>Name starts with <input name="prefix" value="${prefix}" size="24" autocomplete="off"></label>
<button type="submit">Filter</button>
${prefix === "" ? "" : markup`<a href="${paths.queue(q, { state })}">clear</a>`}
</form>
${pager(frame, page, request)}
${table}
${page.entries.length > 10 ? pager(frame, page, request) : ""}`;
  return layout(frame, {
    title: q,
    trail: [["Queues", paths.home()]],
    notice,
    content,
    live: true,
  });
}
