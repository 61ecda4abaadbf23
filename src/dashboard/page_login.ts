/**
 * The page that asks for the dashboard's token. Internal.
 *
 * @module
 */

import { type Html, markup } from "./html.ts";
import { type Frame, inFrame } from "./frame.ts";

/** The login page; `next` is where to go once the token is accepted. */
export function loginPage(frame: Frame, next: string, wrong: boolean): Html {
  const content =
    markup`<form method="post" action="${frame.paths.login()}" class="login">
<p>This dashboard needs its access token (the one it was started with, by --token or MULTISPOOL_TOKEN).</p>
<input type="hidden" name="next" value="${next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Open</button>
</form>`;
  return inFrame(frame, {
    title: "Token needed",
    trail: [],
    notice: wrong
      ? { kind: "error", text: "That token is not the right one." }
      : undefined,
    content,
  });
}
