/**
 * A bulk action's confirmation (what its dry run found: how many entries,
 * where they go, what would be refused) and its report. Internal.
 *
 * @module
 */

import type { BulkPlan, BulkRequest, BulkResult } from "./bulk.ts";
import { CSRF_FIELD } from "./csrf.ts";
import { describeFilter, filterQuery } from "./filter_query.ts";
import { formatCount } from "../operator/format.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame } from "./frame.ts";

/** `1 entry`, `1,234 entries`. */
function entries(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "entry" : "entries"}`;
}

/** The verb of each action, for a sentence: `Retry`, `Make … due now`. */
const VERBS: Record<BulkRequest["kind"], [ask: string, done: string]> = {
  retry: ["Retry", "Retried"],
  move: ["Move", "Moved"],
  hold: ["Hold", "Held"],
  release: ["Release", "Released"],
  due: ["Make due", "Made due now"],
  remove: ["Remove", "Removed"],
};

/** `to jobs`, or `to 1,200 to jobs and 34 to mail`, or nothing. */
function whereTo(
  destinations: ReadonlyMap<string | null, number>,
  queue: string,
): Html {
  const places = [...destinations].filter(([to]) => to !== null);
  if (places.length === 0) return markup``;
  if (places.length === 1) {
    const [[to]] = places;
    return to === queue ? markup`` : markup` to <b>${visible(to!)}</b>`;
  }
  const each = places.map(([to, n], i) =>
    markup`${i > 0 ? ", " : ""}${formatCount(n)} to <b>${visible(to!)}</b>`
  );
  return markup` to different queues (${each})`;
}

/** What the action does besides moving, for the confirmation. */
function consequence(request: BulkRequest, newQueue: boolean): string {
  switch (request.kind) {
    case "retry":
      return "Each gets a fresh start: its failed attempts go back to 0 (they stay in its history, marked as before the retry) and it is due now.";
    case "move":
      return "Each keeps its due time and its history.";
    case "hold":
      return `No consumer of ${request.queue} sees them until they are released${
        newQueue ? `; ${request.to} is a new queue, made now` : ""
      }.`;
    case "release":
      return request.to === undefined
        ? "Each goes back to the queue it was held from; its consumers may take it as soon as it is due."
        : "Their consumers may take them as soon as they are due.";
    case "due":
      return "A consumer may take them at once; their failed attempts stay counted.";
    case "remove":
      return "Their payloads and histories go too. This cannot be undone.";
  }
}

/** The filter, in words. */
function filterWords(request: BulkRequest): Html {
  const parts = describeFilter(request.filter.fields);
  return parts.length === 0
    ? markup`every entry waiting in <b>${visible(request.queue)}</b>`
    : markup`the entries waiting in <b>${visible(request.queue)}</b> whose ${
      visible(parts.join(", "))
    }`;
}

/** The fields that carry the request in a form. */
function hiddenFields(request: BulkRequest): Html[] {
  const fields: [string, string][] = [["action", request.kind]];
  if (request.to !== undefined) fields.push(["to", request.to]);
  for (
    const [key, value] of Object.entries(filterQuery(request.filter.fields))
  ) {
    if (typeof value === "string") fields.push([key, value]);
    else for (const each of value ?? []) fields.push([key, each]);
  }
  return fields.map(([key, value]) =>
    markup`<input type="hidden" name="${key}" value="${value}">\n`
  );
}

/** The refusals, counted by reason. */
function refusedList(refused: ReadonlyMap<string, number>): Html {
  if (refused.size === 0) return markup``;
  const items = [...refused].map(([reason, n]) =>
    markup`<li>${entries(n)}: ${visible(reason)}</li>`
  );
  return markup`<ul class="refused">${items}</ul>`;
}

/** The confirmation of a bulk action, from its dry run. */
export function bulkConfirmPage(
  frame: Frame,
  plan: BulkPlan,
  csrfToken: string,
): Html {
  const { paths } = frame;
  const { request } = plan;
  const back = paths.queue(request.queue, filterQuery(request.filter.fields));
  const n = [...plan.destinations.values()].reduce((a, b) => a + b, 0);
  const count = markup`<b data-count="">${entries(n)}</b>`;
  const question = request.kind === "due"
    ? markup`Make ${count} of <b>${visible(request.queue)}</b> due now?`
    : markup`${VERBS[request.kind][0]} ${count} from <b>${
      visible(request.queue)
    }</b>${
      request.kind === "remove" ? "" : whereTo(plan.destinations, request.queue)
    }?`;
  const refusals = [...plan.refused.values()].reduce((a, b) => a + b, 0);
  const refused = refusals === 0
    ? ""
    : markup`<p>${entries(refusals)} would be refused, and left where ${
      refusals === 1 ? "it is" : "they are"
    }:</p>${refusedList(plan.refused)}`;
  const first = plan.first.map((name, i) =>
    markup`${i > 0 ? ", " : ""}<a class="name" href="${
      paths.entry(request.queue, name)
    }">${visible(name)}</a>`
  );
  const content = n === 0
    ? markup`<p>No entry to act on: the filter picks ${
      entries(plan.matched)
    } (${
      filterWords(request)
    }).</p>${refused}<p><a href="${back}">Back to the queue</a></p>`
    : markup`<form method="post" action="${
      paths.bulk(request.queue)
    }" class="confirm bulk-confirm">
<p class="question">${question}</p>
<p>${consequence(request, plan.newQueue)}</p>
<p class="meta">Picked by the filter: ${filterWords(request)}. First: ${first}${
      n > plan.first.length ? ", …" : ""
    }. Entries that arrive after this count are left alone; one a consumer takes meanwhile is said so.</p>
${refused}
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
${
      hiddenFields(request)
    }<input type="hidden" name="through" value="${plan.through}">
<input type="hidden" name="count" value="${n}">
<button type="submit" id="confirm"${
      request.kind === "remove" ? markup` class="danger"` : ""
    }>${VERBS[request.kind][0]} ${entries(n)}</button>
<a href="${back}">Cancel</a>
</form>`;
  return inFrame(frame, {
    title: `Confirm: ${request.kind} in bulk`,
    trail: [["Queues", paths.home()], [request.queue, back]],
    content,
  });
}

/** What a bulk action did. */
export function bulkReportPage(frame: Frame, result: BulkResult): Html {
  const { paths } = frame;
  const { request, report, confirmed } = result;
  const back = paths.queue(request.queue, filterQuery(request.filter.fields));
  const destinations = new Map<string | null, number>();
  for (const done of report.done) {
    destinations.set(done.to, (destinations.get(done.to) ?? 0) + 1);
  }
  const refused = new Map<string, number>();
  for (const r of report.refused) {
    refused.set(r.reason, (refused.get(r.reason) ?? 0) + 1);
  }
  const gone = report.notFound.length;
  const taken = report.checkedOut.length;
  const notes: Html[] = [];
  if (gone > 0) {
    notes.push(
      markup`<li>${
        entries(gone)
      } had gone meanwhile (moved or removed): nothing done to them.</li>`,
    );
  }
  if (taken > 0) {
    notes.push(
      markup`<li>${
        entries(taken)
      } had been taken by a consumer meanwhile: left to it.</li>`,
    );
  }
  const content = markup`<p class="notice notice-ok" role="status">${
    VERBS[request.kind][1]
  } <b data-count="">${entries(report.done.length)}</b> from <b>${
    visible(request.queue)
  }</b>${
    request.kind === "remove" || request.kind === "due"
      ? ""
      : whereTo(destinations, request.queue)
  } (of ${formatCount(confirmed)} confirmed).</p>
${notes.length === 0 ? "" : markup`<ul>${notes}</ul>`}
${
    refused.size === 0
      ? ""
      : markup`<p>Refused, and left where they are:</p>${refusedList(refused)}`
  }
<p><a href="${back}">Back to ${
    visible(request.queue)
  }</a> · <a href="${paths.home()}">Queues</a></p>`;
  return inFrame(frame, {
    title: `Done: ${request.kind} in bulk`,
    trail: [["Queues", paths.home()], [request.queue, back]],
    content,
  });
}
