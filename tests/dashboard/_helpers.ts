// Helpers of the dashboard's tests: a spool in a temporary directory with a
// dashboard over it, and requests made as a browser on this host would.

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
  const page = await rig.page(`${entryPath(queue, name)}/confirm?${query}`);
  const match = /name="csrf" value="([0-9a-f]+)"/.exec(page);
  if (match === null) throw new Error(`no form secret in ${page}`);
  return match[1];
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
