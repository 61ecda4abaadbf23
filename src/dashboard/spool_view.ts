/**
 * The spool as the dashboard sees it: the operator's view of it, opened
 * once and looked at again on every request (a queue made meanwhile
 * shows). Internal.
 *
 * @module
 */

import {
  openOperator,
  type OperatorSpool,
} from "../operator/operator_spool.ts";
import { realFileSystem } from "../fs.ts";
import type { QuickCallsPlace } from "../spool_options.ts";

/** Opens one spool directory, and finds its queues again for each request. */
export class SpoolView {
  /** The spool directory. */
  readonly dir: string;
  readonly #quickCalls: QuickCallsPlace;
  #opened: Promise<OperatorSpool> | undefined;

  /**
   * @param dir The spool directory.
   * @param quickCalls Where its looks make their calls.
   */
  constructor(dir: string, quickCalls: QuickCallsPlace = "auto") {
    this.dir = dir;
    this.#quickCalls = quickCalls;
  }

  /**
   * The spool with the queues on disk now.
   *
   * @throws {NotASpoolError} If the directory is not a spool.
   */
  async open(): Promise<OperatorSpool> {
    const opened = this.#opened ??= openOperator(realFileSystem, this.dir, {
      quickCalls: this.#quickCalls,
    });
    let spool: OperatorSpool;
    try {
      spool = await opened;
    } catch (error) {
      // Not a spool yet: look again on the next request.
      this.#opened = undefined;
      throw error;
    }
    await spool.refresh();
    return spool;
  }
}
