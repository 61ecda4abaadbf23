/**
 * The frame of every page: head (style sheet, script, no inline code),
 * header with the spool and the mode (read-only or actions allowed), a
 * trail of links, a notice, and the content. Internal.
 *
 * @module
 */

import { type Html, type HtmlValue, markup, visible } from "./html.ts";
import type { Paths } from "./paths.ts";

/** What a page puts in the frame. */
export interface PageParts {
  /** The title (text). */
  title: string;
  /** Links above the content: [text, href] pairs, then the page's own name. */
  trail: readonly (readonly [string, string])[];
  /** A notice to show above the content. */
  notice?: { kind: "ok" | "error"; text: HtmlValue };
  /** The content. */
  content: Html;
  /** Whether the page takes live updates. */
  live?: boolean;
  /** Reload the page after this many seconds (a page still waiting). */
  refreshSeconds?: number;
}

/** What every page shows in its header. */
export interface Frame {
  /** The URLs. */
  paths: Paths;
  /** The spool directory. */
  dir: string;
  /** Whether actions are allowed. */
  allowActions: boolean;
}

/** A whole page. */
export function inFrame(frame: Frame, page: PageParts): Html {
  const { paths } = frame;
  const trail = page.trail.map(([text, href]) =>
    markup`<a href="${href}">${visible(text)}</a> / `
  );
  const events = page.live ? markup` data-events="${paths.events()}"` : "";
  const live = page.live
    ? markup`<span id="live" class="live" data-state="off">live updates need JavaScript</span>`
    : "";
  const notice = page.notice === undefined
    ? ""
    : markup`<p class="notice notice-${page.notice.kind}" role="status">${page.notice.text}</p>`;
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${
    page.refreshSeconds === undefined ? "" : markup`
<meta http-equiv="refresh" content="${page.refreshSeconds}">`
  }
<title>${visible(page.title)} · multispool</title>
<link rel="stylesheet" href="${paths.asset("style.css")}">
<link rel="icon" href="${paths.asset("icon.svg")}" type="image/svg+xml">
<script src="${paths.asset("app.js")}" defer></script>
</head>
<body${events}>
<header class="top">
<a class="brand" href="${paths.home()}">multispool</a>
<span class="spool" title="spool directory">${visible(frame.dir)}</span>
<span class="mode ${frame.allowActions ? "mode-actions" : "mode-read"}">${
    frame.allowActions ? "actions allowed" : "read-only"
  }</span>
<a class="health-link" href="${paths.health()}">Health</a>
<form class="search" method="get" action="${paths.search()}" role="search">
<input name="name" aria-label="entry name" placeholder="entry name, or its start" size="24" autocomplete="off" required>
<button type="submit">Find</button>
</form>
${live}
</header>
<nav class="trail">${trail}<span>${visible(page.title)}</span></nav>
<main>
${notice}
${page.content}
</main>
</body>
</html>
`;
}
