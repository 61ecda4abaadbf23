// Helpers of the dashboard's tests: a spool in a temporary directory with a
// dashboard over it, and requests made as a browser on this host would.

import { checkout } from "../../expert.ts";
import { Spool } from "../../mod.ts";
import {
  createDashboard,
  type Dashboard,
  type DashboardOptions,
} from "../../dashboard.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/** A raw spool (metadata as text, payloads as bytes), as tests fill it. */
export type TestSpool = Spool<string, string, Uint8Array>;

/** A spool and a dashboard over it, both gone when disposed. */
export interface Rig extends AsyncDisposable {
  dir: string;
  spool: TestSpool;
  dashboard: Dashboard;
  /** Answers `path` (GET unless `init` says otherwise), as from localhost. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The body of GET `path`, which must answer 200. */
  page(path: string): Promise<string>;
}

const ORIGIN = "http://localhost:8080";

/** Makes a spool with `queues` and a dashboard with `options` over it. */
export async function rig(
  queues: string[],
  options: DashboardOptions = {},
): Promise<Rig> {
  const dir = await tempDir();
  const spool = await Spool.create(dir.path, {
    queues,
    metadata: { encode: (m: string) => m, decode: (s: string) => s },
  }, { durability: "relaxed" });
  const dashboard = createDashboard(dir.path, options);
  const fetch = (path: string, init?: RequestInit) =>
    dashboard.handler(new Request(`${ORIGIN}${path}`, init));
  return {
    dir: dir.path,
    spool: spool as TestSpool,
    dashboard,
    fetch,
    async page(path) {
      const response = await fetch(path);
      const body = await response.text();
      if (response.status !== 200) {
        throw new Error(`GET ${path}: ${response.status} ${body}`);
      }
      return body;
    },
    async [Symbol.asyncDispose]() {
      await dashboard.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** The entry path of the dashboard. */
export function entryPath(queue: string, name: string): string {
  return `/queues/${encodeURIComponent(queue)}/entries/${
    encodeURIComponent(name)
  }`;
}

/** The form secret, read from a confirmation page as a browser would. */
export async function formSecret(
  rig: Rig,
  queue: string,
  name: string,
  query: string,
): Promise<string> {
  return secretIn(
    await rig.page(`${entryPath(queue, name)}/confirm?${query}`),
  );
}

/** Posts a form to `path` from the dashboard's own origin. */
export function postForm(
  rig: Rig,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { Origin: ORIGIN },
): Promise<Response> {
  return rig.fetch(path, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The form secret of a page that has a form posting (a confirmation). */
export function secretIn(page: string): string {
  const match = /name="csrf" value="([0-9a-f]+)"/.exec(page);
  if (match === null) throw new Error(`no form secret in ${page}`);
  return match[1];
}

/** The hidden fields of the form posting to `action` in `page`. */
export function hiddenFields(
  page: string,
  action: string,
): Record<string, string[]> {
  const start = page.indexOf(`action="${action}"`);
  if (start === -1) throw new Error(`no form posting to ${action} in ${page}`);
  const form = page.slice(start, page.indexOf("</form>", start));
  const fields: Record<string, string[]> = {};
  for (
    const [, name, value] of form.matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
    )
  ) {
    const text = value.replace(/&quot;/g, '"').replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    (fields[name] ??= []).push(text);
  }
  return fields;
}

/** Posts `fields` (a field may repeat) as a form from the dashboard's origin. */
export function postFields(
  rig: Rig,
  path: string,
  fields: Record<string, string[]>,
): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, values] of Object.entries(fields)) {
    for (const value of values) body.append(name, value);
  }
  return rig.fetch(path, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: ORIGIN,
    },
    body: body.toString(),
  });
}

/**
 * Enqueues an entry in `queue` and records a failed attempt with
 * `message`, as a consumer's failure would; its name.
 */
export async function failed(
  rig: Rig,
  queue: string,
  metadata: string,
  message: string,
): Promise<string> {
  const entry = await rig.spool.enqueue(queue, metadata, new Uint8Array(1));
  const job = await checkout(rig.spool, entry);
  await job.save(queue, { failure: new Error(message) });
  return entry.name;
}

/**
 * Marks entry `name`, waiting in `queue`, as quarantined there, as repair
 * with `damagedTo` records it: its payload gone, the reason in its history.
 */
export async function quarantine(
  rig: Rig,
  queue: string,
  name: string,
): Promise<void> {
  const registry = `${rig.dir}/.registry/${name}`;
  const text = await Deno.readTextFile(registry);
  const history = text === ""
    ? { attempts: 0, failures: [] }
    : JSON.parse(text);
  history.quarantine = {
    at: new Date().toISOString(),
    queue,
    reason: "the entry's payload is missing",
  };
  await Deno.writeTextFile(registry, JSON.stringify(history));
  await Deno.remove(`${rig.dir}/.data/${name}`);
}

/**
 * `deno run` arguments for `multispool serve SPOOL FLAGS`, allowed the
 * spool and the loopback network.
 */
export function serveArgs(spool: string, ...flags: string[]): string[] {
  return [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-net=127.0.0.1",
    "cli/main.ts",
    "serve",
    spool,
    ...flags,
  ];
}
