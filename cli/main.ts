/**
 * The multispool command-line tool: inspect, feed, repair and monitor any
 * spool directory (its queues are found on disk).
 *
 * ```sh
 * deno task cli init /var/spool/app --queue active --queue done
 * deno task cli enqueue /var/spool/app active --metadata '{"to":"a@x"}' < body.txt
 * deno task cli enqueue /var/spool/app active --delay 10m --data 'later'
 * deno task cli ls /var/spool/app active
 * deno task cli flush /var/spool/app active
 * deno task cli check /var/spool/app
 * deno task monitor /var/spool/app --check-every 30s
 * deno run --allow-read=DIR --allow-write=DIR jsr:@multispool/multispool/cli stats DIR
 * deno install -g -n multispool --allow-read --allow-write jsr:@multispool/multispool/cli
 * deno install -g -n multispool --allow-read --allow-write cli/main.ts # from a checkout
 * multispool --version
 * ```
 *
 * It needs only read and write access to the spool (and read access to a
 * `--data-file`).
 *
 * Exit codes: 0 success; 1 `check` found problems, `repair` left some alone,
 * or the entry named is not there; 2 usage, input or access error.
 *
 * The command is the last layer: everything it does goes through the other
 * entry points (the spool for entries, the monitor for `check`, `repair`,
 * `monitor` and `stats`, the expert calls for `mv`, `rm` and
 * `ls --checked-out`, an entry's direct calls for `flush`), so any of it
 * can be done from a program too. The
 * command itself can also be run from a program, with {@linkcode main}.
 *
 * @example Run commands from a program
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "@multispool/multispool/cli";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = `${dir}/spool`;
 * assert.equal(await main(["init", spool, "--queue", "jobs", "--queue", "done"]), 0);
 * assert.equal(await main(["enqueue", spool, "jobs", "--data", "resize"]), 0);
 * const [entry] = await (await Spool.load(spool, { queues: ["jobs"] })).list("jobs");
 * assert.equal(await main(["mv", spool, "jobs", entry.name, "done"]), 0);
 * assert.equal(await main(["rm", spool, "jobs", entry.name]), 1); // not there
 * assert.equal(await main(["check", spool]), 0); // no problems
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { EntryNotFoundError, SpoolError } from "../mod.ts";
import { UsageError } from "./args.ts";
import { COMMANDS, HELP } from "./commands/mod.ts";
import { escapeText, toJson } from "./output.ts";
import { version } from "./commands/version.ts";

/**
 * Runs the CLI with `args` and returns the exit code; errors become one line
 * on stderr.
 *
 * @param args The command line, without the program name.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "@multispool/multispool/cli";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal(await main(["init", `${dir}/spool`, "--queue", "jobs"]), 0);
 * assert.equal(await main(["check", `${dir}/spool`]), 0); // no problems
 * assert.equal(await main(["nope"]), 2); // usage error, one line on stderr
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (
    name === undefined || name === "--help" || name === "-h" || name === "help"
  ) {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") return await version.run([]);
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`multispool: unknown command ${toJson(name)}`);
    console.error("Run 'multispool --help' for the list of commands.");
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      // One line, even where the parser's message has several.
      const message = error.message.replace(/\s*\n\s*/g, " ");
      console.error(`multispool ${name}: ${escapeText(message)}`);
      console.error(`Run 'multispool ${name} --help' for usage.`);
      return 2;
    }
    // Messages carry paths, and so names from the spool: escaped.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`multispool ${name}: ${escapeText(message)}`);
    return error instanceof EntryNotFoundError ? 1 : 2;
  }
}

if (import.meta.main) {
  // A closed pipe (`... | head`) is not an error worth a stack trace.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    const reason = event.reason;
    console.error(
      `multispool: ${
        escapeText(
          reason instanceof SpoolError || reason instanceof Error
            ? reason.message
            : String(reason),
        )
      }`,
    );
    Deno.exit(2);
  });
  Deno.exit(await main(Deno.args));
}
