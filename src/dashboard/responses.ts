/**
 * Responses with the dashboard's security headers: a strict
 * Content-Security-Policy (scripts and styles only from the dashboard's own
 * files, no inline script, no frames, forms posting only to itself), no
 * sniffing, no referrer sent elsewhere, no caching. Internal.
 *
 * @module
 */

import type { Html } from "./html.ts";

/**
 * The policy of every response: nothing loads but the dashboard's own
 * script, style sheet and icon, and its event stream; inline scripts and
 * styles are refused (the pages have none); no page may frame it.
 */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Headers every response carries, whatever its kind. */
export function securityHeaders(): Headers {
  return new Headers({
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
  });
}

/** Adds `extra` to `headers`. */
function withExtra(headers: Headers, extra: HeadersInit | undefined): Headers {
  if (extra !== undefined) {
    for (const [name, value] of new Headers(extra)) headers.set(name, value);
  }
  return headers;
}

/** A response of `contentType` with the security headers and `extra`. */
function typedResponse(
  body: BodyInit,
  contentType: string,
  status: number,
  extra: HeadersInit | undefined,
): Response {
  const headers = withExtra(securityHeaders(), extra);
  headers.set("Content-Type", contentType);
  return new Response(body, { status, headers });
}

/** A page. */
export function htmlResponse(
  page: Html,
  status = 200,
  extra?: HeadersInit,
): Response {
  return typedResponse(page.text, "text/html; charset=utf-8", status, extra);
}

/** A JSON document. */
export function jsonResponse(
  value: unknown,
  status = 200,
  extra?: HeadersInit,
): Response {
  return typedResponse(
    JSON.stringify(value, null, 2) + "\n",
    "application/json; charset=utf-8",
    status,
    extra,
  );
}

/** A body of another type (the script, the style sheet, a payload). */
export function bodyResponse(
  body: BodyInit,
  contentType: string,
  extra?: HeadersInit,
): Response {
  return typedResponse(body, contentType, 200, extra);
}

/**
 * Whether `path` is a path on this host: it starts with one `/` and holds
 * no backslash or control character (browsers read `//x` and `/\x` as
 * another host).
 */
export function isLocalPath(path: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^\/(?![/\\])/.test(path) && !/[\\\x00-\x1f\x7f]/.test(path);
}

/** A redirect after a form, to `location` (a path on this dashboard). */
export function redirect(location: string, extra?: HeadersInit): Response {
  const headers = withExtra(securityHeaders(), extra);
  headers.set("Location", location);
  return new Response(null, { status: 303, headers });
}
