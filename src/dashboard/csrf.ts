/**
 * Forms that another site cannot post: every form carries a secret made
 * when the dashboard starts (in a hidden field), and a post is refused
 * when the browser says it comes from another site (`Sec-Fetch-Site`) or
 * another origin (`Origin` against `Host`). Only URL-encoded bodies of a
 * few kilobytes are read. Internal.
 *
 * @module
 */

import { requestHost } from "./auth.ts";
import { HttpError } from "./http_error.ts";
import { randomSecret, Secret } from "./secrets.ts";

/** The name of the hidden field that carries the form secret. */
export const CSRF_FIELD = "csrf";

/** The largest form body read, in bytes. */
const MAX_FORM_BYTES = 16 * 1024;

/** Checks that a post comes from one of the dashboard's own pages. */
export class FormGuard {
  /** The secret the dashboard's forms carry. */
  readonly token: string;
  readonly #secret: Secret;

  /** @param token The secret; a fresh random one by default. */
  constructor(token: string = randomSecret()) {
    this.token = token;
    this.#secret = new Secret(token);
  }

  /**
   * Refuses a request that a browser says comes from another site or
   * origin.
   *
   * @throws {HttpError} 403.
   */
  checkOrigin(request: Request, url: URL): void {
    const site = request.headers.get("sec-fetch-site");
    if (site !== null && site !== "same-origin" && site !== "none") {
      throw new HttpError(
        403,
        `a form posted from another site (${site}) is refused`,
      );
    }
    const origin = request.headers.get("origin");
    if (origin === null) return;
    // A browser whose page has "Referrer-Policy: no-referrer" (a proxy may
    // add it) sends "Origin: null" with its own forms; Sec-Fetch-Site, which
    // no script can set, still tells.
    if (origin === "null" && site === "same-origin") return;
    let host: string | undefined;
    try {
      host = origin === "null" ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host !== requestHost(request, url)) {
      throw new HttpError(
        403,
        "a form posted from another origin is refused (a reverse proxy must pass the Host header on)",
      );
    }
  }

  /**
   * Reads a form posted from one of the dashboard's pages: same origin,
   * URL-encoded, small, with the form secret.
   *
   * @throws {HttpError} 403 if it comes from elsewhere or lacks the
   * secret, 413 if too large, 415 if not URL-encoded.
   */
  async readForm(request: Request, url: URL): Promise<URLSearchParams> {
    this.checkOrigin(request, url);
    const form = await readUrlEncoded(request);
    if (!await this.#secret.matches(form.get(CSRF_FIELD) ?? "")) {
      throw new HttpError(
        403,
        "the form's secret is missing or stale (the dashboard restarted?): reload the page and try again",
      );
    }
    return form;
  }
}

/**
 * A URL-encoded form body, of at most {@linkcode MAX_FORM_BYTES}.
 *
 * @throws {HttpError} 413 or 415.
 */
export async function readUrlEncoded(
  request: Request,
): Promise<URLSearchParams> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]
    .trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    await request.body?.cancel();
    throw new HttpError(415, "only URL-encoded forms are accepted");
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_FORM_BYTES) {
        await reader.cancel();
        throw new HttpError(413, "the form is too large");
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new URLSearchParams(new TextDecoder().decode(bytes));
}
