/**
 * Who may look: the access token (a cookie, a bearer header, or `?token=`
 * once), and without a token, loopback only (the `Host` a request is
 * addressed to, against DNS rebinding, and the peer's address). Internal.
 *
 * @module
 */

import { HttpError } from "./http_error.ts";
import type { Settings } from "./options.ts";
import { isLocalPath, redirect } from "./responses.ts";
import { Secret } from "./secrets.ts";

/** Where the peer of a request is, as `Deno.serve` tells it. */
export interface PeerInfo {
  /** The peer's address. */
  remoteAddr?: Deno.Addr;
}

/** Whether `hostname` (as in a URL: IPv6 in brackets) is loopback. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The host (name and port) a request is addressed to. */
export function requestHost(request: Request, url: URL): string {
  return request.headers.get("host") ?? url.host;
}

/** The host name of a `Host` value, lower case; undefined if malformed. */
function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The verdict on a request's credentials. */
export type Access =
  /** Let it in. */
  | { kind: "ok" }
  /** It carries no valid token: ask for one. */
  | { kind: "needed"; wrong: boolean }
  /** It carried a valid `?token=`: set the cookie and come back without. */
  | { kind: "redirect"; response: Response };

/** Decides who may use a dashboard. */
export class Gate {
  readonly #settings: Settings;
  readonly #token: Secret | undefined;

  /** @param settings The dashboard's settings. */
  constructor(settings: Settings) {
    this.#settings = settings;
    this.#token = settings.token === undefined
      ? undefined
      : new Secret(settings.token);
  }

  /** Whether the dashboard has a token. */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /**
   * Without a token, refuses a request addressed to a host name that is
   * not loopback (nor allowed), or coming from a peer that is not.
   *
   * @throws {HttpError} 403 with the reason.
   */
  checkPlace(request: Request, url: URL, info: PeerInfo | undefined): void {
    if (this.#token !== undefined) return;
    const hostname = hostnameOf(requestHost(request, url));
    if (
      hostname === undefined ||
      !(isLoopbackName(hostname) || this.#settings.allowedHosts.has(hostname))
    ) {
      throw new HttpError(
        403,
        "this dashboard has no token, so it answers only requests addressed to localhost (start it with a token to reach it by another name)",
      );
    }
    const peer = info?.remoteAddr;
    if (
      peer !== undefined &&
      (peer.transport === "tcp" || peer.transport === "udp") &&
      !isLoopbackName(peer.hostname)
    ) {
      throw new HttpError(
        403,
        "this dashboard has no token, so it answers only this host",
      );
    }
  }

  /** The name of the cookie that holds the token (one per port). */
  cookieName(url: URL): string {
    return `multispool_token${url.port === "" ? "" : `_${url.port}`}`;
  }

  /** Whether `token` is the dashboard's token. */
  async matches(token: string): Promise<boolean> {
    return this.#token !== undefined && await this.#token.matches(token);
  }

  /** A `Set-Cookie` value that keeps `token` for this dashboard. */
  setCookie(url: URL, token: string): string {
    const path = this.#settings.basePath === "" ? "/" : this.#settings.basePath;
    const secure = url.protocol === "https:" ? "; Secure" : "";
    return `${this.cookieName(url)}=${
      encodeURIComponent(token)
    }; Path=${path}; HttpOnly; SameSite=Strict${secure}`;
  }

  /** Checks the token a request carries, if the dashboard has one. */
  async access(request: Request, url: URL): Promise<Access> {
    if (this.#token === undefined) return { kind: "ok" };
    const bearer = /^Bearer\s+(\S+)$/i.exec(
      request.headers.get("authorization") ?? "",
    )?.[1];
    if (bearer !== undefined && await this.matches(bearer)) {
      return { kind: "ok" };
    }
    const cookie = cookieValue(request, this.cookieName(url));
    if (cookie !== undefined && await this.matches(cookie)) {
      return { kind: "ok" };
    }
    const query = url.searchParams.get("token");
    if (
      query !== null && (request.method === "GET" || request.method === "HEAD")
    ) {
      if (!await this.matches(query)) return { kind: "needed", wrong: true };
      const clean = new URL(url);
      clean.searchParams.delete("token");
      return {
        kind: "redirect",
        response: redirect(`${local(clean.pathname)}${clean.search}`, {
          "Set-Cookie": this.setCookie(url, query),
        }),
      };
    }
    return {
      kind: "needed",
      wrong: bearer !== undefined || cookie !== undefined,
    };
  }
}

/** `path`, or `/` if a browser would read it as another host. */
function local(path: string): string {
  return isLocalPath(path) ? path : "/";
}

/** The value of cookie `name` in a request, if it has one. */
function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at === -1 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
