/**
 * The JSON API, read-only: what the pages show, for scripts and
 * monitoring. `GET api/queues` (every queue's shape), `GET
 * api/queues/QUEUE/entries` (a page of entries, with the browser's query:
 * `after`, `before`, `last`, `position`, `from`, `state=checked-out`, and
 * the filter: `prefix`, `where`, `error`, `schedule`, `older`, `newer`),
 * `GET api/queues/QUEUE/entries/NAME` (one entry, with its history and
 * payload preview), `GET api/entries/NAME` (the same, wherever the entry
 * is), `GET api/health` (the monitor's problems, the quarantined entries,
 * the repair plan) and `GET api/rates` (each queue's samples of the last
 * hour). Internal.
 *
 * @module
 */

import type { EntryDetails } from "../operator/entry_info.ts";
import type { EntryPage } from "../operator/page.ts";
import type { Health } from "./health.ts";
import type { PreviewView } from "./preview_view.ts";
import type { RateSample } from "./rates.ts";
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

/** The answer to `GET api/health` (times in ISO). */
export function healthJson(health: Health): Response {
  return jsonResponse(health);
}

/** The answer to `GET api/rates`: `at` in milliseconds since the epoch. */
export function ratesJson(
  queues: { queue: string; samples: readonly RateSample[] }[],
): Response {
  return jsonResponse({ queues });
}

/** The answer to a refused or failed API request. */
export function errorJson(
  status: number,
  message: string,
  headers?: HeadersInit,
): Response {
  return jsonResponse({ error: message }, status, headers);
}
