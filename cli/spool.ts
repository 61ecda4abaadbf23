/**
 * Opening any spool from the command line, whatever its queues and codecs:
 * through the operator's view of it (queues found on disk, metadata as the
 * text stored, payloads as bytes).
 *
 * @module
 */

import {
  type OperatorOptions,
  OperatorSpool,
  type RawData,
} from "../operator.ts";
import type { Spool } from "../mod.ts";
import { isAbsolute, normalize, resolve } from "node:path";
import { UsageError } from "./args.ts";

/** A payload: bytes, or a stream of them when enqueueing from a file. */
export type CliData = RawData;

/** A spool opened by the CLI, for enqueueing. */
export type CliSpool = Spool<string, string, CliData, unknown>;

/** Opens the spool in `dir` for operators, with the queues found on disk. */
export async function openSpool(
  dir: string,
  options: OperatorOptions = {},
): Promise<OperatorSpool> {
  return await OperatorSpool.open(dir, options);
}

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
