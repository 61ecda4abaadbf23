/**
 * The `show` subcommand: one entry's due time, history, metadata and a
 * bounded preview of its payload (or, with `--data-only`, the whole
 * payload streamed to stdout), in the manner of Postfix's `postcat`.
 *
 * @module
 */

import { type EntryHistory, EntryNotFoundError } from "../mod.ts";
import { formatAge } from "../src/format_age.ts";
import {
  boolFlag,
  parse,
  parseBytes,
  positionals,
  stringFlag,
  UsageError,
} from "./args.ts";
import { formatArrival } from "./arrival.ts";
import type { Command } from "./command.ts";
import {
  describe,
  dueIn,
  find,
  type Listed,
  listedJson,
  notThere,
} from "./listing.ts";
import { escapeBody, escapeText, formatBytes, printJson } from "./output.ts";
import {
  base64,
  hexDump,
  type Preview,
  previewText,
  readPreview,
} from "./preview.ts";
import { type CliSpool, expectQueue, openSpool } from "./spool.ts";

/** Default preview sizes: text for people, a hex dump, and `--json`. */
const TEXT_PREVIEW = 4096;
const HEX_PREVIEW = 256;
const JSON_PREVIEW = 64 * 1024;

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

/** The preview, or why there is none (the payload is damaged). */
async function previewOf(
  spool: CliSpool,
  queue: string,
  name: string,
  maxBytes: number,
): Promise<Preview | Error> {
  try {
    return await readPreview(
      spool.entry(queue, name).direct.dataFile(),
      maxBytes,
    );
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The lines about the payload in `show`'s human output. */
function dataLines(preview: Preview | Error, asked: boolean): string[] {
  if (preview instanceof Error) {
    return [
      preview instanceof EntryNotFoundError
        ? "data:      missing (the entry is damaged)"
        : `data:      unreadable (${escapeText(preview.message)})`,
    ];
  }
  const size = formatBytes(preview.size);
  const text = previewText(preview);
  if (text !== undefined) {
    const head = preview.cut
      ? `data:      ${size}, text; the first ${
        formatBytes(preview.bytes.length)
      } shown (${asked ? "" : "--max-bytes N for more, "}--data-only for all)`
      : `data:      ${size}`;
    const body = escapeBody(text.endsWith("\n") ? text.slice(0, -1) : text);
    return [
      head,
      ...(body === "" ? [] : [body]),
      ...preview.cut ? ["[…]"] : [],
    ];
  }
  let shown = preview;
  if (!asked && preview.bytes.length > HEX_PREVIEW) {
    shown = { ...preview, bytes: preview.bytes.subarray(0, HEX_PREVIEW) };
    shown.cut = true;
  }
  return [
    `data:      ${size}, binary, ${
      shown.cut ? `the first ${formatBytes(shown.bytes.length)}` : "all"
    } as hex (--data-only > FILE to save it)`,
    ...hexDump(shown.bytes),
    ...shown.cut ? ["[…]"] : [],
  ];
}

export const show: Command = {
  name: "show",
  summary: "show an entry's metadata and data (a bounded preview)",
  help:
    `Usage: multispool show DIR QUEUE NAME [--json | --data-only] [--max-bytes N]

Shows an entry waiting in (or checked out of) QUEUE: when it arrived, when
it is due, its failed attempts and the last errors recorded (time, queue,
kind, message), its metadata as stored, and the start of its payload: as
text when it is UTF-8 (the first 4 KiB), else as a hex dump (the first
256 B). The payload is streamed: only what is shown is read, whatever its
size. Control characters in names, metadata, messages and text payloads are
shown escaped (\\x1b, \\u202e); line feeds and tabs of a text payload are
kept.

Options:
  --json          print a JSON object: "arrivedAt", "due" (an ISO time while
                  the entry is delayed, else null), "attempts", "failures"
                  (each with "at", "queue", "kind", "message"), "metadata"
                  (parsed when it is JSON; "metadataJson" says whether it
                  was), "dataBytes" (the payload's size), and its first
                  --max-bytes (64 KiB) as "data" (text) or "dataBase64"
                  (binary), with "dataTruncated" (true when cut) and
                  "dataShownBytes"
  --max-bytes N   how much of the payload to show: 4096, 64K, 1M (default
                  4 KiB of text or 256 B of hex; 64 KiB with --json; 0 for
                  none)
  --data-only     write the whole raw payload to stdout and nothing else
  -h, --help      show this help

Exit codes: 0 done; 1 the entry is not there; 2 usage, input or access
error.`,
  async run(args) {
    const parsed = parse(args, {
      json: { type: "boolean" },
      "data-only": { type: "boolean" },
      "max-bytes": { type: "string" },
    });
    const [dir, queue, name] = positionals(parsed, ["DIR", "QUEUE", "NAME"]);
    const json = boolFlag(parsed, "json");
    const maxText = stringFlag(parsed, "max-bytes");
    if (boolFlag(parsed, "data-only") && (json || maxText !== undefined)) {
      throw new UsageError(
        "--data-only goes alone (not with --json or --max-bytes)",
      );
    }
    const asked = maxText === undefined
      ? undefined
      : parseBytes(maxText, "--max-bytes");
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const found = await find(spool, queue, name);
    if (found === undefined) return notThere("show", queue, name);
    if (boolFlag(parsed, "data-only")) {
      const data = spool.entry(queue, name).direct.dataFile();
      await data.readable().pipeTo(Deno.stdout.writable, {
        preventClose: true,
      });
      return 0;
    }
    const info = await describe(spool, queue, name, found, found.state);
    const history = await historyOf(spool, queue, name);
    const maxBytes = asked ?? (json ? JSON_PREVIEW : TEXT_PREVIEW);
    const preview = await previewOf(spool, queue, name, maxBytes);
    if (json) {
      const ok = !(history instanceof Error);
      const { dataBytes, ...rest } = listedJson(info);
      const read = preview instanceof Error ? undefined : preview;
      const text = read && previewText(read);
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
        ...(preview instanceof Error ? { dataError: preview.message } : {}),
        data: text ?? null,
        dataBase64: text === undefined && read ? base64(read.bytes) : null,
        dataShownBytes: read?.bytes.length ?? 0,
        dataTruncated: read?.cut ?? false,
      });
      return 0;
    }
    console.log(`name:      ${escapeText(name)}`);
    console.log(`queue:     ${escapeText(queue)} (${found.state})`);
    console.log(
      `arrived:   ${
        info.arrivedAt === null
          ? "- (the name holds no time)"
          : `${formatArrival(new Date(info.arrivedAt))} (${
            formatAge(Date.now() - Date.parse(info.arrivedAt))
          } ago)`
      }`,
    );
    console.log(
      `since:     ${info.since ?? "?"}${
        info.ageMs === null ? "" : ` (${formatAge(info.ageMs)} ago)`
      }`,
    );
    for (const line of scheduleLines(info, history)) console.log(line);
    console.log(`metadata:  ${escapeText(found.metadata)}`);
    for (const line of dataLines(preview, asked !== undefined)) {
      console.log(line);
    }
    return 0;
  },
};
