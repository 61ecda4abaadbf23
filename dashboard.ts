/**
 * A web dashboard for operators, in the spirit of Bull Board, Sidekiq's web
 * page and Postfix's `qshape`, `postcat` and `postsuper`: the spool's
 * health (the monitor's problems, quarantined entries counted apart, the
 * repair it would do); every queue with its depth (ready, delayed,
 * quarantined, checked out), the ages of its entries and its last hour
 * (depth, entries in and out, sampled by the server), updated live; an
 * entry browser that pages through queues of any length by name, jumps to
 * a position or a name, and filters as the command line does (name
 * prefix, metadata field, last error, due or delayed, age), with each
 * entry's last error; a search by name and a link per entry that follows
 * it wherever it goes; each entry's metadata, payload, due time and
 * failures; and, when allowed, actions on one entry or on every entry the
 * filter picks (retry with a fresh start, move, hold, release back where
 * it was held from, make due now, remove) and the repair, each confirmed
 * first, after a dry run that says how many and where.
 *
 * {@linkcode createDashboard} gives a request handler, to serve with
 * `Deno.serve` (the `multispool serve` command does) or to mount in an
 * application. It needs no build step and no framework: plain HTML forms,
 * one small script for live updates (Server-Sent Events), a strict
 * Content-Security-Policy.
 *
 * Safe by default: read-only unless `allowActions`; without a `token`, it
 * answers only requests addressed to `localhost` from this host; every
 * action goes through the library's protocol (a checkout, then a save or a
 * remove), so it races correctly with consumers, and an entry a consumer
 * took meanwhile is a clear refusal, never a half-done change; a bulk
 * action runs on the filter its confirmation showed, and on no entry that
 * arrived since; forms carry a secret and are refused from other origins;
 * everything the spool holds is escaped.
 *
 * It needs read and write access to the spool (write for actions, and to
 * read the file system's clock), and network access to serve.
 *
 * @example Look at a spool through the handler
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { createDashboard } from "@multispool/multispool/dashboard";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["outbox", "held"] });
 * const entry = await spool.enqueue("outbox", { to: "<b>x</b>" }, new Uint8Array());
 * await using dashboard = createDashboard(dir); // read-only, loopback only
 *
 * const overview = await dashboard.handler(new Request("http://localhost/"));
 * assert.equal(overview.status, 200);
 * assert.match(overview.headers.get("content-security-policy")!, /script-src 'self'/);
 *
 * const url = `http://localhost/queues/outbox/entries/${entry.name}`;
 * const page = await (await dashboard.handler(new Request(url))).text();
 * assert.ok(page.includes("&lt;b&gt;x&lt;/b&gt;")); // escaped, never markup
 *
 * // Read-only: an action is refused, and the entry stays where it is.
 * const post = await dashboard.handler(new Request(url, { method: "POST" }));
 * assert.equal(post.status, 403);
 * await post.body?.cancel();
 * assert.equal((await spool.list("outbox")).length, 1);
 *
 * // Another host name, without a token: refused (DNS rebinding).
 * const far = await dashboard.handler(new Request("http://attacker.example/"));
 * assert.equal(far.status, 403);
 * await far.body?.cancel();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  createDashboard,
  type Dashboard,
} from "./src/dashboard/create_dashboard.ts";
export {
  DASHBOARD_DEFAULTS,
  type DashboardOptions,
} from "./src/dashboard/options.ts";
export type { PeerInfo } from "./src/dashboard/auth.ts";
export type { MonitorLimits, MonitorOptions } from "./src/monitor_options.ts";
