/**
 * The command's version: the package's, read from its `deno.json` (a JSON
 * module, so it needs no permission and is the one published on JSR).
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { parse, positionals } from "../args.ts";
import type { Command } from "../command.ts";

/** The package version, from `deno.json`. */
export const VERSION: string = config.version;

export const version: Command = {
  name: "version",
  summary: "print the version (also: multispool --version)",
  help: `Usage: multispool version (or: multispool --version)

Prints "multispool" and the version of the package it comes from
(@multispool/multispool on JSR, or this checkout's deno.json).

Options:
  -h, --help   show this help

Exit codes: 0 done; 2 usage error.`,
  run(args) {
    positionals(parse(args, {}), []);
    console.log(`multispool ${VERSION}`);
    return Promise.resolve(0);
  },
};
