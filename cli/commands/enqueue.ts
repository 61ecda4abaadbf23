/**
 * The `enqueue` subcommand: add an entry to a queue, its payload from an
 * argument, a file or stdin (streamed), now or at a due time.
 *
 * @module
 */

import { OperatorSpool } from "../../operator.ts";
import {
  boolFlag,
  parse,
  parseSpan,
  parseTime,
  positionals,
  stringFlag,
  UsageError,
} from "../args.ts";
import type { Command } from "../command.ts";
import { clip, escapeText } from "../output.ts";
import { type CliData, expectQueue } from "../spool.ts";

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
  --at TIME         due at TIME, in ISO 8601: 2027-01-01 (midnight
                    UTC), 2026-12-01T09:30:00Z, 2026-12-01T10:30+01:00, or
                    2026-12-01T09:30 (local time); a time already past is
                    now
  --prefix TEXT     put TEXT in front of the generated name (no control
                    characters)
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

    const prefix = stringFlag(parsed, "prefix");
    if (prefix !== undefined && escapeText(prefix) !== prefix) {
      throw new UsageError(
        `--prefix: control characters are not allowed in names (got ${
          escapeText(prefix)
        })`,
      );
    }
    const operator = await OperatorSpool.open(dir, {
      durability: boolFlag(parsed, "relaxed") ? "relaxed" : "strict",
    });
    expectQueue(operator, queue);
    const entry = await operator.spool.enqueue(queue, metadata, data, {
      reserve: prefix,
      delay,
      at,
    });
    console.log(entry.name);
    return 0;
  },
};
