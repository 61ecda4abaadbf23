// The dashboard over a big queue (over 100,000 entries, its health panel
// must answer within a second): how long its pages take to answer, and
// what the scans behind them cost. A backlog of 100,000 empty entries
// (10,000 in quick runs) waits in one queue, with one file a
// crashed producer left in .tmp/ an hour ago, so that the health check
// finds a problem and makes its repair plan (two scans). The dashboard is
// the library's handler, answering in this process as `multispool serve`
// does, each round a fresh one (nothing measured or checked yet):
//
// - first answers: the overview and the health page, the first request to
//   a fresh dashboard (they wait half a second at most for the spool's
//   first measurement and check, then show without them);
// - with a check in hand: the same pages once the check and the
//   measurement have ended (what an operator gets from then on: checks are
//   shared, made again every 15 s, or 4 times what one takes);
// - the queue's pages, then: the first, the last, one after a name in the
//   middle, and the first of a filter that reads entries (older than a
//   second: every entry passes); each reads the queue's names once;
// - the scans themselves: the health check (the monitor's problems, then
//   the repair's dry run) and the measurement of every queue's shape, as
//   the dashboard reports them; and one look of the last hour's sampler at
//   every queue's names.

import { createDashboard } from "../../dashboard.ts";
import { RateSampler } from "../../src/dashboard/rates.ts";
import { SpoolView } from "../../src/dashboard/spool_view.ts";
import type { Bench } from "../lib/context.ts";
import { buildBacklog } from "./backlog.ts";

/** How long one request takes to answer, body read, in ms. */
async function timed(
  handler: (request: Request) => Promise<Response>,
  path: string,
): Promise<{ ms: number; body: string; status: number }> {
  const started = performance.now();
  const response = await handler(new Request(`http://localhost${path}`));
  const body = await response.text();
  return { ms: performance.now() - started, body, status: response.status };
}

/** The name in the middle of the backlog's queue. */
async function middleName(path: string): Promise<string> {
  const names: string[] = [];
  for await (const item of Deno.readDir(`${path}/q`)) {
    if (item.isFile && !item.name.startsWith(".")) names.push(item.name);
  }
  names.sort();
  return names[names.length >> 1];
}

/** Measures the dashboard's answers over a big backlog. */
export async function dashboardSection(bench: Bench): Promise<void> {
  const { results } = bench;
  const size = bench.quick ? 10_000 : 100_000;
  const rounds = bench.quick ? 2 : 3;
  const count = size.toLocaleString("en-US");
  const section = `Dashboard over ${count} waiting entries`;
  bench.log(`dashboard: building ${count} empty entries`);
  const { path } = await buildBacklog(bench, "multispool", size, 0, undefined);
  const stray = `${path}/.tmp/01KBSTALE00000000000000000`;
  await Deno.writeTextFile(stray, "{}");
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(stray, hourAgo, hourAgo);

  const figures: Record<string, number[]> = {
    overviewFirst: [],
    healthFirst: [],
    overview: [],
    health: [],
    queueFirst: [],
    queueLast: [],
    queueAfter: [],
    queueFiltered: [],
    check: [],
    measure: [],
    look: [],
  };
  for (let round = 0; round < rounds; round++) {
    bench.log(`dashboard: round ${round + 1} of ${rounds}`);
    for (const page of ["/", "/health"]) {
      // A fresh dashboard; its sampler looks once an hour, not meanwhile.
      await using dashboard = createDashboard(path, {
        sampleEveryMs: 3_600_000,
      });
      const handler = dashboard.handler;
      const first = await timed(handler, page);
      if (first.status !== 200) {
        throw new Error(`GET ${page}: ${first.status} ${first.body}`);
      }
      figures[page === "/" ? "overviewFirst" : "healthFirst"].push(first.ms);
      // Wait for the check and the measurement the first page started.
      const health = JSON.parse((await timed(handler, "/api/health")).body);
      const shapes = JSON.parse((await timed(handler, "/api/queues")).body);
      if (health.problems.length === 0 || shapes.queues[0].waiting !== size) {
        throw new Error(
          "the dashboard did not see the backlog and its problem",
        );
      }
      if (page === "/") {
        figures.check.push(health.checkMs);
        figures.measure.push(shapes.measureMs);
        figures.overview.push((await timed(handler, "/")).ms);
        const middle = await middleName(path);
        const pages: [string, string][] = [
          ["queueFirst", "/queues/q"],
          ["queueLast", "/queues/q?last="],
          ["queueAfter", `/queues/q?after=${middle}`],
          ["queueFiltered", "/queues/q?older=1s"],
        ];
        for (const [key, url] of pages) {
          const answer = await timed(handler, url);
          if (answer.status !== 200 || !answer.body.includes("<tbody")) {
            throw new Error(`GET ${url}: ${answer.status}, no entries`);
          }
          figures[key].push(answer.ms);
        }
      } else {
        const again = await timed(handler, "/health");
        if (!again.body.includes("delete-tmp")) {
          throw new Error("the health page shows no repair plan");
        }
        figures.health.push(again.ms);
      }
    }
    const sampler = new RateSampler(new SpoolView(path), 3_600_000);
    try {
      const started = performance.now();
      await sampler.look();
      figures.look.push(performance.now() - started);
    } finally {
      await sampler.close();
    }
  }
  const row = (name: string, key: string, extra?: string) =>
    results.row(section, name, "multispool", "ms", figures[key], extra);
  row("overview, first answer (waits 0.5 s at most)", "overviewFirst");
  row("health page, first answer (waits 0.5 s at most)", "healthFirst");
  row("overview, with a measurement and a check in hand", "overview");
  row("health page, with a check in hand", "health");
  row("queue page: the first", "queueFirst");
  row("queue page: the last", "queueLast");
  row("queue page: after a name in the middle", "queueAfter");
  row(
    "queue page: a filter that reads entries (older than 1 s)",
    "queueFiltered",
  );
  row(
    "health check: the monitor's problems, then the repair's dry run",
    "check",
    "shared by every page; again every 15 s or 4x its time",
  );
  row("measurement of every queue's shape", "measure");
  row("last hour: one look at every queue's names", "look");
  results.raw.dashboard = { size, figures };
  const worst = (key: string) => Math.max(...figures[key]);
  results.target(
    `dashboard health panel over ${count} entries, first answer (worst round)`,
    worst("overviewFirst"),
    " ms",
    "<",
    1000,
    "the overview, health panel included, from a fresh dashboard",
  );
  results.target(
    `dashboard queue page over ${count} entries (worst page, worst round)`,
    Math.max(
      worst("queueFirst"),
      worst("queueLast"),
      worst("queueAfter"),
      worst("queueFiltered"),
    ),
    " ms",
    "<",
    300,
    "the first, last, a middle and a filtered page of the queue, each reading its names once",
  );
  results.target(
    `dashboard health page over ${count} entries, with a check in hand (worst round)`,
    worst("health"),
    " ms",
    "<",
    1000,
    "the health page once the shared check has ended",
  );
}
