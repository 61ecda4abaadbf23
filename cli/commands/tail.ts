/**
 * The `tail` subcommand: follow a queue, printing entries as they arrive,
 * without taking them. It waits the way a queue reader does (a watch on
 * the queue directory, drained before each listing, plus a listing every
 * `--poll`), but it only lists: it never checks an entry out.
 *
 * @module
 */

import { abortOnSignals } from "../../mod.ts";
import {
  type EntryInfo,
  formatAge,
  formatBytes,
  matches,
  OperatorSpool,
  type QueueWatch,
} from "../../operator.ts";
import { boolFlag, parse, positionals, spanFlag, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import {
  FILTER_FLAGS,
  FILTER_HELP,
  filterFrom,
  SPANS_HELP,
} from "../flags/filters.ts";
import { arrivalCell, dueCell, entryJson, lastErrorCell } from "../listing.ts";
import { clip, escapeText, printJsonLine } from "../output.ts";
import { expectQueue } from "../spool.ts";
import { paint } from "../terminal.ts";

/** One entry as a line of `tail`'s human output. */
function tailLine(entry: EntryInfo): string {
  const colour = paint();
  return [
    colour.dim(arrivalCell(entry)),
    escapeText(entry.name),
    entry.dataBytes === null
      ? colour.red("missing")
      : formatBytes(entry.dataBytes),
    ...entry.due === null ? [] : [colour.yellow(`due ${dueCell(entry)}`)],
    ...entry.lastError === null
      ? []
      : [colour.red(lastErrorCell(entry.lastError, 60))],
    clip(entry.metadata, 80),
  ].join("  ");
}

/**
 * Wakes when the queue directory changes: a watch, if the file system has
 * one. `changed` is set by every event, and cleared by the caller before
 * each listing, so that a change during a listing is never slept through.
 */
class ChangeSignal implements Disposable {
  changed = false;
  readonly watching: boolean;
  #watcher: QueueWatch | undefined;
  #wake: (() => void) | undefined;

  constructor(spool: OperatorSpool, queue: string) {
    try {
      this.#watcher = spool.watch(queue);
    } catch {
      this.#watcher = undefined;
    }
    this.watching = this.#watcher !== undefined;
    if (this.#watcher !== undefined) this.#pump(this.#watcher);
  }

  async #pump(watcher: QueueWatch): Promise<void> {
    try {
      for await (const _ of watcher) {
        this.changed = true;
        this.#wake?.();
      }
    } catch {
      // The watch ended (closed, or the directory went): polling goes on.
    }
  }

  /** Resolves on the next change, after `ms`, or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.changed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
      this.#wake = done;
    });
  }

  [Symbol.dispose](): void {
    this.#wake?.();
    this.#watcher?.[Symbol.dispose]();
  }
}

export const tail: Command = {
  name: "tail",
  summary: "follow a queue: print entries as they arrive (takes none)",
  help:
    `Usage: multispool tail DIR QUEUE [--existing] [filters] [--json] [--poll SPAN]

Follows QUEUE, printing each entry that arrives in it (one that comes back
after a retry arrives again), until SIGINT or SIGTERM. It only lists the
queue, never checks an entry out, so consumers are not disturbed; an entry
that a consumer takes within moments of its arrival may not be seen. It
wakes on the queue directory's watch events and also lists the queue every
--poll (a spool shared by several hosts raises no watch events for other
hosts' changes: give a --poll that suits).

Each line: arrival time (from the name; "-" for names that hold none),
name, payload size, "due in ..." if delayed, the last error if it failed
before (its kind, how long ago, its message), metadata shortened; control
characters escaped.

Options:
  --existing                  first print the entries already waiting
${FILTER_HELP}
  --json                      print one JSON object per line (NDJSON), as
                              ls --json prints entries
  --poll SPAN                 list the queue at least this often (2s)
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 stopped by a signal; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      existing: { type: "boolean" },
      json: { type: "boolean" },
      poll: { type: "string" },
      ...FILTER_FLAGS,
    });
    const [dir, queue] = positionals(parsed, ["DIR", "QUEUE"]);
    const filter = filterFrom(parsed);
    const pollMs = spanFlag(parsed, "poll") ?? 2000;
    if (pollMs <= 0) throw new UsageError("--poll must be > 0");
    const json = boolFlag(parsed, "json");
    const spool = await OperatorSpool.open(dir);
    expectQueue(spool, queue);

    using stop = abortOnSignals();
    // The watch starts before the first listing: nothing can arrive unseen
    // between the two.
    using watch = new ChangeSignal(spool, queue);
    if (!json) {
      console.error(
        `following ${escapeText(queue)} in ${escapeText(spool.dir)}${
          watch.watching ? "" : " (no watch here: polling)"
        }, every ${formatAge(pollMs)} at least; Ctrl-C to stop`,
      );
    }
    const print = (entry: EntryInfo) => {
      if (filter !== undefined && !matches(filter, entry)) return;
      if (json) printJsonLine(entryJson(entry));
      else console.log(tailLine(entry));
    };
    let seen = new Set<string>();
    let first = true;
    while (!stop.signal.aborted) {
      // DRAIN BEFORE LISTING: a change from now on wakes the next round.
      watch.changed = false;
      const names = await listNames(spool, queue);
      if (!first || boolFlag(parsed, "existing")) {
        for (const name of names) {
          if (seen.has(name)) continue;
          const found = await spool.find(name, queue);
          // Taken already (or checked out since: not waiting any more).
          if (found === undefined || found.state !== "waiting") continue;
          print(found);
        }
      }
      seen = new Set(names);
      first = false;
      await watch.wait(pollMs, stop.signal);
    }
    return 0;
  },
};

/** The names waiting in `queue`. */
async function listNames(
  spool: OperatorSpool,
  queue: string,
): Promise<string[]> {
  return (await spool.spool.list(queue)).map((entry) => entry.name);
}
