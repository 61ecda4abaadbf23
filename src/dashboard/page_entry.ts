/**
 * An entry's page: where it is and since when, when it is due, its failed
 * attempts and the errors recorded, its metadata and a preview of its
 * payload; and, when actions are allowed and it waits, the actions, each a
 * plain form that leads to a confirmation. Internal.
 *
 * @module
 */

import type { EntryDetails } from "../operator/entry_info.ts";
import {
  formatAge,
  formatBytes,
  formatDue,
  formatTime,
} from "../operator/format.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame, type PageParts } from "./frame.ts";
import { HEX_BYTES, type PreviewView } from "./preview_view.ts";

/** What the entry page needs besides the entry. */
export interface EntryPageContext {
  /** The queues of the spool now. */
  queues: readonly string[];
  /** The queue "hold" proposes. */
  holdQueue: string;
}

/** Metadata for people: JSON indented, anything else as it is. */
function prettyMetadata(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null) {
      return JSON.stringify(value, null, 2);
    }
  } catch {
    // Not JSON: shown as stored.
  }
  return text;
}

function previewBlock(
  frame: Frame,
  details: EntryDetails,
  preview: PreviewView,
): Html {
  const download = markup`<a href="${
    frame.paths.payload(details.queue, details.name)
  }" download="">download the payload</a>`;
  const size = "size" in preview ? formatBytes(preview.size) : "";
  switch (preview.kind) {
    case "missing":
      return markup`<p class="notice notice-error">The payload is missing: the entry is damaged (${
        visible(preview.message)
      }).</p>`;
    case "empty":
      return markup`<p>Empty (0 bytes).</p>`;
    case "json":
      return markup`<p class="meta">JSON, ${size}, indented · ${download}</p>
<pre class="payload payload-json">${visible(preview.text, false)}</pre>`;
    case "text": {
      const cut = preview.shown < preview.size;
      const part = cut ? `: the first ${formatBytes(preview.shown)}` : "";
      return markup`<p class="meta">Text, ${size}${part} · ${download}</p>
<pre class="payload">${visible(preview.text, false)}${
        cut ? "\n[…]" : ""
      }</pre>`;
    }
    case "binary": {
      const part = preview.shown < preview.size
        ? `: the first ${formatBytes(preview.shown)} in hex (at most ${
          formatBytes(HEX_BYTES)
        })`
        : ", in hex";
      return markup`<p class="meta">Binary, ${size}${part} · ${download}</p>
<pre class="payload payload-hex">${preview.hex}</pre>`;
    }
  }
}

function historyBlock(details: EntryDetails): Html {
  const { history } = details;
  if ("error" in history) {
    return markup`<p class="notice notice-error">The history cannot be read: ${
      visible(history.error)
    }</p>`;
  }
  const { attempts, failures } = history;
  if (failures.length === 0) {
    return markup`<p>${
      attempts === 0
        ? "No failed attempt."
        : `${attempts} failed attempts; no error kept.`
    }</p>`;
  }
  const plural = attempts === 1 ? "" : "s";
  const kept = failures.length < attempts
    ? `; the last ${failures.length}`
    : "";
  const rows = failures.map((f) =>
    markup`<tr${
      f.beforeRetry ? markup` class="before-retry"` : ""
    }><td class="when">${formatTime(f.at)}</td><td>${
      visible(f.queue)
    }</td><td>${f.kind}${
      f.beforeRetry
        ? markup` <span class="tag" title="recorded before the entry's last retry with a fresh start: no longer counted">before retry</span>`
        : ""
    }</td><td class="message">${visible(f.message)}</td></tr>`
  );
  const retried = history.lastRetry === undefined
    ? ""
    : markup`<p>Retried with a fresh start ${
      formatTime(history.lastRetry.at)
    } from ${
      visible(history.lastRetry.from)
    }, after ${history.lastRetry.attempts} failed attempt${
      history.lastRetry.attempts === 1 ? "" : "s"
    }: the failures before it stay here, marked, and no longer count.</p>`;
  return markup`${retried}<p>${attempts} failed attempt${plural}${kept}, oldest first:</p>
<table class="failures">
<thead><tr><th scope="col">When</th><th scope="col">Queue</th><th scope="col">Kind</th><th scope="col">Error</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

function queueOptions(
  queues: readonly string[],
  except: string,
  selected?: string,
): Html[] {
  return queues.filter((q) => q !== except).map((q) =>
    markup`<option value="${q}"${q === selected ? " selected" : ""}>${
      visible(q)
    }</option>`
  );
}

function actionsBlock(
  frame: Frame,
  details: EntryDetails,
  context: EntryPageContext,
): Html {
  if (!frame.allowActions) {
    return markup`<p class="meta">Read-only: start the dashboard with --allow-actions to retry, move, hold, release, remove or make entries due.</p>`;
  }
  if (details.state !== "waiting") {
    return markup`<p class="meta">A consumer has this entry checked out: nothing can be done to it until the consumer saves or removes it.</p>`;
  }
  const confirm = frame.paths.confirm(details.queue, details.name);
  const others = queueOptions(context.queues, details.queue);
  const form = (
    action: string,
    body: Html | string,
    button: string,
    danger = false,
  ) =>
    markup`<form method="get" action="${confirm}" class="action action-${action}">
<input type="hidden" name="action" value="${action}">${body}
<button type="submit"${danger ? markup` class="danger"` : ""}>${button}</button>
</form>`;
  const choose = (label: string) =>
    markup`<label>${label} <select name="to">${others}</select></label>`;
  const failedIn = details.lastError?.queue;
  const retry = failedIn === undefined
    ? form(
      "retry",
      markup`<label>Retry in <select name="to">${
        queueOptions(context.queues, "", details.queue)
      }</select></label>`,
      "Retry…",
    )
    : form(
      "retry",
      markup`<label>Retry in <select name="to"><option value="">${
        visible(failedIn)
      } (where it last failed)</option>${
        queueOptions(context.queues, failedIn)
      }</select></label>`,
      "Retry…",
    );
  const move = others.length === 0
    ? ""
    : form("move", choose("Move to"), "Move…");
  const held = details.heldFrom !== null ||
    details.queue === context.holdQueue;
  const release = !held || others.length === 0 ? "" : form(
    "release",
    markup`<label>Release to <select name="to" required>${
      details.heldFrom === null
        ? markup`<option value="" selected disabled>choose a queue</option>`
        : ""
    }${
      queueOptions(context.queues, details.queue, details.heldFrom ?? "")
    }</select></label>${
      details.heldFrom === null
        ? markup` <span class="meta">no origin recorded: it was not held by the dashboard or the command line</span>`
        : markup` <span class="meta">where it was held from</span>`
    }`,
    "Release…",
  );
  const hold = held ? "" : form(
    "hold",
    markup`<label>Hold in <input name="to" value="${context.holdQueue}" size="12" required></label>`,
    "Hold…",
  );
  const due = details.due === null ? "" : form("due", "", "Make due now…");
  return markup`<div class="actions">
${retry}
${move}
${release}${hold}
${due}
${form("remove", "", "Remove…", true)}
</div>`;
}

/** The page of one entry. */
export function entryPage(
  frame: Frame,
  details: EntryDetails,
  preview: PreviewView,
  context: EntryPageContext,
  notice?: PageParts["notice"],
): Html {
  const { paths } = frame;
  const since = `${details.since === null ? "?" : formatTime(details.since)}${
    details.ageMs === null ? "" : ` (${formatAge(details.ageMs)} ago)`
  }`;
  const due = details.state === "checked out"
    ? "- (checked out)"
    : details.due === null
    ? "now"
    : `${formatTime(details.due)} (${formatDue(details.due)})`;
  const attempts = details.attempts === null ? "?" : String(details.attempts);
  const size = details.dataBytes === null
    ? "missing"
    : formatBytes(details.dataBytes);
  const content = markup`<dl class="facts">
<dt>Name</dt><dd class="name">${visible(details.name)}</dd>
<dt>Queue</dt><dd><a href="${paths.queue(details.queue)}">${
    visible(details.queue)
  }</a> (${details.state})</dd>
<dt>Since</dt><dd>${since}</dd>
<dt>Due</dt><dd>${due}</dd>
<dt>Attempts</dt><dd>${attempts}</dd>
<dt>Payload</dt><dd>${size}</dd>
${
    details.quarantine === null
      ? ""
      : markup`<dt>Quarantined</dt><dd class="quarantine">since ${
        formatTime(details.quarantine.at)
      }: ${visible(details.quarantine.reason)}</dd>`
  }${
    details.heldFrom === null
      ? ""
      : markup`<dt>Held from</dt><dd><a href="${
        paths.queue(details.heldFrom)
      }">${visible(details.heldFrom)}</a> (release sends it back there)</dd>`
  }
<dt>Link</dt><dd><a class="permalink" href="${paths.named(details.name)}">${
    paths.named(details.name)
  }</a> <span class="meta">(follows the entry wherever it goes)</span></dd>
</dl>
<section><h2>Actions</h2>${actionsBlock(frame, details, context)}</section>
<section><h2>Failures</h2>${historyBlock(details)}</section>
<section><h2>Metadata</h2><pre class="metadata">${
    visible(prettyMetadata(details.metadata), false)
  }</pre></section>
<section><h2>Payload</h2>${previewBlock(frame, details, preview)}</section>`;
  return inFrame(frame, {
    title: details.name,
    trail: [
      ["Queues", paths.home()],
      [details.queue, paths.queue(details.queue)],
    ],
    notice,
    content,
  });
}
