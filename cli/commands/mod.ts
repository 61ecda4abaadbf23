/**
 * The command's subcommands, in the order `--help` lists them, and the
 * top-level help.
 *
 * @module
 */

import type { Command } from "../command.ts";
import { check } from "./check.ts";
import { enqueue } from "./enqueue.ts";
import { flush } from "./flush.ts";
import { hold } from "./hold.ts";
import { init } from "./init.ts";
import { ls } from "./ls.ts";
import { monitor } from "./monitor.ts";
import { mv } from "./mv.ts";
import { release } from "./release.ts";
import { repair } from "./repair.ts";
import { retry } from "./retry.ts";
import { rm } from "./rm.ts";
import { serve } from "./serve.ts";
import { show } from "./show.ts";
import { stats } from "./stats.ts";
import { tail } from "./tail.ts";
import { version } from "./version.ts";

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  init,
  ls,
  show,
  tail,
  enqueue,
  mv,
  rm,
  hold,
  release,
  retry,
  flush,
  check,
  repair,
  monitor,
  stats,
  serve,
  version,
];

/** `multispool --help`. */
export const HELP = `multispool: a queue in a directory, shared by processes.

Usage: multispool COMMAND [ARGS] [OPTIONS]
       multispool COMMAND --help
       multispool --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join("\n")}

Exit codes: 0 success; 1 check found problems, repair left some alone, or
the entry named is not there; 2 usage, input or access error.`;
