/**
 * A spool as the command line handles it, whatever its queues and codecs
 * (the operator's view: queues found on disk, metadata as the text stored,
 * payloads as bytes): its types, and checks of what names it.
 *
 * @module
 */

import type { OperatorSpool, RawData } from "../operator.ts";
import type { Spool } from "../mod.ts";
import { isAbsolute, normalize, resolve } from "node:path";
import { UsageError } from "./args.ts";

/** A payload: bytes, or a stream of them when enqueueing from a file. */
export type CliData = RawData;

/** A spool opened by the CLI, for enqueueing. */
export type CliSpool = Spool<string, string, CliData, unknown>;

/** Throws a usage error unless `queue` is one of the spool's queues. */
export function expectQueue(spool: OperatorSpool, queue: string): void {
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
