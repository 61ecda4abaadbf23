/**
 * One action on every entry of a queue that the queue page's filter
 * picks: first a dry run, which the confirmation shows (how many, where
 * each goes, what would be refused), then, once confirmed, the action on
 * the same filter, carried in the confirmed form, and on no entry after
 * the last one the dry run counted (one that arrives meanwhile is left
 * alone). Every entry goes through the operator layer's protocol, as one
 * action does. Internal.
 *
 * @module
 */

import type { ActionReport } from "../operator/actions.ts";
import type { OperatorSpool } from "../operator/operator_spool.ts";
import {
  type ActionKind,
  operatorAction,
  parseKindAndDestination,
} from "./actions.ts";
import { type FilterQuery, readFilter } from "./filter_query.ts";
import { HttpError } from "./http_error.ts";
import type { SpoolView } from "./spool_view.ts";

/** A bulk action asked for, checked. */
export interface BulkRequest {
  /** What to do. */
  kind: ActionKind;
  /** The queue whose waiting entries it is for. */
  queue: string;
  /** Where they go, if the form names it. */
  to?: string;
  /** Which entries: the queue page's filter. */
  filter: FilterQuery;
}

/**
 * Checks a bulk action asked for by a query or a form: `action`, `to`,
 * and the filter's fields.
 *
 * @throws {HttpError} 404 for an unknown queue, 400 for a bad action,
 * destination or filter.
 */
export function parseBulk(
  spool: OperatorSpool,
  queue: string,
  params: URLSearchParams,
  holdQueue: string,
): BulkRequest {
  return {
    ...parseKindAndDestination(spool, queue, params, holdQueue),
    filter: readFilter(params),
  };
}

/** What a bulk action would do: its dry run, summed up. */
export interface BulkPlan {
  /** The request. */
  request: BulkRequest;
  /** Whether the destination queue is made by the action (a hold). */
  newQueue: boolean;
  /** How many entries the filter picks. */
  matched: number;
  /** How many would be acted on, by destination (null: removed). */
  destinations: Map<string | null, number>;
  /** How many would be refused, by reason. */
  refused: Map<string, number>;
  /** The last name acted on, in name order: the action stops there. */
  through: string | undefined;
  /** The first few names acted on, to show. */
  first: string[];
}

/** How many names a confirmation shows. */
const SHOWN = 10;

/** Counts `key` in `map`. */
function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The dry run of a bulk action. */
export async function planBulk(
  spool: OperatorSpool,
  request: BulkRequest,
): Promise<BulkPlan> {
  const { queue, kind, to } = request;
  const newQueue = kind === "hold" && to !== undefined &&
    !spool.queues.includes(to);
  // A hold to a queue not made yet would be refused for that alone; its
  // dry run picks the same entries as a removal's (neither refuses any).
  const probe = newQueue
    ? { kind: "remove" as const }
    : operatorAction(request);
  const report = await spool.actIn(
    queue,
    { filter: request.filter.filter ?? {} },
    probe,
    { dryRun: true },
  );
  const destinations = new Map<string | null, number>();
  for (const done of report.done) count(destinations, newQueue ? to! : done.to);
  const refused = new Map<string, number>();
  for (const r of report.refused) count(refused, r.reason);
  return {
    request,
    newQueue,
    matched: report.matched,
    destinations,
    refused,
    through: report.done.at(-1)?.name,
    first: report.done.slice(0, SHOWN).map((d) => d.name),
  };
}

/** What a confirmed bulk action did. */
export interface BulkResult {
  /** The request. */
  request: BulkRequest;
  /** How many entries the confirmation counted. */
  confirmed: number;
  /** The operator layer's report (names target: `notFound` are gone). */
  report: ActionReport;
}

/**
 * Does a confirmed bulk action: to the entries the filter picks now, up
 * to `through` (the last name the confirmation counted), in name order.
 *
 * @throws {HttpError} 400 if the form lacks what the confirmation put in.
 */
export async function performBulk(
  view: SpoolView,
  spool: OperatorSpool,
  request: BulkRequest,
  form: URLSearchParams,
): Promise<BulkResult> {
  const through = form.get("through") ?? "";
  const confirmed = Number(form.get("count") ?? "");
  if (through === "" || !Number.isSafeInteger(confirmed) || confirmed < 0) {
    throw new HttpError(
      400,
      "the form lacks the confirmation's count and last name: confirm again from the queue page",
    );
  }
  const { queue, kind, to } = request;
  const names: string[] = [];
  for await (
    const entry of spool.entries(queue, { filter: request.filter.filter })
  ) {
    if (entry.name > through) break;
    names.push(entry.name);
  }
  if (kind === "hold" && to !== undefined && !spool.queues.includes(to)) {
    // The hold queue is made the first time it is needed.
    await spool.addQueue(to);
    spool = await view.open();
  }
  const report = await spool.actIn(
    queue,
    { names },
    operatorAction(request),
  );
  return { request, confirmed, report };
}
