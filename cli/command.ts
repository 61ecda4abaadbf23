/**
 * The shape of a CLI subcommand.
 *
 * @module
 */

/** A subcommand: its name, one-line summary, help text and action. */
export interface Command {
  /** What the user types. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text (`multispool NAME --help`). */
  help: string;
  /** Runs with the arguments after the name; returns the exit code. */
  run(args: string[]): Promise<number>;
}
