/**
 * What an operator may do to an entry from the dashboard: the operator
 * layer's actions (move, hold, release, retry, make due, remove), each
 * through the library's protocol, never by editing files, so that it
 * races correctly with consumers. An entry a consumer took meanwhile is a
 * clear refusal (409), and nothing is done. Internal.
 *
 * @module
 */

import type { ActionDone, OperatorAction } from "../operator/actions.ts";
import type { OperatorSpool } from "../operator/operator_spool.ts";
import { nameProblem } from "../names.ts";
import { HttpError } from "./http_error.ts";
import type { SpoolView } from "./spool_view.ts";

/** The actions. */
export const ACTION_KINDS = [
  "move",
  "hold",
  "release",
  "retry",
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
  /** Where it goes (move, hold; release and retry: their default if not). */
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
  spool: OperatorSpool,
  queue: string,
  name: string,
  form: URLSearchParams,
  holdQueue: string,
): ActionRequest {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new HttpError(404, `not an entry name (it ${problem})`);
  }
  return { ...parseKindAndDestination(spool, queue, form, holdQueue), name };
}

/**
 * Checks what a form asks to do to entries of `queue` (`action`), and
 * where they go (`to`): move needs a queue, hold takes `holdQueue` if
 * none is named (made when first used), release and retry have defaults
 * of their own (the queue held from, the queue of the last failure).
 *
 * @throws {HttpError} 404 for an unknown queue, 400 for an unknown action
 * or a bad destination.
 */
export function parseKindAndDestination(
  spool: OperatorSpool,
  queue: string,
  form: URLSearchParams,
  holdQueue: string,
): { kind: ActionKind; queue: string; to?: string } {
  if (!spool.queues.includes(queue)) {
    throw new HttpError(404, `there is no queue ${JSON.stringify(queue)}`);
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
  const request = { kind: kind as ActionKind, queue };
  if (kind === "due" || kind === "remove") return request;
  let to = (form.get("to") ?? "").trim();
  if (kind === "hold" && to === "") to = holdQueue;
  // Release and retry know where to send an entry by default.
  if (to === "" && (kind === "release" || kind === "retry")) return request;
  if (to === "") throw new HttpError(400, `${kind}: name the queue it goes to`);
  const toProblem = nameProblem(to);
  if (toProblem !== undefined) {
    throw new HttpError(
      400,
      `${kind}: ${JSON.stringify(to)} cannot be a queue (it ${toProblem})`,
    );
  }
  if (to === queue && kind !== "retry") {
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

/** The operator layer's action for a request. */
export function operatorAction(
  request: Pick<ActionRequest, "kind" | "to">,
): OperatorAction {
  const { kind, to } = request;
  switch (kind) {
    case "move":
    case "hold":
      return { kind, to: to! };
    case "release":
    case "retry":
      return { kind, to };
    case "due":
    case "remove":
      return { kind };
  }
}

/**
 * Does what `request` asks, through the operator layer.
 *
 * @throws {HttpError} 409 if the entry is not waiting any more, or the
 * action was refused (nowhere to go).
 */
export async function performAction(
  view: SpoolView,
  spool: OperatorSpool,
  request: ActionRequest,
): Promise<ActionResult> {
  const { kind, queue, name, to } = request;
  if (kind === "hold" && to !== undefined && !spool.queues.includes(to)) {
    // The hold queue is made the first time it is needed.
    await spool.addQueue(to);
    spool = await view.open();
  }
  const report = await spool.actIn(
    queue,
    { names: [name] },
    operatorAction(request),
  );
  const [refused] = report.refused;
  if (refused !== undefined) {
    throw new HttpError(409, `${name}: ${refused.reason}. Nothing was done.`);
  }
  const done: ActionDone | undefined = report.done[0];
  if (done === undefined) {
    throw new HttpError(
      409,
      `${name} is not waiting in ${queue}: a consumer has it, or it was moved or removed meanwhile. Nothing was done.`,
    );
  }
  return {
    kind,
    name,
    from: queue,
    queue: done.to ?? undefined,
    wasDelayed: done.wasDelayed,
  };
}
