/**
 * The dashboard: a request handler over one spool directory. A request
 * is checked at the gate (where it is addressed and from whom, its token),
 * then routed; a refusal or failure becomes a page (or JSON for the API)
 * with its status and message.
 *
 * @module
 */

import { checkNonEmptyString } from "../arguments.ts";
import { runInForeground } from "../background.ts";
import { errorJson } from "./api.ts";
import { ICON, SCRIPT, STYLE } from "./assets.ts";
import { Gate, type PeerInfo } from "./auth.ts";
import { FormGuard, readUrlEncoded } from "./csrf.ts";
import { HttpError } from "./http_error.ts";
import type { Frame } from "./frame.ts";
import { HealthWatch } from "./health.ts";
import { healthSummary } from "./page_health.ts";
import { LiveShapes } from "./live.ts";
import { type DashboardOptions, settingsOf } from "./options.ts";
import { errorPage } from "./page_error.ts";
import { loginPage } from "./page_login.ts";
import { Paths } from "./paths.ts";
import { RateSampler } from "./rates.ts";
import {
  bodyResponse,
  htmlResponse,
  isLocalPath,
  redirect,
} from "./responses.ts";
import { routes } from "./routes.ts";
import { SpoolView } from "./spool_view.ts";
import {
  EntryNotFoundError,
  InvalidNameError,
  QueueNotFoundError,
} from "../errors.ts";

/**
 * A web dashboard over one spool: a request handler to serve with
 * `Deno.serve` or to mount in an application, and what it holds (its
 * live-update streams) to close.
 *
 * @example Answer a request
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { createDashboard } from "@multispool/multispool/dashboard";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["jobs"] });
 * await using dashboard = createDashboard(dir);
 * const response = await dashboard.handler(new Request("http://localhost/"));
 * assert.equal(response.status, 200);
 * assert.match(await response.text(), /jobs/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Dashboard extends AsyncDisposable {
  /** The spool directory. */
  readonly dir: string;
  /**
   * Answers one request (bound: pass it to `Deno.serve` as it is). `info`
   * is what `Deno.serve` hands a handler: with it, a dashboard without a
   * token refuses peers that are not on this host.
   */
  readonly handler: (request: Request, info?: PeerInfo) => Promise<Response>;
  /**
   * Ends the live-update streams, stops measuring and sampling, and waits
   * for a health check under way, so that a server can shut down; the
   * handler still answers afterwards, without live updates or new
   * samples.
   */
  close(): Promise<void>;
}

/**
 * Makes a web dashboard over the spool in `dir`: its health (the
 * monitor's problems, quarantined entries apart, the repair planned), the
 * queues with their depth, ages and last hour (updated live by
 * Server-Sent Events), an entry browser that pages by name, jumps and
 * filters, a search by name, each entry's page, and, when allowed,
 * actions on one entry or on every entry a filter picks, and the repair,
 * each confirmed first and done through the library.
 *
 * From its creation until closed, it lists every queue at an interval
 * (`sampleEveryMs`) to draw the last hour; a health check runs when a
 * page wants one and the last is older than 15 s.
 *
 * It is read-only unless `allowActions`; without a `token` it answers only
 * requests addressed to a loopback name from this host. Pages carry a
 * strict Content-Security-Policy and escape everything that comes from the
 * spool; forms carry a secret and are refused from other origins.
 *
 * @param dir The spool directory (its queues are found on disk, again on
 * each request).
 * @param options Actions, token, mount path, limits.
 * @returns The dashboard; close it (or `await using`) when the server
 * stops.
 * @throws {TypeError} If `dir` or an option has the wrong type.
 * @throws {RangeError} If an option is out of range (a token shorter than
 * 16 characters, a base path that is not a path).
 *
 * @example Serve it, mounted under /spool in an application
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { createDashboard } from "@multispool/multispool/dashboard";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs"] });
 * await spool.enqueue("jobs", { to: "a@example.com" }, new Uint8Array());
 * await using dashboard = createDashboard(dir, { basePath: "/spool" });
 * const app = (request: Request): Promise<Response> | Response =>
 *   new URL(request.url).pathname.startsWith("/spool/")
 *     ? dashboard.handler(request)
 *     : new Response("the application");
 * // In a program: Deno.serve({ hostname: "127.0.0.1", port: 8080 }, app);
 * const page = await app(new Request("http://localhost/spool/queues/jobs"));
 * assert.equal(page.status, 200);
 * assert.match(await page.text(), /a@example\.com/);
 * const api = await app(new Request("http://localhost/spool/api/queues"));
 * assert.equal((await api.json()).queues[0].ready, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createDashboard(
  dir: string,
  options: DashboardOptions = {},
): Dashboard {
  checkNonEmptyString("create dashboard", "dir", dir);
  const settings = settingsOf(options);
  const view = new SpoolView(dir, settings.quickCalls);
  const paths = new Paths(settings.basePath);
  const gate = new Gate(settings);
  const guard = new FormGuard();
  const health = new HealthWatch(view, settings.monitor);
  // Each live update carries the health panel's summary, and keeps the
  // checks going while a page watches.
  const live = new LiveShapes(view, settings.refreshMs, () => {
    health.current().catch(() => {});
    const last = health.latest();
    return last === undefined ? {} : { health: healthSummary(last) };
  });
  const rates = new RateSampler(view, settings.sampleEveryMs);
  rates.start();
  const frame: Frame = { paths, dir, allowActions: settings.allowActions };

  const router = routes({ view, settings, frame, guard, live, health, rates });

  const assets: Record<string, [string, string]> = {
    "style.css": [STYLE, "text/css; charset=utf-8"],
    "app.js": [SCRIPT, "text/javascript; charset=utf-8"],
    "icon.svg": [ICON, "image/svg+xml"],
  };

  /** The answer to a refused or failed request, in the kind asked for. */
  const failure = (
    path: string,
    status: number,
    message: string,
    headers: HeadersInit = {},
  ) => {
    if (path.startsWith("/api/") || path === "/events") {
      return errorJson(status, message, headers);
    }
    return htmlResponse(errorPage(frame, status, message), status, headers);
  };

  /** The login exchange: the form, and the token posted. */
  const login = async (
    request: Request,
    url: URL,
    path: string,
    wrong: boolean,
  ) => {
    if (request.method === "POST" && path === "/login") {
      guard.checkOrigin(request, url);
      const form = await readUrlEncoded(request);
      const token = form.get("token") ?? "";
      const next = form.get("next") ?? "";
      if (await gate.matches(token)) {
        const safe = next.startsWith(`${paths.base}/`) && isLocalPath(next)
          ? next
          : paths.home();
        return redirect(safe, { "Set-Cookie": gate.setCookie(url, token) });
      }
      return htmlResponse(loginPage(frame, next, true), 401);
    }
    if (path.startsWith("/api/") || path === "/events") {
      return errorJson(401, "this dashboard needs its token", {
        "WWW-Authenticate": 'Bearer realm="multispool"',
      });
    }
    const next = `${url.pathname}${url.search}`;
    return htmlResponse(loginPage(frame, next, wrong), 401);
  };

  const answer = async (
    request: Request,
    info: PeerInfo | undefined,
  ): Promise<Response> => {
    const url = new URL(request.url);
    let path = url.pathname;
    if (settings.basePath !== "") {
      if (path === settings.basePath) return redirect(paths.home());
      if (!path.startsWith(`${settings.basePath}/`)) {
        return failure(path, 404, "there is no such page");
      }
      path = path.slice(settings.basePath.length);
    }
    try {
      gate.checkPlace(request, url, info);
      if (
        path.startsWith("/static/") &&
        (request.method === "GET" || request.method === "HEAD")
      ) {
        const asset = assets[path.slice("/static/".length)];
        if (asset === undefined) {
          throw new HttpError(404, "there is no such file");
        }
        return bodyResponse(asset[0], asset[1]);
      }
      const access = await gate.access(request, url);
      if (access.kind === "redirect") return access.response;
      if (access.kind === "needed") {
        return await login(request, url, path, access.wrong);
      }
      const { handler, params } = router.match(request.method, path);
      return await handler(request, params, url);
    } catch (error) {
      if (error instanceof HttpError) {
        return failure(path, error.status, error.message, error.headers);
      }
      if (
        error instanceof QueueNotFoundError || error instanceof InvalidNameError
      ) {
        return failure(path, 404, error.message);
      }
      if (error instanceof EntryNotFoundError) {
        return failure(path, 404, error.message);
      }
      return failure(
        path,
        500,
        error instanceof Error ? error.message : String(error),
      );
    }
  };

  const handler = async (
    request: Request,
    info?: PeerInfo,
  ): Promise<Response> => {
    // A page gives the dashboard's own measurements way (background.ts).
    const response = await runInForeground(() => answer(request, info));
    if (request.method !== "HEAD") return response;
    await response.body?.cancel();
    return new Response(null, {
      status: response.status,
      headers: response.headers,
    });
  };

  const close = async () => {
    live.close();
    await Promise.all([live.settled(), rates.close(), health.close()]);
  };
  return { dir, handler, close, [Symbol.asyncDispose]: close };
}
