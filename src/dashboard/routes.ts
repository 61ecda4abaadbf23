/**
 * The dashboard's routes: its pages, the event stream, the JSON API, and
 * the action a confirmed form posts. Each checks the queue and the entry
 * name it is given before anything touches the disk. Internal.
 *
 * @module
 */

import { parseAction, performAction } from "./actions.ts";
import { entriesJson, entryJson, queuesJson } from "./api.ts";
import type { EntryState } from "../operator/entry_info.ts";
import type { PageRequest } from "../operator/listing.ts";
import type { OperatorSpool } from "../operator/operator_spool.ts";
import type { FormGuard } from "./csrf.ts";
import { markup, visible } from "./html.ts";
import { HttpError } from "./http_error.ts";
import type { Frame, PageParts } from "./layout.ts";
import type { LiveShapes } from "./live.ts";
import type { Settings } from "./options.ts";
import { confirmPage } from "./page_confirm.ts";
import { entryPage } from "./page_entry.ts";
import { overviewPage } from "./page_overview.ts";
import { queuePage } from "./page_queue.ts";
import { bodyResponse, htmlResponse, redirect } from "./responses.ts";
import { previewView } from "./preview_view.ts";
import { Router } from "./router.ts";
import { nameProblem } from "../names.ts";
import type { SpoolView } from "./spool_view.ts";

/** What the routes work with. */
export interface RouteContext {
  /** The spool. */
  view: SpoolView;
  /** The checked options. */
  settings: Settings;
  /** The URLs and what every page shows. */
  frame: Frame;
  /** The form secret. */
  guard: FormGuard;
  /** The measurements and their event streams. */
  live: LiveShapes;
}

/** Turns the query of the browser into a page request. */
function pageRequest(url: URL): PageRequest {
  const params = url.searchParams;
  const text = (name: string) => params.get(name) ?? undefined;
  const state: EntryState = params.get("state") === "checked-out"
    ? "checked out"
    : "waiting";
  const prefix = text("prefix");
  return {
    state,
    after: text("after"),
    before: text("before"),
    last: params.has("last"),
    filter: prefix === undefined || prefix === "" ? undefined : { prefix },
  };
}

/** The notice a page shows after an action (named by a fixed word). */
function doneNotice(url: URL, queue: string): PageParts["notice"] {
  const params = url.searchParams;
  const done = params.get("done");
  const from = params.get("from") ?? "";
  const name = params.get("name") ?? "";
  switch (done) {
    case "move":
      return {
        kind: "ok",
        text: markup`Moved from ${visible(from)} to ${visible(queue)}.`,
      };
    case "hold":
      return {
        kind: "ok",
        text: markup`Held: moved from ${visible(from)} to ${visible(queue)}.`,
      };
    case "release":
      return {
        kind: "ok",
        text: markup`Released from ${visible(from)} to ${visible(queue)}.`,
      };
    case "due":
      return { kind: "ok", text: "Made due now." };
    case "was-due":
      return { kind: "ok", text: "It was due already: nothing to do." };
    case "remove":
      return {
        kind: "ok",
        text: markup`Removed ${visible(name)} from ${visible(queue)}.`,
      };
    default:
      return undefined;
  }
}

/** Throws a 404 unless `queue` is a queue of `spool`. */
function expectQueue(spool: OperatorSpool, queue: string): void {
  if (!spool.queues.includes(queue)) {
    throw new HttpError(404, `there is no queue ${JSON.stringify(queue)}`);
  }
}

/** Throws a 404 unless `name` can be an entry name. */
function expectName(name: string): void {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new HttpError(404, `not an entry name (it ${problem})`);
  }
}

/** A file name for a download: the entry name, with only safe characters. */
function downloadName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100) || "payload";
}

/** The routes of a dashboard (paths relative to where it is mounted). */
export function routes(context: RouteContext): Router {
  const { view, settings, frame, guard, live } = context;
  const { paths } = frame;

  const expectActions = () => {
    if (!settings.allowActions) {
      throw new HttpError(
        403,
        "this dashboard is read-only: actions need it started with --allow-actions (allowActions: true)",
      );
    }
  };

  return new Router()
    .add("GET", "/", async (_request, _params, url) => {
      const snapshot = await live.current();
      return htmlResponse(overviewPage(frame, snapshot, doneNotice(url, "")));
    })
    .add("GET", "/queues/:queue", async (_request, { queue }, url) => {
      const spool = await view.open();
      expectQueue(spool, queue);
      const request = pageRequest(url);
      const page = await spool.page(queue, request, settings.pageSize);
      const shape = live.latest()?.queues.find((s) => s.queue === queue);
      return htmlResponse(
        queuePage(frame, page, request, shape, doneNotice(url, queue)),
      );
    })
    .add(
      "GET",
      "/queues/:queue/entries/:name",
      async (_request, { queue, name }, url) => {
        const spool = await view.open();
        expectQueue(spool, queue);
        expectName(name);
        const details = await spool.details(name, queue);
        if (details === undefined) {
          throw new HttpError(
            404,
            `${name} is not in ${queue} (taken by a consumer, moved, or removed)`,
          );
        }
        const preview = previewView(
          await spool.preview(name, settings.previewBytes),
        );
        return htmlResponse(
          entryPage(frame, details, preview, {
            queues: spool.queues,
            holdQueue: settings.holdQueue,
          }, doneNotice(url, queue)),
        );
      },
    )
    .add(
      "GET",
      "/queues/:queue/entries/:name/payload",
      async (_request, { queue, name }) => {
        const spool = await view.open();
        expectQueue(spool, queue);
        expectName(name);
        if (await spool.find(name, queue) === undefined) {
          throw new HttpError(404, `${name} is not in ${queue}`);
        }
        const data = spool.payload(name);
        const size = (await data.stat()).size;
        return bodyResponse(data.readable(), "application/octet-stream", {
          "Content-Disposition": `attachment; filename="${downloadName(name)}"`,
          "Content-Length": String(size),
          "Content-Security-Policy": "sandbox",
        });
      },
    )
    .add(
      "GET",
      "/queues/:queue/entries/:name/confirm",
      async (_request, { queue, name }, url) => {
        expectActions();
        const spool = await view.open();
        const request = parseAction(
          spool,
          queue,
          name,
          url.searchParams,
          settings.holdQueue,
        );
        return htmlResponse(
          confirmPage(
            frame,
            request,
            guard.token,
            request.to === undefined || spool.queues.includes(request.to),
          ),
        );
      },
    )
    .add(
      "POST",
      "/queues/:queue/entries/:name",
      async (request, { queue, name }, url) => {
        expectActions();
        const form = await guard.readForm(request, url);
        const spool = await view.open();
        const action = parseAction(
          spool,
          queue,
          name,
          form,
          settings.holdQueue,
        );
        const result = await performAction(view, spool, action);
        if (result.queue === undefined) {
          return redirect(paths.queue(queue, { done: "remove", name }));
        }
        const done = result.kind === "due"
          ? result.wasDelayed ? "due" : "was-due"
          : result.kind;
        return redirect(
          paths.entry(result.queue, name, {
            done,
            from: result.kind === "due" ? undefined : queue,
          }),
        );
      },
    )
    .add(
      "GET",
      "/events",
      () =>
        bodyResponse(live.stream(), "text/event-stream; charset=utf-8", {
          "X-Accel-Buffering": "no",
        }),
    )
    .add("GET", "/api/queues", async () => queuesJson(await live.current()))
    .add(
      "GET",
      "/api/queues/:queue/entries",
      async (_request, { queue }, url) => {
        const spool = await view.open();
        expectQueue(spool, queue);
        return entriesJson(
          await spool.page(queue, pageRequest(url), settings.pageSize),
        );
      },
    )
    .add(
      "GET",
      "/api/queues/:queue/entries/:name",
      async (_request, { queue, name }) => {
        const spool = await view.open();
        expectQueue(spool, queue);
        expectName(name);
        const details = await spool.details(name, queue);
        if (details === undefined) {
          throw new HttpError(404, `${name} is not in ${queue}`);
        }
        return entryJson(
          details,
          previewView(await spool.preview(name, settings.previewBytes)),
        );
      },
    )
    .add("GET", "/login", () => redirect(paths.home()));
}
