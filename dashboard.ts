/**
 * A web dashboard for operators, in the spirit of Bull Board and of
 * Postfix's `qshape`, `postcat` and `postsuper`: every queue with its depth
 * (ready, delayed, checked out) and the ages of its entries, updated live;
 * an entry browser that pages through queues of any length by name; each
 * entry's metadata, payload, due time and failed attempts; and, when
 * allowed, actions on entries (move, hold, release, make due now, remove),
 * each confirmed first.
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
 * took meanwhile is a clear refusal, never a half-done change; forms carry
 * a secret and are refused from other origins; everything the spool holds
 * is escaped.
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
export type { DashboardOptions } from "./src/dashboard/options.ts";
export type { PeerInfo } from "./src/dashboard/auth.ts";
