/**
 * The dashboard's routes: its pages, the event stream, the JSON API, and
 * the action a confirmed form posts. Each checks the queue and the entry
 * name it is given before anything touches the disk. Internal.
 *
 * @module
 */

import { waitForBackground } from "../background.ts";
import { parseAction, performAction } from "./actions.ts";
import {
  entriesJson,
  entryJson,
  healthJson,
  queuesJson,
  ratesJson,
} from "./api.ts";
import { parseBulk, performBulk, planBulk } from "./bulk.ts";
import { delay } from "../delay.ts";
import type { EntryState } from "../operator/entry_info.ts";
import type { PageRequest } from "../operator/page.ts";
import type { OperatorSpool } from "../operator/operator_spool.ts";
import type { FormGuard } from "./csrf.ts";
import { type FilterFields, readFilter } from "./filter_query.ts";
import type { Health, HealthWatch } from "./health.ts";
import { type HtmlValue, markup, visible } from "./html.ts";
import { HttpError } from "./http_error.ts";
import type { Frame, PageParts } from "./frame.ts";
import type { LiveShapes } from "./live.ts";
import type { Settings } from "./options.ts";
import { bulkConfirmPage, bulkReportPage } from "./page_bulk.ts";
import { confirmPage } from "./page_confirm.ts";
import { entryPage } from "./page_entry.ts";
import {
  healthPage,
  healthPendingPage,
  repairConfirmPage,
  repairReportPage,
} from "./page_health.ts";
import { overviewPage } from "./page_overview.ts";
import { queuePage } from "./page_queue.ts";
import { searchPage } from "./page_search.ts";
import { bodyResponse, htmlResponse, redirect } from "./responses.ts";
import { previewView } from "./preview_view.ts";
import type { RateSampler } from "./rates.ts";
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
  /** The health checks. */
  health: HealthWatch;
  /** The samples of the last hour. */
  rates: RateSampler;
}

/**
 * How long a page waits for a first measurement or health check (a big
 * spool takes seconds) before it shows without it.
 */
const WAIT_MS = 500;

/** How many matches per queue a search by the start of names lists. */
const SEARCH_MATCHES = 10;

/**
 * Turns the query of the browser into a page request: the cursor
 * (`after`, `before`, `last`), a jump (`position`, from 1, or `from`, a
 * name), the tab (`state=checked-out`) and the filter.
 *
 * @throws {HttpError} 400 for a malformed filter or position.
 */
function pageRequest(url: URL): { request: PageRequest; fields: FilterFields } {
  const params = url.searchParams;
  const text = (name: string) => {
    const value = params.get(name) ?? "";
    return value === "" ? undefined : value;
  };
  const state: EntryState = params.get("state") === "checked-out"
    ? "checked out"
    : "waiting";
  const { fields, filter } = readFilter(params);
  const positionText = text("position")?.trim();
  let position: number | undefined;
  if (positionText !== undefined) {
    position = Number(positionText);
    if (!Number.isSafeInteger(position) || position < 1) {
      throw new HttpError(
        400,
        `position: ${
          JSON.stringify(positionText)
        } is not an entry's position (1 is the first)`,
      );
    }
  }
  return {
    fields,
    request: {
      state,
      after: text("after"),
      before: text("before"),
      last: params.has("last"),
      position: position === undefined ? undefined : position - 1,
      from: text("from"),
      filter,
    },
  };
}

/** `promise`'s value if it comes within `ms`, else undefined. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  const stop = new AbortController();
  promise.catch(() => {}); // Its failure is the caller's, when it waits.
  try {
    return await Promise.race([
      promise,
      delay(ms, { signal: stop.signal }).then(() => undefined),
    ]);
  } finally {
    stop.abort();
  }
}

/** The notice a page shows after an action (named by a fixed word). */
function doneNotice(
  url: URL,
  queue: string,
  entry?: string,
): PageParts["notice"] {
  const params = url.searchParams;
  const from = params.get("from") ?? "";
  const name = entry ?? params.get("name") ?? "";
  const text = doneText(params.get("done"), from, queue, name);
  if (text !== undefined) return { kind: "ok", text };
  const was = params.get("was");
  if (was !== null) {
    return {
      kind: "ok",
      text: markup`${visible(name)} is in ${
        visible(queue)
      } now (the link named ${visible(was)}).`,
    };
  }
  return undefined;
}

/** What the action `done` names did, moving `name` from `from` to `queue`. */
function doneText(
  done: string | null,
  from: string,
  queue: string,
  name: string,
): HtmlValue | undefined {
  switch (done) {
    case "move":
      return markup`Moved from ${visible(from)} to ${visible(queue)}.`;
    case "hold":
      return markup`Held: moved from ${visible(from)} to ${visible(queue)}.`;
    case "release":
      return markup`Released from ${visible(from)} to ${visible(queue)}.`;
    case "retry":
      return markup`Retried from ${visible(from)} to ${
        visible(queue)
      } with a fresh start: 0 attempts, due now.`;
    case "due":
      return "Made due now.";
    case "was-due":
      return "It was due already: nothing to do.";
    case "remove":
      return markup`Removed ${visible(name)} from ${visible(queue)}.`;
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
  const { view, settings, frame, guard, live, health, rates } = context;
  const { paths } = frame;

  const expectActions = () => {
    if (!settings.allowActions) {
      throw new HttpError(
        403,
        "this dashboard is read-only: actions need it started with --allow-actions (allowActions: true)",
      );
    }
  };

  /** The last health check, waiting a little for the first one. */
  const healthSoon = async (): Promise<
    { health: Health | undefined; failure?: string }
  > => {
    try {
      return {
        health: await waitForBackground(within(health.current(), WAIT_MS)),
      };
    } catch (error) {
      return {
        health: undefined,
        failure: error instanceof Error ? error.message : String(error),
      };
    }
  };

  /**
   * The spool, once `queue` is one of its queues and `name` can name an
   * entry (a 404 otherwise).
   */
  const openAt = async (queue: string, name: string) => {
    const spool = await view.open();
    expectQueue(spool, queue);
    expectName(name);
    return spool;
  };

  /** Entry `name` in `queue`: its page, or where it has gone. */
  const entryAt = async (queue: string, name: string, url: URL) => {
    const spool = await view.open();
    expectName(name);
    const details = spool.queues.includes(queue)
      ? await spool.details(name, queue)
      : undefined;
    if (details === undefined) {
      // A link kept from before: follow the entry where it is now.
      const now = await spool.find(name);
      if (now !== undefined) {
        return redirect(paths.entry(now.queue, name, { was: queue }));
      }
      expectQueue(spool, queue);
      throw new HttpError(
        404,
        `${name} is not in ${queue}, nor anywhere in the spool: removed`,
      );
    }
    const preview = previewView(
      await spool.preview(name, settings.previewBytes),
    );
    return htmlResponse(
      entryPage(frame, details, preview, {
        queues: spool.queues,
        holdQueue: settings.holdQueue,
      }, doneNotice(url, queue, name)),
    );
  };

  return new Router()
    .add("GET", "/", async (_request, _params, url) => {
      const spool = await view.open();
      const [snapshot, { health, failure }] = await Promise.all([
        waitForBackground(within(live.current(), WAIT_MS)),
        healthSoon(),
      ]);
      return htmlResponse(
        overviewPage(frame, snapshot, {
          queues: spool.queues,
          health,
          healthFailure: failure,
          samples: (queue) => rates.samples(queue),
        }, doneNotice(url, "")),
      );
    })
    .add("GET", "/queues/:queue", async (_request, { queue }, url) => {
      const spool = await view.open();
      expectQueue(spool, queue);
      const { request, fields } = pageRequest(url);
      const page = await spool.page(queue, request, settings.pageSize);
      const shape = live.latest()?.queues.find((s) => s.queue === queue);
      return htmlResponse(
        queuePage(frame, page, {
          fields,
          shape,
          samples: rates.samples(queue),
          queues: spool.queues,
          holdQueue: settings.holdQueue,
        }, doneNotice(url, queue)),
      );
    })
    .add(
      "GET",
      "/queues/:queue/entries/:name",
      (_request, { queue, name }, url) => entryAt(queue, name, url),
    )
    .add("GET", "/entries/:name", async (_request, { name }) => {
      expectName(name);
      const spool = await view.open();
      const found = await spool.find(name);
      if (found === undefined) {
        throw new HttpError(
          404,
          `${name} is not in the spool: removed, or never there`,
        );
      }
      return redirect(paths.entry(found.queue, name));
    })
    .add("GET", "/search", async (_request, _params, url) => {
      const text = (url.searchParams.get("name") ?? "").trim();
      const spool = await view.open();
      if (text !== "" && nameProblem(text) === undefined) {
        const found = await spool.find(text);
        if (found !== undefined) {
          return redirect(paths.entry(found.queue, found.name));
        }
      }
      const matches = [];
      if (text !== "" && !text.includes("/")) {
        for (const queue of spool.queues) {
          for (const state of ["waiting", "checked out"] as const) {
            const page = await spool.page(queue, {
              state,
              filter: { prefix: text },
            }, SEARCH_MATCHES);
            if ((page.total ?? 0) > 0) matches.push(page);
          }
        }
      }
      return htmlResponse(searchPage(frame, text, matches));
    })
    .add(
      "GET",
      "/queues/:queue/entries/:name/payload",
      async (_request, { queue, name }) => {
        const spool = await openAt(queue, name);
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
    .add("GET", "/queues/:queue/bulk", async (_request, { queue }, url) => {
      expectActions();
      const spool = await view.open();
      const request = parseBulk(
        spool,
        queue,
        url.searchParams,
        settings.holdQueue,
      );
      const plan = await planBulk(spool, request);
      return htmlResponse(bulkConfirmPage(frame, plan, guard.token));
    })
    .add("POST", "/queues/:queue/bulk", async (request, { queue }, url) => {
      expectActions();
      const form = await guard.readForm(request, url);
      const spool = await view.open();
      const bulk = parseBulk(spool, queue, form, settings.holdQueue);
      const result = await performBulk(view, spool, bulk, form);
      return htmlResponse(bulkReportPage(frame, result));
    })
    .add("GET", "/health", async () => {
      const [checked, snapshot] = await waitForBackground(Promise.all([
        within(health.current(), WAIT_MS),
        within(live.current(), WAIT_MS),
      ]));
      return htmlResponse(
        checked === undefined
          ? healthPendingPage(frame)
          : healthPage(frame, checked, snapshot?.queues),
      );
    })
    .add("GET", "/health/repair", async () => {
      expectActions();
      // The plan confirmed is the one of a check made now.
      return htmlResponse(
        repairConfirmPage(
          frame,
          await waitForBackground(health.check()),
          guard.token,
        ),
      );
    })
    .add("POST", "/health/repair", async (request, _params, url) => {
      expectActions();
      await guard.readForm(request, url);
      const { report, after } = await waitForBackground(health.repair());
      return htmlResponse(repairReportPage(frame, report, after));
    })
    .add(
      "GET",
      "/events",
      () =>
        bodyResponse(live.stream(), "text/event-stream; charset=utf-8", {
          "X-Accel-Buffering": "no",
        }),
    )
    .add(
      "GET",
      "/api/queues",
      async () => queuesJson(await waitForBackground(live.current())),
    )
    .add(
      "GET",
      "/api/health",
      async () => healthJson(await waitForBackground(health.current())),
    )
    .add("GET", "/api/rates", async () => {
      const spool = await view.open();
      return ratesJson(
        spool.queues.map((queue) => ({
          queue,
          samples: rates.samples(queue),
        })),
      );
    })
    .add(
      "GET",
      "/api/queues/:queue/entries",
      async (_request, { queue }, url) => {
        const spool = await view.open();
        expectQueue(spool, queue);
        return entriesJson(
          await spool.page(queue, pageRequest(url).request, settings.pageSize),
        );
      },
    )
    .add(
      "GET",
      "/api/queues/:queue/entries/:name",
      async (_request, { queue, name }) => {
        const spool = await openAt(queue, name);
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
    .add("GET", "/api/entries/:name", async (_request, { name }) => {
      const spool = await view.open();
      expectName(name);
      const details = await spool.details(name);
      if (details === undefined) {
        throw new HttpError(404, `${name} is not in the spool`);
      }
      return entryJson(
        details,
        previewView(await spool.preview(name, settings.previewBytes)),
      );
    })
    .add("GET", "/login", () => redirect(paths.home()));
}
