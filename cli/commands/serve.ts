/**
 * The `serve` subcommand: the web dashboard over one spool (see the
 * `./dashboard` entry point), served by `Deno.serve` until interrupted.
 *
 * @module
 */

import { abortOnSignals, Spool } from "../../mod.ts";
import { createDashboard, DASHBOARD_DEFAULTS } from "../../dashboard.ts";
import { formatAge } from "../../operator.ts";
import {
  boolFlag,
  countFlag,
  parse,
  positionals,
  spanFlag,
  stringFlag,
  UsageError,
} from "../args.ts";
import type { Command } from "../command.ts";
import { SPANS_HELP } from "../flags/filters.ts";
import { LIMIT_FLAGS, LIMIT_HELP, monitorOptions } from "../flags/limits.ts";
import { escapeText } from "../output.ts";

/** The port when none is given. */
const DEFAULT_PORT = 8080;

/** The environment variable that may hold the token. */
const TOKEN_VARIABLE = "MULTISPOOL_TOKEN";

/** Whether `host` is a loopback address or name. */
function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The token from the environment, if this process may read it. */
function tokenFromEnvironment(): string | undefined {
  const permission = Deno.permissions.querySync({
    name: "env",
    variable: TOKEN_VARIABLE,
  });
  if (permission.state !== "granted") return undefined;
  const value = Deno.env.get(TOKEN_VARIABLE);
  return value === "" ? undefined : value;
}

/** A host for a URL: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The install line that grants what every command needs, serve included. */
const INSTALL_LINE =
  "deno install -g -f -n multispool --allow-read --allow-write --allow-net --allow-env=MULTISPOOL_TOKEN jsr:@multispool/multispool/cli";

export const serve: Command = {
  name: "serve",
  summary: "serve a web dashboard of the spool (read-only unless allowed)",
  help: `Usage: multispool serve DIR [--port N] [--host ADDR] [--allow-actions]
       [--token TOKEN] [--hold-queue NAME] [--interval SPAN]
       [--sample-every SPAN] [limits]

Serves a web dashboard of the spool in DIR until interrupted: the spool's
health (the monitor's problems, quarantined entries counted apart, the
repair it would do); every queue with its ready, delayed, quarantined and
checked-out entries, their ages (qshape's buckets) and its last hour (depth,
entries in and out, sampled by the server), updated live; an entry browser
that pages by name, jumps to a position or a name, and filters as "ls" does
(name prefix, metadata field, last error, due or delayed, age), with each
entry's last error; a search by name, and a link per entry that follows it
from queue to queue; each entry's metadata, payload (the beginning: JSON
indented, text, or hex), due time and failures. With --allow-actions,
entries can be retried with a fresh start, moved, held (in a queue you
name, "held" by default) and released (back where they were held from),
made due now and removed, one at a time or every entry the filter picks,
and the spool repaired; each after a confirmation (a dry run, for the
filter's entries and the repair), as a consumer would: an entry a consumer
took meanwhile is left alone, and said so.

Safe by default: it listens on 127.0.0.1 and answers only requests
addressed to localhost; it refuses to listen beyond loopback without a
token, which every request must then carry (open the page once with
?token=TOKEN, or type it in the form; scripts send
"Authorization: Bearer TOKEN"). Forms carry a secret and are refused from
other sites; everything from the spool is escaped.

Options:
  --port N          the port to listen on (${DEFAULT_PORT}; 0 for any free port)
  --host ADDR       the address to listen on (127.0.0.1); any address that is
                    not loopback needs a token
  --allow-actions   allow retrying, moving, holding, releasing, making due and
                    removing entries, and repairing (read-only without it)
  --token TOKEN     the access token, at least 16 characters (or set
                    ${TOKEN_VARIABLE}, readable with --allow-env=${TOKEN_VARIABLE});
                    make one with: openssl rand -hex 16
  --hold-queue NAME the queue "hold" proposes ("${DASHBOARD_DEFAULTS.holdQueue}"; made when first used)
  --interval SPAN   the shortest time between live updates (${
    formatAge(DASHBOARD_DEFAULTS.refreshMs)
  }); longer
                    when measuring the spool takes long
  --sample-every SPAN
                    the shortest time between two looks at every queue for
                    the last hour's charts (${
    formatAge(DASHBOARD_DEFAULTS.sampleEveryMs)
  }); longer when a look takes
                    long
  -h, --help        show this help

The health panel's monitor, as in "check" and "repair":
${LIMIT_HELP}

${SPANS_HELP}

It prints the address it listens on ("listening on http://..."), and stops
on Ctrl-C or SIGTERM. It needs network access (--allow-net) besides read and
write access to the spool: the install line in multispool's README grants
it (deno task install:cli in a checkout), and so does deno task cli.

Exit codes: 0 stopped by a signal; 2 usage, input or access error (no
token beyond loopback, the port in use, not a spool).`,
  async run(args) {
    const parsed = parse(args, {
      port: { type: "string" },
      host: { type: "string" },
      "allow-actions": { type: "boolean" },
      token: { type: "string" },
      "hold-queue": { type: "string" },
      interval: { type: "string" },
      "sample-every": { type: "string" },
      ...LIMIT_FLAGS,
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const port = countFlag(parsed, "port") ?? DEFAULT_PORT;
    if (port > 65535) {
      throw new UsageError(`--port: ${port} is not a port (0 to 65535)`);
    }
    const host = stringFlag(parsed, "host") ?? "127.0.0.1";
    const token = stringFlag(parsed, "token") ?? tokenFromEnvironment();
    if (token !== undefined && token.length < 16) {
      throw new UsageError(
        `the token must have at least 16 characters (it has ${token.length}); make one with: openssl rand -hex 16`,
      );
    }
    if (!isLoopback(host) && token === undefined) {
      throw new UsageError(
        `refusing to listen on ${host} without a token: give --token or set ${TOKEN_VARIABLE} (with --allow-env=${TOKEN_VARIABLE})`,
      );
    }
    const refreshMs = spanFlag(parsed, "interval") ??
      DASHBOARD_DEFAULTS.refreshMs;
    if (refreshMs <= 0) throw new UsageError("--interval: must be above 0");
    const sampleEveryMs = spanFlag(parsed, "sample-every") ??
      DASHBOARD_DEFAULTS.sampleEveryMs;
    if (sampleEveryMs <= 0) {
      throw new UsageError("--sample-every: must be above 0");
    }
    const allowActions = boolFlag(parsed, "allow-actions");
    // Not a spool, or unreadable: say so now, not on the first request.
    await Spool.findQueues(dir);
    await using dashboard = createDashboard(dir, {
      allowActions,
      token,
      refreshMs,
      holdQueue: stringFlag(parsed, "hold-queue"),
      monitor: monitorOptions(parsed),
      sampleEveryMs,
    });
    using stop = abortOnSignals();
    // The live streams never end by themselves: end them first, so that
    // the server's graceful shutdown does not wait for them.
    stop.signal.addEventListener("abort", () => void dashboard.close());
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: host,
        port,
        signal: stop.signal,
        onListen: ({ hostname, port }) => {
          console.log(
            `multispool serve: listening on http://${
              urlHost(hostname)
            }:${port}/ (${escapeText(dir)}, ${
              allowActions ? "actions allowed" : "read-only"
            }${
              token === undefined
                ? ""
                : "; open it once with ?token=TOKEN, or type the token"
            })`,
          );
        },
        onError: (error) => {
          console.error(
            `multispool serve: ${
              escapeText(error instanceof Error ? error.message : String(error))
            }`,
          );
          return new Response("internal error", { status: 500 });
        },
      }, dashboard.handler);
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new Error(
          `cannot listen on ${host}:${port}: the address is in use (--port 0 takes a free port)`,
        );
      }
      if (error instanceof Deno.errors.NotCapable) {
        throw new Error(
          `cannot listen on ${host}:${port}: serve needs network access, which this command was not given; install it with ${INSTALL_LINE} (in a checkout: deno task install:cli), or run it with deno run --allow-net`,
        );
      }
      throw error;
    }
    await server.finished;
    return 0;
  },
};
