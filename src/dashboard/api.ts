/**
 * The JSON API, read-only: what the pages show, for scripts and
 * monitoring. `GET api/queues` (every queue's shape), `GET
 * api/queues/QUEUE/entries` (a page of entries, with the browser's query:
 * `after`, `before`, `last`, `prefix`, `state=checked-out`), and `GET
 * api/queues/QUEUE/entries/NAME` (one entry, with its history and payload
 * preview). Internal.
 *
 * @module
 */

import type { EntryDetails } from "../operator/entry_info.ts";
import type { EntryPage } from "../operator/listing.ts";
import type { PreviewView } from "./preview_view.ts";
import { jsonResponse } from "./responses.ts";
import type { Snapshot } from "./snapshot.ts";

/** The answer to `GET api/queues`. */
export function queuesJson(snapshot: Snapshot): Response {
  return jsonResponse(snapshot);
}

/** The answer to `GET api/queues/QUEUE/entries`. */
export function entriesJson(page: EntryPage): Response {
  return jsonResponse(page);
}

/** The answer to `GET api/queues/QUEUE/entries/NAME` (times in ISO). */
export function entryJson(
  details: EntryDetails,
  preview: PreviewView,
): Response {
  return jsonResponse({ ...details, preview });
}

/** The answer to a refused or failed API request. */
export function errorJson(
  status: number,
  message: string,
  headers?: HeadersInit,
): Response {
  return jsonResponse({ error: message }, status, headers);
}
