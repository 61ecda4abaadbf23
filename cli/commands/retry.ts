/**
 * The `retry` subcommand: give failed entries (dead letters, say) a fresh
 * start: their attempts go back to 0, they are due now, and they go back
 * to the queue of their last failure (or to `--to`), where a consumer with
 * a retry policy tries them again as new. Their past failures stay in
 * their history, marked as before the retry.
 *
 * @module
 */

import { stringFlag } from "../args.ts";
import { bulkCommand } from "../bulk.ts";
import type { Command } from "../command.ts";

/** `multispool retry`. */
export const retry: Command = bulkCommand({
  name: "retry",
  summary: "retry failed entries with a fresh start (attempts back to 0)",
  usage:
    `Usage: multispool retry DIR [QUEUE] NAME [NAME ...] [--to QUEUE] [--force] [--dry-run]
       multispool retry DIR QUEUE (--all | filters) [--to QUEUE] [--dry-run]

Retries entries with a fresh start: each is checked out, its failed
attempts are set back to 0 (a reader's retry policy counts from there
again, so a dead letter is tried again, not sent straight back), and it is
saved, due now, to the queue of its last failure, or to QUEUE with --to.
Its past failures stay in its history, marked as before the retry
(multispool show lists them); a quarantine or hold mark is cleared. Named
entries (in QUEUE, or found wherever they are), or the entries of QUEUE the
filters pick (--error TEXT picks by the last error), or --all. An entry
with no failure recorded has nowhere to go back to: give --to.`,
  options:
    "  --to QUEUE                  where the entries go (default: the queue of\n                              each entry's last failure)",
  flags: { to: { type: "string" } },
  action: (parsed) => ({ kind: "retry", to: stringFlag(parsed, "to") }),
  verb: { done: "retried", planned: "would retry", doing: "retrying" },
});
