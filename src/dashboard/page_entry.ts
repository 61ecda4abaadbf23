/**
 * An entry's page: where it is and since when, when it is due, its failed
 * attempts and the errors recorded, its metadata and a preview of its
 * payload; and, when actions are allowed and it waits, the actions, each a
 * plain form that leads to a confirmation. Internal.
 *
 * @module
 */

import type { EntryDetails } from "../operator/entry_info.ts";
import { formatAge, formatBytes, formatDue, formatTime } from "./format.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, layout, type PageParts } from "./layout.ts";
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
    markup`<tr><td class="when">${formatTime(f.at)}</td><td>${
      visible(f.queue)
    }</td><td>${f.kind}</td><td class="message">${visible(f.message)}</td></tr>`
  );
  return markup`<p>${attempts} failed attempt${plural}${kept}, oldest first:</p>
<table class="failures">
<thead><tr><th scope="col">When</th><th scope="col">Queue</th><th scope="col">Kind</th><th scope="col">Error</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

function queueOptions(queues: readonly string[], except: string): Html[] {
  return queues.filter((q) => q !== except).map((q) =>
    markup`<option value="${q}">${visible(q)}</option>`
  );
}

function actionsBlock(
  frame: Frame,
  details: EntryDetails,
  context: EntryPageContext,
): Html {
  if (!frame.allowActions) {
    return markup`<p class="meta">Read-only: start the dashboard with --allow-actions to move, hold, release, remove or make entries due.</p>`;
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
    markup`<form method="get" action="${confirm}" class="action">
<input type="hidden" name="action" value="${action}">${body}
<button type="submit"${danger ? markup` class="danger"` : ""}>${button}</button>
</form>`;
  const choose = (label: string) =>
    markup`<label>${label} <select name="to">${others}</select></label>`;
  const move = others.length === 0
    ? ""
    : form("move", choose("Move to"), "Move…");
  const holdOrRelease = details.queue === context.holdQueue
    ? others.length === 0
      ? ""
      : form("release", choose("Release to"), "Release…")
    : form(
      "hold",
      markup`<label>Hold in <input name="to" value="${context.holdQueue}" size="12" required></label>`,
      "Hold…",
    );
  const due = details.due === null ? "" : form("due", "", "Make due now…");
  return markup`<div class="actions">
${move}
${holdOrRelease}
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
</dl>
<section><h2>Actions</h2>${actionsBlock(frame, details, context)}</section>
<section><h2>Failures</h2>${historyBlock(details)}</section>
<section><h2>Metadata</h2><pre class="metadata">${
    visible(prettyMetadata(details.metadata), false)
  }</pre></section>
<section><h2>Payload</h2>${previewBlock(frame, details, preview)}</section>`;
  return layout(frame, {
    title: details.name,
    trail: [
      ["Queues", paths.home()],
      [details.queue, paths.queue(details.queue)],
    ],
    notice,
    content,
  });
}
