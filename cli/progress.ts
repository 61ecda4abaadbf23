/**
 * A progress line on stderr for long runs (`mv --all` of 10,000 entries),
 * redrawn in place on a terminal, and nothing at all elsewhere.
 *
 * @module
 */

import { isLive } from "./terminal.ts";

/** How often the line is redrawn at most, in milliseconds. */
const REDRAW_EVERY_MS = 100;

/** A progress line: `moving 1200/10000 (12%)`. */
export interface Progress extends Disposable {
  /** Says how many items are done, of how many. */
  update(done: number, total: number): void;
  /** Clears the line (also done on dispose). */
  end(): void;
}

/**
 * Starts a progress line labelled `label` (`moving`), drawn only when
 * stderr is a terminal.
 */
export function startProgress(label: string): Progress {
  const live = isLive(Deno.stderr);
  const encoder = new TextEncoder();
  let drawnAt = 0;
  let drawn = false;
  const draw = (done: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor(done * 100 / total);
    Deno.stderr.writeSync(
      encoder.encode(`\r\x1b[K${label} ${done}/${total} (${percent}%)`),
    );
    drawnAt = Date.now();
    drawn = true;
  };
  const end = () => {
    if (!drawn) return;
    Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    drawn = false;
  };
  return {
    update(done, total) {
      if (live && Date.now() - drawnAt >= REDRAW_EVERY_MS) draw(done, total);
    },
    end,
    [Symbol.dispose]: end,
  };
}
