/**
 * The search by name: a whole name finds its entry wherever it is (names
 * are unique in a spool); anything else is taken as the start of names,
 * and the page lists the first matches in each queue, waiting or checked
 * out, with a link to the queue filtered by it. Internal.
 *
 * @module
 */

import type { EntryPage } from "../operator/page.ts";
import { formatCount } from "../operator/format.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame } from "./frame.ts";

/** The pages of matches found, one per queue and state with any. */
export type Matches = readonly EntryPage[];

/** The search's page: what was looked for, and the matches per queue. */
export function searchPage(
  frame: Frame,
  text: string,
  matches: Matches,
): Html {
  const { paths } = frame;
  const found = matches.filter((page) => (page.total ?? 0) > 0);
  const sections = found.map((page) => {
    const state = page.state === "checked out" ? "checked-out" : undefined;
    const all = paths.queue(page.queue, { state, prefix: text });
    const links = page.entries.map((entry) =>
      markup`<li><a class="name" href="${
        paths.entry(page.queue, entry.name)
      }">${visible(entry.name)}</a></li>`
    );
    const total = page.total ?? 0;
    return markup`<section class="matches">
<h2><a href="${paths.queue(page.queue)}">${visible(page.queue)}</a>${
      state === undefined ? "" : " (checked out)"
    }: ${formatCount(total)} ${total === 1 ? "name" : "names"}</h2>
<ul>${links}</ul>
${
      total > page.entries.length
        ? markup`<p><a href="${all}">All ${formatCount(total)} in ${
          visible(page.queue)
        }</a></p>`
        : ""
    }
</section>`;
  });
  const content =
    markup`<form class="search-page" method="get" action="${paths.search()}" role="search">
<label>Entry name, or its start <input name="name" value="${text}" size="40" autocomplete="off" required></label>
<button type="submit">Find</button>
</form>
${
      text === ""
        ? ""
        : found.length === 0
        ? markup`<p class="empty">No entry of the spool has a name that is or starts with <b class="name">${
          visible(text)
        }</b>: removed, or never there.</p>`
        : markup`<p>No entry is named <b class="name">${
          visible(text)
        }</b>; these names start with it:</p>${sections}`
    }`;
  return inFrame(frame, {
    title: "Find an entry",
    trail: [["Queues", paths.home()]],
    content,
  });
}
