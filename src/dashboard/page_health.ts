/**
 * The spool's health on the dashboard: a panel on the overview (problems
 * by kind, quarantined entries counted apart, what repair would do), the
 * health page with every problem and the repair plan, and the repair's
 * confirmation and report. Internal.
 *
 * @module
 */

import { type Dir, dirName } from "../protocol/mod.ts";
import type { QueueShape } from "../operator/shapes.ts";
import type { Problem } from "../problems.ts";
import type { RepairAction, RepairReport } from "../repair.ts";
import { CSRF_FIELD } from "./csrf.ts";
import { formatAge, formatCount, formatTime } from "../operator/format.ts";
import type { Health } from "./health.ts";
import { type Html, markup, visible } from "./html.ts";
import { type Frame, inFrame, type PageParts } from "./frame.ts";

/** Where a problem's files are: `active/.checkout/NAME`, one per place. */
function placesOf(dirs: readonly Dir[], name: string): Html[] {
  return dirs.map((dir, i) =>
    markup`${i > 0 ? ", " : ""}<span class="name">${
      visible(`${dirName(dir)}/${name}`)
    }</span>`
  );
}

/** `3 problems: 2 too-old in .tmp, 1 orphaned in .data`. */
export function problemSummary(problems: readonly Problem[]): string {
  if (problems.length === 0) return "No problems";
  const groups = new Map<string, number>();
  for (const p of problems) {
    const key = `${p.kind} in ${p.dirs.map(dirName).join(" and ")}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const parts = [...groups].map(([key, n]) => `${formatCount(n)} ${key}`);
  const shown = parts.slice(0, 4).join(", ");
  const more = parts.length > 4 ? `, and ${parts.length - 4} more kinds` : "";
  return `${formatCount(problems.length)} problem${
    problems.length === 1 ? "" : "s"
  }: ${shown}${more}`;
}

/** What each repair action does, in words (the entry's place apart). */
const REPAIR_WORDS: {
  [K in RepairAction["kind"]]: (
    action: Extract<RepairAction, { kind: K }>,
  ) => string;
} = {
  requeue: (a) =>
    `back to ${a.queue}: a checkout older than the limit, its consumer presumed dead`,
  "finish-claim": (a) => `waits in ${a.queue} again: a claim a crash cut short`,
  "delete-tmp": () => "deleted: a file in .tmp/ that no operation finished",
  "delete-leftovers": () =>
    "deleted (registry last): an enqueue that never finished",
  "remove-link": () => "unlinked: a symbolic link (its target is untouched)",
  "split-duplicate": (a) =>
    `the second copy becomes entry ${a.newName}: two files under one name`,
  "finish-split": (a) =>
    `its old name goes, it stays entry ${a.newName}: a split a crash cut short`,
  "move-damaged": (a) => `moved to ${a.queue}: damaged`,
};

/** The files a repair action is about. */
function actionDirs(action: RepairAction): readonly Dir[] {
  if ("dirs" in action) return action.dirs;
  if ("dir" in action) return [action.dir];
  return action.problem.dirs;
}

/** What a repair action does to what, as a table row. */
function actionRow(action: RepairAction): Html {
  const words = (REPAIR_WORDS[action.kind] as (a: RepairAction) => string)(
    action,
  );
  return markup`<tr><td>${action.kind}</td><td>${
    placesOf(actionDirs(action), action.name)
  }</td><td>${visible(words)}</td></tr>`;
}

function actionsTable(actions: readonly RepairAction[]): Html {
  return markup`<table class="repairs">
<thead><tr><th scope="col">Action</th><th scope="col">Files</th><th scope="col">What and why</th></tr></thead>
<tbody>${actions.map(actionRow)}</tbody>
</table>`;
}

function leftAloneTable(
  leftAlone: RepairReport["leftAlone"],
  now: Date,
): Html {
  const rows = leftAlone.map(({ problem, reason }) =>
    markup`<tr><td>${problem.kind}</td><td>${
      placesOf(problem.dirs, problem.name)
    }</td><td class="num">${
      formatAge(now.getTime() - problem.mtime.getTime())
    }</td><td>${visible(reason)}</td></tr>`
  );
  return markup`<table class="left-alone">
<thead><tr><th scope="col">Problem</th><th scope="col">Files</th><th scope="col" class="num">Age</th><th scope="col">Why repair leaves it</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

function problemsTable(problems: readonly Problem[], now: Date): Html {
  const rows = problems.map((p) =>
    markup`<tr><td>${p.kind}${p.sameFile ? " (one file)" : ""}</td><td>${
      placesOf(p.dirs, p.name)
    }</td><td class="when">${formatTime(p.mtime)}</td><td class="num">${
      formatAge(now.getTime() - p.mtime.getTime())
    }</td><td>${visible(p.reason ?? "")}</td></tr>`
  );
  return markup`<table class="problems">
<thead><tr><th scope="col">Kind</th><th scope="col">Files</th><th scope="col">Modified</th><th scope="col" class="num">Age</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/**
 * `12 quarantined (dead: 10, mail: 2)`, from the queues' shapes (not known
 * before their first measurement).
 */
function quarantinedLine(
  frame: Frame,
  shapes: readonly QueueShape[] | undefined,
): Html {
  if (shapes === undefined) return markup`Quarantined entries: measuring…`;
  const queues = shapes.filter((s) => s.quarantined > 0);
  const total = queues.reduce((sum, s) => sum + s.quarantined, 0);
  if (total === 0) return markup`No entry quarantined.`;
  const each = queues.map((s, i) =>
    markup`${i > 0 ? ", " : ""}<a href="${frame.paths.queue(s.queue)}">${
      visible(s.queue)
    }</a>: ${formatCount(s.quarantined)}`
  );
  return markup`<b data-health="quarantined">${
    formatCount(total)
  }</b> quarantined (${each}): damaged entries moved aside, counted apart, not problems.`;
}

/** The quarantined entries the monitor saw, with why. */
function quarantinedTable(frame: Frame, health: Health): Html {
  if (health.quarantined.length === 0) return markup``;
  const rows = health.quarantined.map((q) =>
    markup`<tr><td class="name"><a href="${
      frame.paths.entry(q.queue, q.name)
    }">${visible(q.name)}</a></td><td>${
      visible(q.queue)
    }</td><td class="when">${formatTime(q.since)}</td><td>${
      visible(q.reason)
    }</td></tr>`
  );
  return markup`<table class="quarantined">
<thead><tr><th scope="col">Entry</th><th scope="col">Queue</th><th scope="col">Since</th><th scope="col">Why</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/** What repair would do, in one line. */
function planLine(plan: RepairReport): string {
  const n = plan.actions.length;
  const left = plan.leftAlone.length;
  if (n === 0 && left === 0) return "Repair has nothing to do.";
  const does = n === 0
    ? "Repair would change nothing"
    : `Repair would make ${formatCount(n)} change${n === 1 ? "" : "s"}`;
  return `${does}${
    left === 0
      ? ""
      : `; it leaves ${formatCount(left)} problem${
        left === 1 ? "" : "s"
      } to people`
  }.`;
}

/** The panel's texts, for the live updates. */
export function healthSummary(health: Health): Record<string, string> {
  return {
    state: health.problems.length === 0 ? "ok" : "problems",
    problems: problemSummary(health.problems),
    plan: planLine(health.plan),
    at: health.at.toISOString(),
  };
}

/** When a check was made and what it took. */
function checkedLine(health: Health): Html {
  return markup`<span class="meta">Checked <time data-health="at" datetime="${health.at.toISOString()}">${
    formatTime(health.at)
  }</time> in ${formatCount(health.checkMs)} ms.</span>`;
}

/**
 * The overview's panel: a line of problems, the quarantined entries, what
 * repair would do, and a link to the details (and the repair).
 */
export function healthPanel(
  frame: Frame,
  health: Health | undefined,
  shapes: readonly QueueShape[] | undefined,
  failure?: string,
): Html {
  const { paths } = frame;
  if (health === undefined) {
    // The live updates fill it in once the first check has ended.
    return markup`<section class="health" data-state="unknown" aria-label="health">
<h2>Health</h2>
<p class="health-problems"><b data-health="problems">${
      failure === undefined
        ? "Checking the spool…"
        : `Cannot check the spool: ${visible(failure)}`
    }</b> <span class="meta">Checked <time data-health="at"></time></span></p>
<p>${quarantinedLine(frame, shapes)}</p>
<p><span data-health="plan"></span> <a href="${paths.health()}">Details</a></p>
</section>`;
  }
  const state = health.problems.length === 0 ? "ok" : "problems";
  const repair = frame.allowActions && health.plan.actions.length > 0
    ? markup` <a class="button" href="${paths.repair()}">Repair…</a>`
    : "";
  return markup`<section class="health" data-state="${state}" aria-label="health">
<h2>Health</h2>
<p class="health-problems"><b data-health="problems">${
    problemSummary(health.problems)
  }</b>. ${checkedLine(health)}</p>
<p>${quarantinedLine(frame, shapes)}</p>
<p><span data-health="plan">${
    planLine(health.plan)
  }</span> <a href="${paths.health()}">Details</a>${repair}</p>
</section>`;
}

/**
 * The health page while the first check runs: it says so, and reloads
 * itself (a refresh, not a script) until the check has ended.
 */
export function healthPendingPage(frame: Frame): Html {
  const { paths } = frame;
  return inFrame(frame, {
    title: "Health",
    trail: [["Queues", paths.home()]],
    refreshSeconds: 2,
    content:
      markup`<p class="health-problems" data-state="unknown"><b>Checking the spool…</b> The monitor scans every file of the spool; this page shows what it finds once it has ended, and reloads until then.</p>`,
  });
}

/** The health page: every problem, the quarantined, the repair plan. */
export function healthPage(
  frame: Frame,
  health: Health,
  shapes: readonly QueueShape[] | undefined,
  notice?: PageParts["notice"],
): Html {
  const { paths } = frame;
  const { plan } = health;
  const problems = health.problems.length === 0
    ? markup`<p>No problems: every file is where an entry's phase puts it, and no checkout or temporary file is older than its limit.</p>`
    : problemsTable(health.problems, health.at);
  const repair = plan.actions.length === 0
    ? ""
    : frame.allowActions
    ? markup`<p><a class="button" href="${paths.repair()}">Repair…</a> (you confirm first; never automatic)</p>`
    : markup`<p class="meta">Read-only: start the dashboard with --allow-actions to repair from here, or run <code>multispool repair --apply</code>.</p>`;
  const content = markup`<p class="health-problems" data-state="${
    health.problems.length === 0 ? "ok" : "problems"
  }"><b data-health="problems">${problemSummary(health.problems)}</b>. ${
    checkedLine(health)
  }</p>
${problems}
<h2>Quarantined</h2>
<p>${quarantinedLine(frame, shapes)}</p>
${quarantinedTable(frame, health)}
<h2>Repair (dry run)</h2>
<p>${planLine(plan)}</p>
${plan.actions.length === 0 ? "" : actionsTable(plan.actions)}
${
    plan.leftAlone.length === 0
      ? ""
      : markup`<p>Left to people:</p>${
        leftAloneTable(plan.leftAlone, health.at)
      }`
  }
${repair}`;
  return inFrame(frame, {
    title: "Health",
    trail: [["Queues", paths.home()]],
    notice,
    content,
  });
}

/** The repair's confirmation: what the dry run says it would do. */
export function repairConfirmPage(
  frame: Frame,
  health: Health,
  csrfToken: string,
): Html {
  const { paths } = frame;
  const { plan } = health;
  const content = plan.actions.length === 0
    ? markup`<p>Repair has nothing to do now. <a href="${paths.health()}">Back to the health page</a></p>`
    : markup`<form method="post" action="${paths.repair()}" class="confirm">
<p>Repair the spool? It would make these <b data-count="">${
      formatCount(plan.actions.length)
    }</b> change${
      plan.actions.length === 1 ? "" : "s"
    } (each checked again as it is made; anything younger than the limits is left alone):</p>
${actionsTable(plan.actions)}
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
<button type="submit" id="confirm" class="danger">Repair</button>
<a href="${paths.health()}">Cancel</a>
</form>`;
  return inFrame(frame, {
    title: "Confirm: repair",
    trail: [["Queues", paths.home()], ["Health", paths.health()]],
    content,
  });
}

/** What a repair did, and the check after it. */
export function repairReportPage(
  frame: Frame,
  report: RepairReport,
  after: Health,
): Html {
  const { paths } = frame;
  const done = report.actions.length;
  const content =
    markup`<p class="notice notice-ok" role="status">Repair done: <b data-count="">${
      formatCount(done)
    }</b> change${done === 1 ? "" : "s"} made.</p>
${done === 0 ? "" : actionsTable(report.actions)}
${
      report.leftAlone.length === 0
        ? ""
        : markup`<p>Left to people:</p>${
          leftAloneTable(report.leftAlone, after.at)
        }`
    }
<p>Now: <b>${
      problemSummary(after.problems)
    }</b>. <a href="${paths.health()}">Health page</a> · <a href="${paths.home()}">Queues</a></p>`;
  return inFrame(frame, {
    title: "Repaired",
    trail: [["Queues", paths.home()], ["Health", paths.health()]],
    content,
  });
}
