/**
 * CLI subcommands that work on entries: init, ls, show, enqueue, mv, rm.
 *
 * @module
 */

import {
  type CheckedOutEntry,
  type Entry,
  type EntryHistory,
  EntryNotFoundError,
  Spool,
} from "../mod.ts";
import { listCheckoutsUnsafe, tryCheckout } from "../expert.ts";
import { formatAge } from "../src/format_age.ts";
import {
  boolFlag,
  parse,
  parseSpan,
  parseTime,
  positionals,
  stringFlag,
  stringsFlag,
  UsageError,
} from "./args.ts";
import { spoolNow } from "./clock.ts";
import type { Command } from "./command.ts";
import {
  clip,
  escapeText,
  formatBytes,
  printJson,
  printTable,
} from "./output.ts";
import {
  type CliData,
  type CliSpool,
  expectQueue,
  openSpool,
} from "./spool.ts";

const EXIT_CODES =
  `Exit codes: 0 done; 1 the entry is not there; 2 usage, input or
access error.`;

export const init: Command = {
  name: "init",
  summary: "create a spool with named queues (or add queues to one)",
  help: `Usage: multispool init DIR --queue NAME [--queue NAME ...]

Creates the spool directory DIR with the given queues, or adds missing
queues to an existing spool. A non-empty directory that is not a spool is
refused.

Options:
  -q, --queue NAME   a queue to create (repeatable, at least one)
  -h, --help         show this help

Exit codes: 0 created; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      queue: { type: "string", short: "q", multiple: true },
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const queues = stringsFlag(parsed, "queue");
    if (queues.length === 0) throw new UsageError("give at least one --queue");
    const spool = await Spool.create(dir, { queues });
    console.log(`spool ${spool.dir} ready with queues ${queues.join(", ")}`);
    return 0;
  },
};

/** An entry as `ls` and `show` describe it (and their `--json` prints it). */
interface Listed {
  name: string;
  queue: string;
  state: "waiting" | "checked out";
  /** When the entry last changed phase (its registry file's time). */
  since: string | null;
  ageMs: number | null;
  /** When a waiting entry is due, if that is ahead; null if it is due now. */
  due: string | null;
  /** Failed attempts recorded; null if the history cannot be read. */
  attempts: number | null;
  dataBytes: number | null;
  metadata: string;
}

/** What a waiting entry holds: its metadata, and its due time if ahead. */
interface Waiting {
  metadata: string;
  due: Date | undefined;
}

/** Reads a waiting entry; undefined if it is not waiting any more. */
async function readWaiting(
  entry: Entry<string, string, CliData>,
): Promise<Waiting | undefined> {
  try {
    return {
      metadata: await entry.direct.readMetadata(),
      due: await entry.direct.readDue(),
    };
  } catch (error) {
    // Taken by a consumer since the listing: not waiting any more.
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  }
}

async function describe(
  spool: CliSpool,
  queue: string,
  name: string,
  found: Waiting,
  state: Listed["state"],
): Promise<Listed> {
  const entry = spool.entry(queue, name);
  const registry = await entry.stat().catch(() => null);
  const since = registry?.mtime ?? null;
  // The history lives in the registry file, empty until a first failure:
  // most entries cost no read, so that ls of a big queue stays fast.
  const attempts = registry === null
    ? null
    : registry.size === 0
    ? 0
    : await entry.direct.readHistory().then((h) => h.attempts, () => null);
  const size = await entry.direct.dataFile().stat().then(
    (i) => i.size,
    () => null,
  );
  return {
    name,
    queue,
    state,
    since: since?.toISOString() ?? null,
    ageMs: since ? spoolNow(spool.dir) - since.getTime() : null,
    due: found.due?.toISOString() ?? null,
    attempts,
    dataBytes: size,
    metadata: found.metadata,
  };
}

/** When an entry is due, for people: `in 4m 10s`, or `-` if due now. */
function dueIn(due: string | null): string {
  return due === null ? "-" : `in ${formatAge(Date.parse(due) - Date.now())}`;
}

export const ls: Command = {
  name: "ls",
  summary: "list the entries of a queue",
  help: `Usage: multispool ls DIR QUEUE [--checked-out] [--json]

Lists the entries waiting in QUEUE in name order (enqueue order with the
default names): name, time in the queue, when it is due ("in 4m" while it
is delayed, "-" when a consumer may take it), failed attempts so far,
payload size and metadata.

Options:
  --checked-out   list the entries checked out of QUEUE instead
  --json          print a JSON array; each entry has "due" (an ISO time while
                  it is delayed, else null) and "attempts" (failed attempts)
  -h, --help      show this help

${EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, {
      "checked-out": { type: "boolean" },
      json: { type: "boolean" },
    });
    const [dir, queue] = positionals(parsed, ["DIR", "QUEUE"]);
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const listed: Listed[] = [];
    if (boolFlag(parsed, "checked-out")) {
      for (const job of await listCheckoutsUnsafe(spool, queue)) {
        const found = { metadata: job.metadata, due: undefined };
        listed.push(
          await describe(spool, queue, job.name, found, "checked out"),
        );
      }
    } else {
      for (const entry of await spool.list(queue)) {
        const found = await readWaiting(entry);
        if (found === undefined) continue;
        listed.push(await describe(spool, queue, entry.name, found, "waiting"));
      }
    }
    if (boolFlag(parsed, "json")) {
      printJson(listed);
    } else if (listed.length === 0) {
      console.log(
        `(no entries ${
          boolFlag(parsed, "checked-out") ? "checked out of" : "in"
        } ${escapeText(queue)})`,
      );
    } else {
      printTable(
        ["NAME", "AGE", "DUE", "ATTEMPTS", "DATA", "METADATA"],
        listed.map((e) => [
          escapeText(e.name),
          e.ageMs === null ? "?" : formatAge(e.ageMs),
          dueIn(e.due),
          e.attempts === null ? "?" : String(e.attempts),
          e.dataBytes === null ? "missing" : formatBytes(e.dataBytes),
          clip(e.metadata, 60),
        ]),
      );
    }
    return 0;
  },
};

async function find(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<(Waiting & { state: Listed["state"] }) | undefined> {
  const waiting = await readWaiting(spool.entry(queue, name));
  if (waiting !== undefined) return { ...waiting, state: "waiting" };
  const held = (await listCheckoutsUnsafe(spool, queue)).find((job) =>
    job.name === name
  );
  return held &&
    { metadata: held.metadata, due: undefined, state: "checked out" };
}

/** Says on stderr that NAME is not in QUEUE; returns the exit code, 1. */
function notThere(queue: string, name: string): number {
  console.error(
    `multispool: ${escapeText(name)} is not in ${
      escapeText(queue)
    } (taken by a consumer, moved, or removed)`,
  );
  return 1;
}

/** Reads an entry's history; the error instead if it cannot be read. */
async function historyOf(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<EntryHistory | Error> {
  return await spool.entry(queue, name).direct.readHistory().catch((
    error,
  ) => error instanceof Error ? error : new Error(String(error)));
}

/** The lines `show` prints about an entry's due time and history. */
function scheduleLines(info: Listed, history: EntryHistory | Error): string[] {
  const lines = [
    `due:       ${
      info.state === "checked out"
        ? "- (checked out)"
        : info.due === null
        ? "now"
        : `${info.due} (${dueIn(info.due)})`
    }`,
  ];
  if (history instanceof Error) {
    lines.push(`attempts:  ? (${escapeText(history.message)})`);
    return lines;
  }
  lines.push(`attempts:  ${history.attempts}`);
  const { failures } = history;
  if (failures.length === 0) return lines;
  lines.push(
    `failures:  ${
      failures.length < history.attempts
        ? `the last ${failures.length} of ${history.attempts}, oldest first`
        : "oldest first"
    }`,
  );
  const rows = failures.map((f) => [
    f.at.toISOString(),
    escapeText(f.queue),
    f.kind,
    escapeText(f.message),
  ]);
  const widths = [1, 2].map((i) =>
    Math.max(...rows.map((row) => row[i].length))
  );
  for (const [at, queue, kind, message] of rows) {
    lines.push(
      `  ${at}  ${queue.padEnd(widths[0])}  ${
        kind.padEnd(widths[1])
      }  ${message}`,
    );
  }
  return lines;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export const show: Command = {
  name: "show",
  summary: "show an entry's metadata and data",
  help: `Usage: multispool show DIR QUEUE NAME [--json | --data-only]

Shows an entry waiting in (or checked out of) QUEUE: when it is due, its
failed attempts and the last errors recorded (time, queue, kind, message),
its metadata as stored, and its payload as text when it is UTF-8 (the first
4 KiB; --data-only for all of it, raw). Control characters in names,
metadata and messages are shown escaped (\x1b, \n).

Options:
  --json        print a JSON object: "due" (an ISO time while the entry is
                delayed, else null), "attempts", "failures" (each with "at",
                "queue", "kind", "message"), and the payload as text, or
                base64 if binary
  --data-only   write the raw payload to stdout and nothing else
  -h, --help    show this help

${EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, {
      json: { type: "boolean" },
      "data-only": { type: "boolean" },
    });
    const [dir, queue, name] = positionals(parsed, ["DIR", "QUEUE", "NAME"]);
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const found = await find(spool, queue, name);
    if (found === undefined) return notThere(queue, name);
    const data = spool.entry(queue, name).direct.dataFile();
    if (boolFlag(parsed, "data-only")) {
      await data.readable().pipeTo(Deno.stdout.writable, {
        preventClose: true,
      });
      return 0;
    }
    const info = await describe(spool, queue, name, found, found.state);
    const history = await historyOf(spool, queue, name);
    const bytes = await data.load().then(
      (b) => b as Uint8Array,
      () => undefined,
    );
    let text: string | undefined;
    try {
      text = bytes && strictUtf8.decode(bytes);
      // Control characters other than whitespace (C1 ones too, which some
      // terminals obey): show it as binary.
      // deno-lint-ignore no-control-regex
      if (text !== undefined && /[\x00-\x08\x0e-\x1f\x7f-\x9f]/.test(text)) {
        text = undefined;
      }
    } catch {
      text = undefined;
    }
    if (boolFlag(parsed, "json")) {
      const ok = !(history instanceof Error);
      const { dataBytes, metadata, ...rest } = info;
      printJson({
        ...rest,
        attempts: ok ? history.attempts : null,
        failures: ok
          ? history.failures.map((f) => ({
            at: f.at.toISOString(),
            queue: f.queue,
            kind: f.kind,
            message: f.message,
          }))
          : null,
        ...(ok ? {} : { historyError: history.message }),
        dataBytes,
        metadata,
        data: text ?? null,
        dataBase64: text === undefined && bytes
          ? btoa(String.fromCharCode(...bytes))
          : null,
      });
      return 0;
    }
    console.log(`name:      ${escapeText(name)}`);
    console.log(`queue:     ${escapeText(queue)} (${found.state})`);
    console.log(
      `since:     ${info.since ?? "?"}${
        info.ageMs === null ? "" : ` (${formatAge(info.ageMs)} ago)`
      }`,
    );
    for (const line of scheduleLines(info, history)) console.log(line);
    console.log(`metadata:  ${escapeText(found.metadata)}`);
    if (bytes === undefined) {
      console.log("data:      missing (the entry is damaged)");
    } else if (text === undefined) {
      console.log(
        `data:      ${
          formatBytes(bytes.length)
        }, binary (--data-only > FILE to save it)`,
      );
    } else {
      console.log(`data:      ${formatBytes(bytes.length)}`);
      const shown = text.length > 4096 ? `${text.slice(0, 4096)}\n[…]` : text;
      console.log(shown.endsWith("\n") ? shown.slice(0, -1) : shown);
    }
    return 0;
  },
};

export const enqueue: Command = {
  name: "enqueue",
  summary: "add an entry to a queue",
  help: `Usage: multispool enqueue DIR QUEUE [--metadata JSON] [--data TEXT |
       --data-file PATH | < stdin] [--delay SPAN | --at TIME] [--prefix TEXT]
       [--relaxed]

Adds an entry to QUEUE and prints its name. The payload comes from --data,
from --data-file (streamed), or from stdin when stdin is not a terminal;
otherwise it is empty. The entry is durable when the command ends, unless
--relaxed. With --delay or --at, no consumer takes it before that time
(multispool flush makes it due sooner).

Options:
  --metadata JSON   the entry's metadata (default {}); must be JSON unless
                    --raw-metadata
  --raw-metadata    store --metadata as given, without checking it is JSON
  --data TEXT       the payload, as UTF-8 text
  --data-file PATH  the payload, read from a file
  --delay SPAN      due after SPAN: 500ms, 90s, 10m, 1h, 2d, 1h30m
  --at TIME         due at TIME, in ISO 8601: 2026-12-01T09:30:00Z,
                    2026-12-01T10:30+01:00, or 2026-12-01T09:30 (local
                    time); a time already past is now
  --prefix TEXT     put TEXT in front of the generated name
  --relaxed         do not flush to disk (faster, not durable)
  -h, --help        show this help

Exit codes: 0 enqueued; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      metadata: { type: "string" },
      "raw-metadata": { type: "boolean" },
      data: { type: "string" },
      "data-file": { type: "string" },
      delay: { type: "string" },
      at: { type: "string" },
      prefix: { type: "string" },
      relaxed: { type: "boolean" },
    });
    const [dir, queue] = positionals(parsed, ["DIR", "QUEUE"]);
    const delayText = stringFlag(parsed, "delay");
    const atText = stringFlag(parsed, "at");
    if (delayText !== undefined && atText !== undefined) {
      throw new UsageError("give --delay or --at, not both");
    }
    const delay = delayText === undefined
      ? undefined
      : parseSpan(delayText, "--delay");
    const at = atText === undefined ? undefined : parseTime(atText, "--at");
    let metadata = stringFlag(parsed, "metadata") ?? "{}";
    if (!boolFlag(parsed, "raw-metadata")) {
      try {
        metadata = JSON.stringify(JSON.parse(metadata));
      } catch {
        throw new UsageError(
          `--metadata is not JSON: ${
            clip(metadata, 40)
          } (or add --raw-metadata)`,
        );
      }
    }
    const text = stringFlag(parsed, "data");
    const file = stringFlag(parsed, "data-file");
    if (text !== undefined && file !== undefined) {
      throw new UsageError("give --data or --data-file, not both");
    }
    let data: CliData;
    if (text !== undefined) data = new TextEncoder().encode(text);
    else if (file !== undefined) {
      try {
        data = (await Deno.open(file)).readable;
      } catch (error) {
        throw new UsageError(
          `cannot read --data-file ${file}: ${(error as Error).message}`,
        );
      }
    } else if (!Deno.stdin.isTerminal()) data = Deno.stdin.readable;
    else data = new Uint8Array();

    const spool = await openSpool(dir, {
      durability: boolFlag(parsed, "relaxed") ? "relaxed" : "strict",
    });
    expectQueue(spool, queue);
    const entry = await spool.enqueue(queue, metadata, data, {
      reserve: stringFlag(parsed, "prefix"),
      delay,
      at,
    });
    console.log(entry.name);
    return 0;
  },
};

/**
 * Checks out an entry waiting in `queue`, delayed or not, with the due time
 * it had; undefined (said on stderr) if it is not there.
 */
async function checkOut(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<
  { job: CheckedOutEntry<string, string, CliData>; due?: Date } | undefined
> {
  const entry = spool.entry(queue, name);
  // Read before the checkout, which dates the file with now.
  const due = await entry.direct.readDue().catch((error) => {
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  });
  const job = await tryCheckout(spool, entry, { evenIfNotDue: true });
  if (job === undefined) {
    notThere(queue, name);
    return undefined;
  }
  return { job, due };
}

export const mv: Command = {
  name: "mv",
  summary: "move an entry to another queue",
  help: `Usage: multispool mv DIR FROM NAME TO

Checks out entry NAME waiting in queue FROM and saves it to queue TO, as a
consumer would. An entry checked out by a consumer is not touched. A delayed
entry is moved too, and keeps its due time in TO (multispool flush makes it
due now).

Options:
  -h, --help   show this help

${EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, {});
    const [dir, from, name, to] = positionals(parsed, [
      "DIR",
      "FROM",
      "NAME",
      "TO",
    ]);
    const spool = await openSpool(dir);
    expectQueue(spool, from);
    expectQueue(spool, to);
    const held = await checkOut(spool, from, name);
    if (held === undefined) return 1;
    const { job, due } = held;
    await job.save(to, { at: due });
    console.log(
      `moved ${escapeText(name)} from ${escapeText(from)} to ${escapeText(to)}${
        due === undefined ? "" : `, due ${due.toISOString()}`
      }`,
    );
    return 0;
  },
};

export const rm: Command = {
  name: "rm",
  summary: "remove an entry",
  help: `Usage: multispool rm DIR QUEUE NAME

Checks out entry NAME waiting in QUEUE, delayed or not, and removes it
(metadata, payload, then registry). An entry checked out by a consumer is
not touched.

Options:
  -h, --help   show this help

${EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, {});
    const [dir, queue, name] = positionals(parsed, ["DIR", "QUEUE", "NAME"]);
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const held = await checkOut(spool, queue, name);
    if (held === undefined) return 1;
    await held.job.remove();
    console.log(`removed ${escapeText(name)} from ${escapeText(queue)}`);
    return 0;
  },
};
