/**
 * A progress line for long runs (bulk moves and removals): one line on
 * stderr, redrawn in place, only on a live terminal (see `isLive`); nothing
 * at all otherwise, so that piped output and logs stay clean.
 *
 * @module
 */

import { isLive } from "./terminal.ts";

/** How often the line is redrawn at most, in milliseconds. */
const REDRAW_EVERY_MS = 100;

/** A progress line: `moving 1200/10000 (12%)`. */
export interface Progress extends Disposable {
  /** Counts one more item done. */
  advance(): void;
  /** Clears the line (also done on dispose). */
  end(): void;
}

/**
 * Starts a progress line `LABEL DONE/TOTAL (P%)` on stderr, drawn at once
 * and then at most every 100 ms, if stderr is a live terminal.
 *
 * @param label What is being done: `moving`, `removing`.
 * @param total How many items there are.
 * @returns The progress line; call `end()` or dispose of it.
 */
export function startProgress(label: string, total: number): Progress {
  const live = isLive(Deno.stderr);
  const encoder = new TextEncoder();
  let done = 0;
  let drawnAt = 0;
  let drawn = false;
  const draw = () => {
    const percent = total === 0 ? 100 : Math.floor(done * 100 / total);
    Deno.stderr.writeSync(
      encoder.encode(`\r\x1b[K${label} ${done}/${total} (${percent}%)`),
    );
    drawnAt = Date.now();
    drawn = true;
  };
  if (live) draw();
  const end = () => {
    if (!drawn) return;
    Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    drawn = false;
  };
  return {
    advance() {
      done++;
      if (live && Date.now() - drawnAt >= REDRAW_EVERY_MS) draw();
    },
    end,
    [Symbol.dispose]: end,
  };
}
