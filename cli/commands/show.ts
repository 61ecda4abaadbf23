/**
 * The `show` subcommand: one entry, found by its name alone (names are
 * unique in a spool) or in a queue: where it is, its due time, history,
 * metadata and a bounded preview of its payload (or, with `--data-only`,
 * the whole payload streamed to stdout), in the manner of Postfix's
 * `postcat -q`.
 *
 * @module
 */

import type { EntryHistory } from "../../mod.ts";
import {
  base64,
  type EntryDetails,
  formatAge,
  formatBytes,
  formatTime,
  hexDump,
  OperatorSpool,
  type Preview,
} from "../../operator.ts";
import {
  boolFlag,
  parse,
  parseBytes,
  stringFlag,
  UsageError,
} from "../args.ts";
import type { Command } from "../command.ts";
import { arrivalCell, dueCell, entryJson, notThere } from "../listing.ts";
import { escapeBody, escapeText, printJson } from "../output.ts";
import { expectQueue } from "../spool.ts";

/** Default preview sizes: text for people, a hex dump, and `--json`. */
const TEXT_PREVIEW = 4096;
const HEX_PREVIEW = 256;
const JSON_PREVIEW = 64 * 1024;

/** The lines `show` prints about an entry's history. */
function historyLines(history: EntryHistory | { error: string }): string[] {
  if ("error" in history) {
    return [`attempts:  ? (${escapeText(history.error)})`];
  }
  const lines = [`attempts:  ${history.attempts}`];
  const { lastRetry, quarantine, hold } = history;
  if (lastRetry !== undefined) {
    lines.push(
      `retried:   ${formatTime(lastRetry.at)} from ${
        escapeText(lastRetry.from)
      }, after ${lastRetry.attempts} failed attempt${
        lastRetry.attempts === 1 ? "" : "s"
      } (a fresh start)`,
    );
  }
  if (hold !== undefined) {
    lines.push(
      `held:      since ${formatTime(hold.at)}, from ${escapeText(hold.from)}`,
    );
  }
  if (quarantine !== undefined) {
    lines.push(
      `quarantine: ${formatTime(quarantine.at)} in ${
        escapeText(quarantine.queue)
      }: ${escapeText(quarantine.reason)}`,
    );
  }
  const { failures } = history;
  if (failures.length === 0) return lines;
  const counted = failures.filter((f) => !f.beforeRetry).length;
  const before = failures.length - counted;
  lines.push(
    `failures:  ${
      counted < history.attempts
        ? `the last ${counted} of ${history.attempts}, `
        : ""
    }oldest first${before === 0 ? "" : `; ${before} before the retry`}`,
  );
  const rows = failures.map((f) => [
    formatTime(f.at),
    escapeText(f.queue),
    f.kind,
    `${f.beforeRetry ? "(before retry) " : ""}${escapeText(f.message)}`,
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

/** The lines about the payload in `show`'s human output. */
function dataLines(preview: Preview, asked: boolean): string[] {
  switch (preview.kind) {
    case "missing":
      return [
        `data:      missing (the entry is damaged: ${
          escapeText(preview.message)
        })`,
      ];
    case "empty":
      return ["data:      0 B"];
    case "json":
      return [
        `data:      ${formatBytes(preview.size)}, JSON (indented here)`,
        escapeBody(preview.text),
      ];
    case "text": {
      const cut = preview.shownBytes < preview.size;
      const head = cut
        ? `data:      ${formatBytes(preview.size)}, text; the first ${
          formatBytes(preview.shownBytes)
        } shown (${asked ? "" : "--max-bytes N for more, "}--data-only for all)`
        : `data:      ${formatBytes(preview.size)}`;
      const text = preview.text;
      const body = escapeBody(text.endsWith("\n") ? text.slice(0, -1) : text);
      return [head, ...(body === "" ? [] : [body]), ...cut ? ["[…]"] : []];
    }
    case "binary": {
      let bytes = preview.bytes;
      if (!asked && bytes.length > HEX_PREVIEW) {
        bytes = bytes.subarray(0, HEX_PREVIEW);
      }
      const cut = bytes.length < preview.size;
      return [
        `data:      ${formatBytes(preview.size)}, binary, ${
          cut ? `the first ${formatBytes(bytes.length)}` : "all"
        } as hex (--data-only > FILE to save it)`,
        ...hexDump(bytes),
        ...cut ? ["[…]"] : [],
      ];
    }
  }
}

/** The payload fields of `show --json`. */
function dataJson(preview: Preview): Record<string, unknown> {
  switch (preview.kind) {
    case "missing":
      return {
        dataError: preview.message,
        data: null,
        dataBase64: null,
        dataShownBytes: 0,
        dataTruncated: false,
      };
    case "empty":
      return {
        data: "",
        dataBase64: null,
        dataShownBytes: 0,
        dataTruncated: false,
      };
    case "json":
    case "text": {
      const text = preview.kind === "text" ? preview.text : undefined;
      const shown = preview.kind === "text" ? preview.shownBytes : preview.size;
      return {
        data: text ?? null,
        dataBase64: null,
        dataShownBytes: shown,
        dataTruncated: shown < preview.size,
      };
    }
    case "binary":
      return {
        data: null,
        dataBase64: base64(preview.bytes),
        dataShownBytes: preview.bytes.length,
        dataTruncated: preview.bytes.length < preview.size,
      };
  }
}

export const show: Command = {
  name: "show",
  summary: "show an entry (found by name) with its history and data",
  help:
    `Usage: multispool show DIR [QUEUE] NAME [--json | --data-only] [--max-bytes N]

Shows the entry NAME, found wherever it is in the spool (waiting in a queue
or checked out of one: names are unique in a spool), or only in QUEUE when
it is given: where it is, when it arrived and entered its current phase,
when it is due, its failed attempts and the last errors recorded (time,
queue, kind, message; those before a retry with a fresh start are marked),
a hold or a quarantine, its metadata as stored, and the start of its
payload: JSON indented, text when it is UTF-8 (the first 4 KiB), else a hex
dump (the first 256 B). The payload is streamed: only what is shown is
read, whatever its size. Control characters in names, metadata, messages
and text payloads are shown escaped (\\x1b, \\u202e); line feeds and tabs
of a text payload are kept.

Options:
  --json          print a JSON object: the fields of ls --json, with
                  "failures" (each with "at", "queue", "kind", "message",
                  and "beforeRetry": true for those before a fresh start),
                  "lastRetry" (null, or "at", "from", "attempts"), "hold"
                  (null, or "at", "from"); "historyError" if the history
                  cannot be read; and its first --max-bytes (64 KiB) of
                  payload as "data" (text) or "dataBase64" (binary), with
                  "dataTruncated" (true when cut) and "dataShownBytes"
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
    const [dir, first, second, ...extra] = parsed.positionals;
    if (dir === undefined) throw new UsageError("missing DIR");
    if (first === undefined) throw new UsageError("missing NAME");
    if (extra.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    }
    const [queue, name] = second === undefined
      ? [undefined, first]
      : [first, second];
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
    const spool = await OperatorSpool.open(dir);
    if (queue !== undefined) expectQueue(spool, queue);
    const found: EntryDetails | undefined = await spool.details(name, queue);
    if (found === undefined) return notThere("show", queue, name);
    if (boolFlag(parsed, "data-only")) {
      await spool.payload(name).readable().pipeTo(Deno.stdout.writable, {
        preventClose: true,
      });
      return 0;
    }
    const maxBytes = asked ?? (json ? JSON_PREVIEW : TEXT_PREVIEW);
    const preview = await spool.preview(name, maxBytes);
    if (json) {
      const { history, ...info } = found;
      printJson({
        ...entryJson(info),
        ...("error" in history
          ? { failures: null, historyError: history.error }
          : {
            failures: history.failures,
            lastRetry: history.lastRetry ?? null,
            hold: history.hold ?? null,
          }),
        ...dataJson(preview),
      });
      return 0;
    }
    const now = Date.now();
    const where = queue === undefined ? ", found by name" : "";
    console.log(`name:      ${escapeText(name)}`);
    console.log(
      `queue:     ${escapeText(found.queue)} (${found.state}${where})`,
    );
    console.log(
      `arrived:   ${
        found.arrivedAt === null
          ? "- (the name holds no time)"
          : `${arrivalCell(found)} (${
            formatAge(now - found.arrivedAt.getTime())
          } ago)`
      }`,
    );
    console.log(
      `since:     ${found.since === null ? "?" : formatTime(found.since)}${
        found.ageMs === null ? "" : ` (${formatAge(found.ageMs)} ago)`
      }`,
    );
    const due = dueCell(found, now);
    console.log(
      `due:       ${
        found.state === "checked out"
          ? "- (checked out)"
          : found.due === null
          ? due
          : `${formatTime(found.due)} (${due})`
      }`,
    );
    for (const line of historyLines(found.history)) console.log(line);
    console.log(`metadata:  ${escapeText(found.metadata)}`);
    for (const line of dataLines(preview, asked !== undefined)) {
      console.log(line);
    }
    return 0;
  },
};
