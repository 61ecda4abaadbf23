// Renders a run's results as plain-text tables (also valid Markdown tables,
// so that BENCHMARKS.md can take them as printed).

import type { Results, Row } from "./results.ts";

/** Formats a figure with about three significant digits. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

function spread(row: Row): string {
  if (row.rounds.length < 2) return "";
  const min = Math.min(...row.rounds);
  const max = Math.max(...row.rounds);
  return `${fmt(min)} – ${fmt(max)}`;
}

/** The whole report: one table per section, then ratios and targets. */
export function render(results: Results): string {
  const out: string[] = [];
  const heading = (section: string, fs: string) =>
    fs === "" ? section : `${section}, on ${fs}`;
  const sections = [
    ...new Set(results.rows.map((row) => heading(row.section, row.fs))),
  ];
  for (const section of sections) {
    const rows = results.rows.filter((row) =>
      heading(row.section, row.fs) === section
    );
    out.push(`### ${section}`, "");
    out.push(table(
      ["case", "contender", "median", "unit", "range (rounds)", "n", "notes"],
      rows.map((row) => [
        row.case,
        row.contender,
        fmt(row.value),
        row.unit,
        spread(row),
        String(row.rounds.length),
        row.extra ?? "",
      ]),
    ));
    out.push("");
  }
  if (results.ratios.length > 0) {
    out.push("### Ratios (median of per-round ratios, side by side)", "");
    out.push(table(
      ["section", "ratio", "median", "range (rounds)"],
      results.ratios.map((ratio) => [
        heading(ratio.section, ratio.fs),
        ratio.name,
        `${fmt(ratio.value)}x`,
        ratio.rounds.length < 2
          ? ""
          : `${fmt(Math.min(...ratio.rounds))} – ${
            fmt(Math.max(...ratio.rounds))
          }`,
      ]),
    ));
    out.push("");
  }
  if (results.targets.length > 0) {
    out.push("### Targets", "");
    out.push(table(
      ["target", "measured", "goal", "verdict", "basis"],
      results.targets.map((target) => [
        target.name,
        Number.isNaN(target.value)
          ? "n/a"
          : `${fmt(target.value)}${target.unit}`,
        `${target.comparison} ${fmt(target.threshold)}${target.unit}`,
        target.verdict,
        target.basis,
      ]),
    ));
    out.push("");
  }
  if (results.notes.length > 0) {
    out.push("### Notes", "");
    for (const note of results.notes) out.push(`- ${note}`);
    out.push("");
  }
  return out.join("\n");
}
