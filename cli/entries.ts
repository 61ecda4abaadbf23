/**
 * CLI subcommands that work on entries: init, ls, show, enqueue, mv, rm.
 *
 * @module
 */

import { type CheckedOutEntry, EntryNotFoundError, Spool } from "../mod.ts";
import { listCheckoutsUnsafe, tryCheckout } from "../expert.ts";
import { formatAge } from "../src/format_age.ts";
import {
  boolFlag,
  parse,
  positionals,
  stringFlag,
  stringsFlag,
  UsageError,
} from "./args.ts";
import { spoolNow } from "./clock.ts";
import type { Command } from "./command.ts";
import { clip, formatBytes, printJson, printTable } from "./output.ts";
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

interface Listed {
  name: string;
  queue: string;
  state: "waiting" | "checked out";
  since: string | null;
  ageMs: number | null;
  dataBytes: number | null;
  metadata: string;
}

async function describe(
  spool: CliSpool,
  queue: string,
  name: string,
  metadata: string,
  state: Listed["state"],
): Promise<Listed> {
  const entry = spool.entry(queue, name);
  const since = await entry.stat().then((i) => i.mtime, () => null);
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
    dataBytes: size,
    metadata,
  };
}

export const ls: Command = {
  name: "ls",
  summary: "list the entries of a queue",
  help: `Usage: multispool ls DIR QUEUE [--checked-out] [--json]

Lists the entries waiting in QUEUE in name order (enqueue order with the
default names): name, time in the queue, payload size and metadata.

Options:
  --checked-out   list the entries checked out of QUEUE instead
  --json          print a JSON array
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
        listed.push(
          await describe(spool, queue, job.name, job.metadata, "checked out"),
        );
      }
    } else {
      for (const entry of await spool.list(queue)) {
        const metadata = await entry.direct.readMetadata().catch((error) => {
          // Taken by a consumer since the listing: not waiting any more.
          if (error instanceof EntryNotFoundError) return undefined;
          throw error;
        });
        if (metadata === undefined) continue;
        listed.push(
          await describe(spool, queue, entry.name, metadata, "waiting"),
        );
      }
    }
    if (boolFlag(parsed, "json")) {
      printJson(listed);
    } else if (listed.length === 0) {
      console.log(
        `(no entries ${
          boolFlag(parsed, "checked-out") ? "checked out of" : "in"
        } ${queue})`,
      );
    } else {
      printTable(
        ["NAME", "AGE", "DATA", "METADATA"],
        listed.map((e) => [
          e.name,
          e.ageMs === null ? "?" : formatAge(e.ageMs),
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
): Promise<{ metadata: string; state: Listed["state"] } | undefined> {
  const entry = spool.entry(queue, name);
  try {
    return { metadata: await entry.direct.readMetadata(), state: "waiting" };
  } catch (error) {
    if (!(error instanceof EntryNotFoundError)) throw error;
  }
  const held = (await listCheckoutsUnsafe(spool, queue)).find((job) =>
    job.name === name
  );
  return held && { metadata: held.metadata, state: "checked out" };
}

function notThere(queue: string, name: string): number {
  console.error(
    `multispool: ${name} is not in ${queue} (taken by a consumer, moved, or removed)`,
  );
  return 1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export const show: Command = {
  name: "show",
  summary: "show an entry's metadata and data",
  help: `Usage: multispool show DIR QUEUE NAME [--json | --data-only]

Shows an entry waiting in (or checked out of) QUEUE: its metadata as stored,
and its payload as text when it is UTF-8 (the first 4 KiB; --data-only for
all of it, raw).

Options:
  --json        print a JSON object (payload as text, or base64 if binary)
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
    const info = await describe(
      spool,
      queue,
      name,
      found.metadata,
      found.state,
    );
    const bytes = await data.load().then(
      (b) => b as Uint8Array,
      () => undefined,
    );
    let text: string | undefined;
    try {
      text = bytes && strictUtf8.decode(bytes);
      // Control characters other than whitespace: show it as binary.
      // deno-lint-ignore no-control-regex
      if (text !== undefined && /[\x00-\x08\x0e-\x1f\x7f]/.test(text)) {
        text = undefined;
      }
    } catch {
      text = undefined;
    }
    if (boolFlag(parsed, "json")) {
      printJson({
        ...info,
        data: text ?? null,
        dataBase64: text === undefined && bytes
          ? btoa(String.fromCharCode(...bytes))
          : null,
      });
      return 0;
    }
    console.log(`name:      ${name}`);
    console.log(`queue:     ${queue} (${found.state})`);
    console.log(
      `since:     ${info.since ?? "?"}${
        info.ageMs === null ? "" : ` (${formatAge(info.ageMs)} ago)`
      }`,
    );
    console.log(`metadata:  ${found.metadata}`);
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
       --data-file PATH | < stdin] [--prefix TEXT] [--relaxed]

Adds an entry to QUEUE and prints its name. The payload comes from --data,
from --data-file (streamed), or from stdin when stdin is not a terminal;
otherwise it is empty. The entry is durable when the command ends, unless
--relaxed.

Options:
  --metadata JSON   the entry's metadata (default {}); must be JSON unless
                    --raw-metadata
  --raw-metadata    store --metadata as given, without checking it is JSON
  --data TEXT       the payload, as UTF-8 text
  --data-file PATH  the payload, read from a file
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
      prefix: { type: "string" },
      relaxed: { type: "boolean" },
    });
    const [dir, queue] = positionals(parsed, ["DIR", "QUEUE"]);
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
    });
    console.log(entry.name);
    return 0;
  },
};

async function checkOut(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<CheckedOutEntry<string, string, CliData> | undefined> {
  return await tryCheckout(spool, spool.entry(queue, name));
}

export const mv: Command = {
  name: "mv",
  summary: "move an entry to another queue",
  help: `Usage: multispool mv DIR FROM NAME TO

Checks out entry NAME waiting in queue FROM and saves it to queue TO, as a
consumer would. An entry checked out by a consumer is not touched.

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
    const job = await checkOut(spool, from, name);
    if (job === undefined) return notThere(from, name);
    await job.save(to);
    console.log(`moved ${name} from ${from} to ${to}`);
    return 0;
  },
};

export const rm: Command = {
  name: "rm",
  summary: "remove an entry",
  help: `Usage: multispool rm DIR QUEUE NAME

Checks out entry NAME waiting in QUEUE and removes it (metadata, payload,
then registry). An entry checked out by a consumer is not touched.

Options:
  -h, --help   show this help

${EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, {});
    const [dir, queue, name] = positionals(parsed, ["DIR", "QUEUE", "NAME"]);
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const job = await checkOut(spool, queue, name);
    if (job === undefined) return notThere(queue, name);
    await job.remove();
    console.log(`removed ${name} from ${queue}`);
    return 0;
  },
};
