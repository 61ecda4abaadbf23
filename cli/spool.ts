/**
 * Opening any spool from the command line, whatever its queues and codecs:
 * queues are found on disk, metadata is shown as the text it is stored as,
 * and payloads as bytes.
 *
 * @module
 */

import {
  type DataCodec,
  type MetadataCodec,
  Spool,
  type SpoolOptions,
} from "../mod.ts";
import { isAbsolute, normalize, resolve } from "node:path";
import { UsageError } from "./args.ts";

/** Metadata as the stored text, unchanged. */
export const rawText: MetadataCodec<string> = {
  encode: (text) => text,
  decode: (text) => text,
};

/** A payload: bytes, or a stream of them when enqueueing from a file. */
export type CliData = Uint8Array | ReadableStream<Uint8Array>;

/** Payloads as bytes, written from bytes or streams. */
const rawData: DataCodec<CliData> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};

/** A spool opened by the CLI. */
export type CliSpool = Spool<string, string, CliData>;

/** Opens the spool in `dir` with the queues found on disk. */
export async function openSpool(
  dir: string,
  options: SpoolOptions = {},
): Promise<CliSpool> {
  const queues = await Spool.findQueues(dir);
  return await Spool.load(
    dir,
    { queues, metadata: rawText, data: rawData },
    options,
  );
}

/** Throws a usage error unless `queue` is one of the spool's queues. */
export function expectQueue(spool: CliSpool, queue: string): void {
  if (!spool.queues.includes(queue)) {
    throw new UsageError(
      `${JSON.stringify(queue)} is not a queue of ${spool.dir} (queues: ${
        spool.queues.join(", ") || "none"
      })`,
    );
  }
}

/**
 * `dir` as an absolute path, for labels that must name one spool whatever
 * the directory the command ran in. An absolute `dir` costs no I/O.
 */
export async function absoluteDir(dir: string): Promise<string> {
  if (isAbsolute(dir)) return normalize(dir).replace(/(.)\/+$/, "$1");
  try {
    return resolve(Deno.cwd(), dir);
  } catch {
    // No read access to the working directory: ask the file system.
    return await Deno.realPath(dir);
  }
}
