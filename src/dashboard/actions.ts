/**
 * What an operator may do to a waiting entry, each through the library's
 * protocol, never by editing files, so that it races correctly with
 * consumers: move, hold and release check the entry out (due or not, as an
 * operator's tool may) and save it to the other queue with the due time it
 * had; remove checks it out and removes it; make-due-now asks the entry to
 * be due now. An entry a consumer took meanwhile is a clear refusal (409),
 * and nothing is done. Internal.
 *
 * @module
 */

import { EntryNotFoundError } from "../errors.ts";
import { tryCheckout } from "../expert.ts";
import { nameProblem } from "../names.ts";
import { HttpError } from "./http_error.ts";
import type { SpoolView, ViewSpool } from "./spool_view.ts";

/** The actions. */
export const ACTION_KINDS = [
  "move",
  "hold",
  "release",
  "due",
  "remove",
] as const;

/** One of the actions. */
export type ActionKind = typeof ACTION_KINDS[number];

/** An action asked for, checked. */
export interface ActionRequest {
  /** What to do. */
  kind: ActionKind;
  /** The queue the entry waits in. */
  queue: string;
  /** The entry. */
  name: string;
  /** Where it goes (move, hold, release). */
  to?: string;
}

/** What an action did. */
export interface ActionResult {
  /** What was done. */
  kind: ActionKind;
  /** The entry. */
  name: string;
  /** Where it was. */
  from: string;
  /** Where it is now; undefined once removed. */
  queue: string | undefined;
  /** For `due`: whether it was delayed (false: it was due already). */
  wasDelayed?: boolean;
}

/**
 * Checks an action asked for by a form (`action`, and `to` where it goes).
 *
 * @param spool The spool, with its queues now.
 * @param queue The queue in the path.
 * @param name The entry in the path.
 * @param form The form's fields.
 * @param holdQueue The queue "hold" uses when the form names none.
 * @throws {HttpError} 400 for an unknown action or a bad destination, 404
 * for an unknown queue or a bad name.
 */
export function parseAction(
  spool: ViewSpool,
  queue: string,
  name: string,
  form: URLSearchParams,
  holdQueue: string,
): ActionRequest {
  if (!spool.queues.includes(queue)) {
    throw new HttpError(404, `there is no queue ${JSON.stringify(queue)}`);
  }
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new HttpError(404, `not an entry name (it ${problem})`);
  }
  const kind = form.get("action") ?? "";
  if (!(ACTION_KINDS as readonly string[]).includes(kind)) {
    throw new HttpError(
      400,
      `unknown action ${JSON.stringify(kind)} (actions: ${
        ACTION_KINDS.join(", ")
      })`,
    );
  }
  const request: ActionRequest = { kind: kind as ActionKind, queue, name };
  if (kind === "due" || kind === "remove") return request;
  let to = (form.get("to") ?? "").trim();
  if (kind === "hold" && to === "") to = holdQueue;
  if (to === "") throw new HttpError(400, `${kind}: name the queue it goes to`);
  const toProblem = nameProblem(to);
  if (toProblem !== undefined) {
    throw new HttpError(
      400,
      `${kind}: ${JSON.stringify(to)} cannot be a queue (it ${toProblem})`,
    );
  }
  if (to === queue) {
    throw new HttpError(400, `${kind}: the entry is in ${to} already`);
  }
  if (kind !== "hold" && !spool.queues.includes(to)) {
    throw new HttpError(
      400,
      `${kind}: there is no queue ${JSON.stringify(to)} (queues: ${
        spool.queues.join(", ")
      })`,
    );
  }
  return { ...request, to };
}

/** The refusal for an entry that is not waiting any more. */
function gone(request: ActionRequest): HttpError {
  return new HttpError(
    409,
    `${request.name} is not waiting in ${request.queue}: a consumer has it, or it was moved or removed meanwhile. Nothing was done.`,
  );
}

/**
 * Does what `request` asks, through the library.
 *
 * @throws {HttpError} 409 if the entry is not waiting any more.
 */
export async function performAction(
  view: SpoolView,
  spool: ViewSpool,
  request: ActionRequest,
): Promise<ActionResult> {
  const { kind, queue, name, to } = request;
  const result = { kind, name, from: queue };
  try {
    if (kind === "due") {
      const was = await spool.entry(queue, name).direct.makeDue();
      return { ...result, queue, wasDelayed: was !== undefined };
    }
    if (kind === "hold" && to !== undefined && !spool.queues.includes(to)) {
      // The hold queue is made the first time it is needed.
      spool = await view.addQueue(to);
    }
    const entry = spool.entry(queue, name);
    // Read before the checkout, which dates the file with now: a delayed
    // entry keeps its due time where it goes.
    const due = await entry.direct.readDue();
    // If saving fails, disposing puts the entry back where it was.
    await using job = await tryCheckout(spool, entry, { evenIfNotDue: true });
    if (job === undefined) throw gone(request);
    if (kind === "remove") {
      await job.remove();
      return { ...result, queue: undefined };
    }
    if (to === undefined) throw new HttpError(400, `${kind}: name a queue`);
    await job.save(to, { at: due });
    return { ...result, queue: to };
  } catch (error) {
    if (error instanceof EntryNotFoundError) throw gone(request);
    throw error;
  }
}
