/**
 * The page of a refusal or a failure: its status and its message, escaped.
 * Internal.
 *
 * @module
 */

import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame } from "./frame.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Token needed",
  403: "Refused",
  404: "Not found",
  405: "Method not allowed",
  409: "Not done",
  413: "Too large",
  415: "Unsupported form",
  500: "Failed",
};

/** The error page for `status` with `message`. */
export function errorPage(frame: Frame, status: number, message: string): Html {
  return inFrame(frame, {
    title: TITLES[status] ?? `Error ${status}`,
    trail: [["Queues", frame.paths.home()]],
    notice: { kind: "error", text: visible(message) },
    content:
      markup`<p><a href="${frame.paths.home()}">Back to the queues</a></p>`,
  });
}
