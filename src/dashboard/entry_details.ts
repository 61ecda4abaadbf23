/**
 * Everything the entry page shows about one entry: where it is (waiting or
 * checked out), since when, when it is due, its failed attempts and the
 * errors recorded, its metadata, and a preview of its payload. Internal.
 *
 * @module
 */

import { listCheckoutsUnsafe } from "../expert.ts";
import type { EntryHistory } from "../history.ts";
import { EntryNotFoundError } from "../errors.ts";
import { type EntryState, type EntrySummary, summaryOf } from "./browse.ts";
import { type Preview, previewOf } from "./preview.ts";
import type { SpoolView, ViewSpool } from "./spool_view.ts";

/** One entry, in full. */
export interface EntryDetails extends EntrySummary {
  /** The queue it waits in or was checked out of. */
  queue: string;
  /** Its failed attempts and last errors, or why they cannot be read. */
  history: EntryHistory | { error: string };
  /** The beginning of its payload. */
  preview: Preview;
}

/**
 * The entry `name` of `queue`, waiting or checked out; undefined if it is
 * in neither place.
 *
 * @throws {QueueNotFoundError} If the queue is not there.
 */
export async function detailsOf(
  view: SpoolView,
  spool: ViewSpool,
  queue: string,
  name: string,
  previewBytes: number,
): Promise<EntryDetails | undefined> {
  let summary = await summaryOf(view, spool, queue, name, "waiting", undefined);
  if (summary === undefined) {
    const job = (await listCheckoutsUnsafe(spool, queue)).find((j) =>
      j.name === name
    );
    if (job === undefined) return undefined;
    summary = await summaryOf(
      view,
      spool,
      queue,
      name,
      "checked out",
      job.metadata,
    );
    if (summary === undefined) return undefined;
  }
  const entry = spool.entry(queue, name);
  const history = await entry.direct.readHistory().catch((error: unknown) => ({
    error: error instanceof Error ? error.message : String(error),
  }));
  return {
    queue,
    ...summary,
    history,
    preview: await previewOf(entry, previewBytes),
  };
}

/**
 * Whether entry `name` waits in `queue` or is checked out of it; undefined
 * if neither.
 */
export async function stateOf(
  spool: ViewSpool,
  queue: string,
  name: string,
): Promise<EntryState | undefined> {
  try {
    await spool.entry(queue, name).direct.readDue();
    return "waiting";
  } catch (error) {
    if (!(error instanceof EntryNotFoundError)) throw error;
  }
  const held = await listCheckoutsUnsafe(spool, queue);
  return held.some((job) => job.name === name) ? "checked out" : undefined;
}
