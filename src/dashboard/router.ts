/**
 * A small router: routes are a method and a path pattern whose `:name`
 * segments are parameters, matched segment by segment and percent-decoded.
 * Internal.
 *
 * @module
 */

import { HttpError } from "./http_error.ts";

/** The decoded values of a route's `:name` segments. */
export type Params = Readonly<Record<string, string>>;

/** What a route does with a request. */
export type RouteHandler = (
  request: Request,
  params: Params,
  url: URL,
) => Response | Promise<Response>;

/** The methods the dashboard answers (HEAD is answered as GET). */
export type Method = "GET" | "POST";

interface Route {
  method: Method;
  parts: string[];
  handler: RouteHandler;
}

/** Splits a path into its raw segments: `/a/b` is `["a", "b"]`, `/` none. */
function segments(path: string): string[] {
  return path === "/" || path === "" ? [] : path.replace(/^\//, "").split("/");
}

/** Routes requests by method and path. */
export class Router {
  readonly #routes: Route[] = [];

  /**
   * Adds a route.
   *
   * @param method The method.
   * @param pattern A path such as `/queues/:queue/entries/:name`.
   * @param handler What answers it.
   * @returns This router.
   */
  add(method: Method, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, parts: segments(pattern), handler });
    return this;
  }

  /**
   * The route for `method` and `path` (relative to where the dashboard is
   * mounted, still percent-encoded), and its parameters.
   *
   * @throws {HttpError} 404 if no route has the path, 405 (with `Allow`)
   * if none has it for this method, 400 if a segment is not valid
   * percent-encoding.
   */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Params } {
    const raw = segments(path);
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchParts(route.parts, raw);
      if (params === undefined) continue;
      if (
        route.method === method || (method === "HEAD" && route.method === "GET")
      ) {
        return { handler: route.handler, params };
      }
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
    }
    if (allowed.size > 0) {
      throw new HttpError(405, `${method} is not allowed here`, {
        Allow: [...allowed].join(", "),
      });
    }
    throw new HttpError(404, "there is no such page");
  }
}

function matchParts(
  pattern: string[],
  raw: string[],
): Record<string, string> | undefined {
  if (pattern.length !== raw.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i];
    if (part.startsWith(":")) {
      let value: string;
      try {
        value = decodeURIComponent(raw[i]);
      } catch {
        throw new HttpError(400, "the path is not valid percent-encoding");
      }
      if (value === "") return undefined;
      params[part.slice(1)] = value;
    } else if (part !== raw[i]) {
      return undefined;
    }
  }
  return params;
}
