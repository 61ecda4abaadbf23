/**
 * What only a terminal gets: colour and lines redrawn in place. Output
 * piped to a file or another program is plain text, and so is any output
 * when the `NO_COLOR` environment variable is set (read through
 * `Deno.noColor`, which needs no `--allow-env`).
 *
 * @module
 */

/** A stream the command writes to: stdout or stderr. */
export interface OutputStream {
  /** Whether it is a terminal. */
  isTerminal(): boolean;
}

/**
 * Whether `stream` may get colour and redraws: it is a terminal and
 * `NO_COLOR` is not set.
 */
export function isLive(stream: OutputStream): boolean {
  return stream.isTerminal() && !Deno.noColor;
}

/** Colours for people at a terminal; each is the identity when off. */
export interface Paint {
  /** Whether colour is on. */
  readonly on: boolean;
  /** Headers. */
  bold(text: string): string;
  /** Something wrong: an alert starting, a payload missing. */
  red(text: string): string;
  /** Something over: an alert ending, work done. */
  green(text: string): string;
  /** Something waiting: a delayed entry, a dry run. */
  yellow(text: string): string;
  /** Less important text. */
  dim(text: string): string;
}

function sgr(on: boolean, start: number, end: number) {
  return (text: string) => on ? `\x1b[${start}m${text}\x1b[${end}m` : text;
}

/** The colours for `stream` (stdout by default): off unless it is live. */
export function paint(stream: OutputStream = Deno.stdout): Paint {
  const on = isLive(stream);
  return {
    on,
    bold: sgr(on, 1, 22),
    red: sgr(on, 31, 39),
    green: sgr(on, 32, 39),
    yellow: sgr(on, 33, 39),
    dim: sgr(on, 2, 22),
  };
}
