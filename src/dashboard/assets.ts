/**
 * The dashboard's own files: its style sheet, its one script (live updates
 * only: every other page works without JavaScript) and its icon. Written
 * here as they are served: no build step. Internal.
 *
 * @module
 */

import { BAR_HEIGHT, BAR_STEP, CHART_HEIGHT } from "./histogram.ts";

/** The style sheet. */
export const STYLE = `:root {
  color-scheme: light dark;
  --fg: #1d232b; --muted: #5b6673; --bg: #fbfcfd; --panel: #ffffff;
  --line: #dde2e8; --accent: #1f6feb; --bar: #3b82c4; --ok: #e7f5ea;
  --ok-line: #2f8f46; --bad: #fdecec; --bad-line: #c93c3c; --warn: #a35b00;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e3e8ee; --muted: #98a3b0; --bg: #12161b; --panel: #1a2027;
    --line: #2c343e; --accent: #6ca6ff; --bar: #5d9ee0; --ok: #173321;
    --ok-line: #4cbb6c; --bad: #3a1b1b; --bad-line: #e06666; --warn: #e0a050;
  }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
header.top { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap;
  padding: .6em 1.2em; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; text-decoration: none; font-size: 1.1em; }
.spool { font-family: ui-monospace, monospace; color: var(--muted); overflow-wrap: anywhere; }
.mode { font-size: .85em; padding: .1em .6em; border-radius: 1em; border: 1px solid var(--line); }
.mode-actions { border-color: var(--warn); color: var(--warn); }
.live { margin-left: auto; font-size: .85em; color: var(--muted); }
.live[data-state="on"]::before { content: "● "; color: var(--ok-line); }
.live[data-state="retry"]::before { content: "● "; color: var(--warn); }
nav.trail { padding: .5em 1.2em; color: var(--muted); overflow-wrap: anywhere; }
main { padding: 0 1.2em 2em; max-width: 80em; }
h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); }
th, td { padding: .35em .7em; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
thead th { font-size: .85em; color: var(--muted); font-weight: 600; }
tfoot th, tfoot td { font-weight: 600; border-bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.legend { font-size: .8em; color: var(--muted); font-weight: 400; }
.name, .name a { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
td.metadata code { font-size: .85em; color: var(--muted); overflow-wrap: anywhere; }
svg.histogram { display: block; }
svg.histogram .bar { fill: var(--bar); }
svg.histogram .axis { stroke: var(--line); }
.meta { color: var(--muted); font-size: .9em; }
.notice { padding: .5em .8em; border-left: 4px solid; border-radius: 3px; overflow-wrap: anywhere; }
.notice-ok { background: var(--ok); border-color: var(--ok-line); }
.notice-error { background: var(--bad); border-color: var(--bad-line); }
.depth { display: flex; gap: 1.5em; align-items: center; flex-wrap: wrap; }
.tabs { margin: 1em 0 .5em; display: flex; gap: .3em; }
.tab { padding: .25em .8em; border: 1px solid var(--line); border-radius: 4px; text-decoration: none; }
.tab-active { background: var(--panel); font-weight: 600; }
form.filter { margin: .5em 0; display: flex; gap: .6em; align-items: center; }
.pager { display: flex; gap: 1em; align-items: center; margin: .6em 0; }
.pager .disabled { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1.2em; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .7em; overflow: auto;
  max-height: 32em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .88em; }
pre.payload-hex { white-space: pre; overflow-wrap: normal; }
.actions { display: flex; flex-wrap: wrap; gap: .8em 1.6em; }
form.action, form.confirm, form.login { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
form.confirm p { flex-basis: 100%; }
button { font: inherit; padding: .25em .9em; border-radius: 4px; border: 1px solid var(--line);
  background: var(--panel); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--accent); }
button.danger { border-color: var(--bad-line); color: var(--bad-line); }
input, select { font: inherit; padding: .2em .4em; background: var(--panel); color: var(--fg);
  border: 1px solid var(--line); border-radius: 4px; }
header.top form.search { display: flex; gap: .3em; }
header.top form.search input { width: 14em; }
.health-link { font-size: .9em; }
section.health { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--line);
  padding: .2em 1em; margin: 1em 0; border-radius: 3px; }
section.health[data-state="ok"] { border-left-color: var(--ok-line); }
section.health[data-state="problems"] { border-left-color: var(--bad-line); }
section.health h2 { margin: .5em 0 .2em; }
section.health p { margin: .35em 0; }
p.health-problems[data-state="problems"] b, section.health[data-state="problems"] [data-health="problems"] { color: var(--bad-line); }
a.button { display: inline-block; padding: .2em .9em; border: 1px solid var(--bad-line); border-radius: 4px;
  color: var(--bad-line); text-decoration: none; margin-left: .5em; }
.tag { font-size: .78em; padding: 0 .45em; border: 1px solid var(--line); border-radius: 1em;
  color: var(--muted); white-space: nowrap; }
.tag-quarantine { border-color: var(--warn); color: var(--warn); }
td.error { font-size: .85em; max-width: 22em; }
td.error .kind { font-weight: 600; }
td.error .message { color: var(--muted); overflow-wrap: anywhere; }
td.last-hour { white-space: nowrap; }
td.last-hour .flow { display: block; font-size: .78em; color: var(--muted); }
svg.chart { display: block; background: var(--panel); border: 1px solid var(--line); border-radius: 2px; }
svg.chart .line { fill: none; stroke: var(--bar); stroke-width: 1.5; }
svg.chart-in .line { stroke: var(--ok-line); }
svg.chart-out .line { stroke: var(--warn); }
svg.chart .axis { stroke: var(--line); }
.charts { display: flex; gap: 1.5em; flex-wrap: wrap; }
.charts figure { margin: 0; }
.charts figcaption { font-size: .8em; color: var(--muted); }
section.last-hour h2 { margin-top: .6em; }
form.filter, form.jump, form.bulk { flex-wrap: wrap; }
form.jump, form.bulk { margin: .5em 0; display: flex; gap: .6em; align-items: center; }
form.bulk { padding: .4em .6em; border: 1px dashed var(--warn); border-radius: 4px; }
tr.before-retry td { color: var(--muted); }
ul.refused { margin-top: 0; }
.matches h2 { font-size: 1em; }
`;

/**
 * The script: listens to the event stream and updates the numbers and the
 * histograms in place (text and attributes only, never markup).
 */
export const SCRIPT = `"use strict";
(() => {
  const body = document.body;
  const url = body.dataset.events;
  const status = document.getElementById("live");
  if (!url || typeof EventSource !== "function") return;
  const STEP = ${BAR_STEP}, HEIGHT = ${BAR_HEIGHT}, CHART = ${CHART_HEIGHT};
  const count = (n) => n.toLocaleString("en-US");
  const age = (ms) => {
    if (ms === null) return "-";
    if (ms < 1000) return Math.max(0, Math.round(ms)) + "ms";
    const s = Math.floor(ms / 1000), d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    if (d > 0) return h > 0 ? d + "d " + h + "h" : d + "d";
    if (h > 0) return m > 0 ? h + "h " + m + "m" : h + "h";
    if (m > 0) return sec > 0 ? m + "m " + sec + "s" : m + "m";
    return sec + "s";
  };
  // Times as everywhere else: ISO 8601, UTC, to the second.
  const time = (iso) => new Date(iso).toISOString().slice(0, 19) + "Z";
  const show = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  };
  const update = (snapshot) => {
    const shapes = new Map(snapshot.queues.map((s) => [s.queue, s]));
    for (const cell of document.querySelectorAll("[data-queue][data-field]")) {
      const shape = shapes.get(cell.dataset.queue);
      if (!shape) continue;
      const value = shape[cell.dataset.field];
      cell.textContent = cell.dataset.field.endsWith("Ms") ? age(value) : count(value);
    }
    for (const cell of document.querySelectorAll("[data-total]")) {
      const field = cell.dataset.total;
      const values = snapshot.queues.map((s) =>
        field === "entries" ? s.waiting + s.checkedOut : s[field]);
      if (field.endsWith("Ms")) {
        const ages = values.filter((v) => v !== null);
        cell.textContent = age(ages.length === 0 ? null : Math.max(...ages));
      } else cell.textContent = count(values.reduce((sum, v) => sum + v, 0));
    }
    for (const svg of document.querySelectorAll("svg[data-histogram]")) {
      const shape = shapes.get(svg.dataset.queue);
      if (!shape) continue;
      const max = Math.max(0, ...shape.buckets);
      svg.querySelectorAll("rect").forEach((bar, i) => {
        const n = shape.buckets[i] ?? 0;
        const h = n === 0 || max === 0 ? 0 : Math.max(2, Math.round((n / max) * HEIGHT));
        bar.setAttribute("height", String(h));
        bar.setAttribute("y", String(CHART - h));
        const title = bar.querySelector("title");
        if (title) title.textContent = title.textContent.replace(/: \\d+$/, ": " + n);
      });
    }
    const table = document.querySelector("[data-queues]");
    const changed = document.getElementById("queues-changed");
    if (table && changed) {
      changed.hidden = table.dataset.queues === snapshot.queues.map((s) => s.queue).join("/");
    }
    const at = document.getElementById("measured-at");
    if (at) {
      at.dateTime = snapshot.at;
      at.textContent = time(snapshot.at);
    }
    const health = snapshot.health;
    const panel = document.querySelector("section.health");
    if (health && panel) {
      panel.dataset.state = health.state;
      for (const field of ["problems", "plan"]) {
        const cell = panel.querySelector('[data-health="' + field + '"]');
        if (cell) cell.textContent = health[field];
      }
      const checked = panel.querySelector('[data-health="at"]');
      if (checked) {
        checked.dateTime = health.at;
        checked.textContent = time(health.at);
      }
    }
    const took = document.getElementById("measure-ms");
    if (took) took.textContent = String(snapshot.measureMs);
    body.dataset.updated = snapshot.at;
    show("on", "live · " + time(snapshot.at));
  };
  show("retry", "connecting…");
  const source = new EventSource(url);
  source.addEventListener("shapes", (event) => update(JSON.parse(event.data)));
  source.addEventListener("failure", (event) =>
    show("retry", "cannot measure: " + JSON.parse(event.data).message));
  source.addEventListener("error", () => show("retry", "reconnecting…"));
  addEventListener("pagehide", () => source.close());
})();
`;

/** The icon: three stacked bars. */
export const ICON =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="2" width="14" height="3" rx="1" fill="#3b82c4"/><rect x="1" y="6.5" width="10" height="3" rx="1" fill="#3b82c4"/><rect x="1" y="11" width="6" height="3" rx="1" fill="#3b82c4"/></svg>`;
