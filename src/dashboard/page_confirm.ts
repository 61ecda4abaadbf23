/**
 * The confirmation of an action: what will happen, in words, and a form
 * that posts it (with the form secret) or a link back. Internal.
 *
 * @module
 */

import type { ActionRequest } from "./actions.ts";
import { CSRF_FIELD } from "./csrf.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame } from "./frame.ts";

/** What an action will do, in words (markup, names escaped). */
export function describeAction(
  request: ActionRequest,
  queueExists = true,
): Html {
  const name = markup`<b class="name">${visible(request.name)}</b>`;
  const from = markup`<b>${visible(request.queue)}</b>`;
  const to = markup`<b>${visible(request.to ?? "")}</b>`;
  switch (request.kind) {
    case "move":
      return markup`Move ${name} from ${from} to ${to}? It keeps its due time and its history.`;
    case "hold":
      return markup`Hold ${name}: move it from ${from} to ${to}${
        queueExists ? "" : " (a new queue, made now)"
      }? No consumer of ${from} will see it until it is released.`;
    case "release":
      return request.to === undefined
        ? markup`Release ${name} from ${from} back to the queue it was held from? Its consumers may take it as soon as it is due.`
        : markup`Release ${name} from ${from} to ${to}? Consumers of ${to} may take it as soon as it is due.`;
    case "retry":
      return markup`Retry ${name} from ${from} with a fresh start, to ${
        request.to === undefined
          ? "the queue of its last failure"
          : markup`${to}`
      }? Its failed attempts go back to 0 (they stay in its history, marked as before the retry) and it is due now.`;
    case "due":
      return markup`Make ${name} in ${from} due now? A consumer may take it at once; its failed attempts stay counted.`;
    case "remove":
      return markup`Remove ${name} from ${from}, with its payload and history? This cannot be undone.`;
  }
}

/** The confirmation page. */
export function confirmPage(
  frame: Frame,
  request: ActionRequest,
  csrfToken: string,
  queueExists: boolean,
): Html {
  const { paths } = frame;
  const entryUrl = paths.entry(request.queue, request.name);
  const to = request.to === undefined
    ? ""
    : markup`<input type="hidden" name="to" value="${request.to}">`;
  const danger = request.kind === "remove" ? markup` class="danger"` : "";
  const content =
    markup`<form method="post" action="${entryUrl}" class="confirm">
<p>${describeAction(request, queueExists)}</p>
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
<input type="hidden" name="action" value="${request.kind}">
${to}
<button type="submit" id="confirm"${danger}>Confirm</button>
<a href="${entryUrl}">Cancel</a>
</form>`;
  return inFrame(frame, {
    title: `Confirm: ${request.kind}`,
    trail: [
      ["Queues", paths.home()],
      [request.queue, paths.queue(request.queue)],
      [request.name, entryUrl],
    ],
    content,
  });
}
