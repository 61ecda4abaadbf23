// The results part of BENCHMARKS.md, made from a run's JSON: the run (when,
// where, which sections), one table per section (a row per case, a column
// per contender), its ratios, and the targets the run missed. The JSON is
// the one a run writes to bench/results/latest.json, copied to
// bench/published/latest.json when its figures are published:
//
//   cp bench/results/latest.json bench/published/latest.json
//   deno task docs:bench
//
// The task then lets `deno fmt` format the JSON and wrap the lines; so the test,
// tests/unit/benchmarks_doc_test.ts, compares the two with runs of white
// space made one (`sameText`), and fails when BENCHMARKS.md and the JSON
// differ.

import { fmt } from "./report.ts";
import type { Ratio, Row, Target } from "./results.ts";

/** What this renderer reads of a run's JSON. */
export interface PublishedRun {
  mode: "full" | "quick";
  startedAt: string;
  wallSeconds: number;
  machine: {
    cpu: string;
    nproc: number;
    ramGiB: number;
    kernel: string;
    deno: string;
  };
  rows: Row[];
  ratios: Ratio[];
  targets: Target[];
  notes: string[];
}

/** The published run, relative to the repository's root. */
export const PUBLISHED_JSON = "bench/published/latest.json";
/** The file whose results part is generated. */
export const BENCHMARKS_MD = "BENCHMARKS.md";
/** The markers around the generated part. */
export const BEGIN = "<!-- results: made by deno task docs:bench -->";
export const END = "<!-- end of results -->";

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** A Markdown table as `deno fmt` writes it: text left, figures right. */
function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) =>
    Math.max(3, h.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) =>
        right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])
      )
        .join(" | ")
    } |`;
  const rule = `| ${
    widths.map((w, i) => right[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))
      .join(" | ")
  } |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function roundsSaid(rows: Row[]): string {
  const counts = unique(rows.map((row) => row.rounds.length));
  if (counts.length !== 1) return "median of the rounds";
  return counts[0] === 1 ? "one round" : `median of ${counts[0]} rounds`;
}

/** One section on one file system: cases down, contenders across. */
function sectionTable(rows: Row[]): string {
  const contenders = unique(rows.map((row) => row.contender));
  const cases = unique(rows.map((row) => row.case));
  const unitOf = (contender: string) => {
    const units = unique(
      rows.filter((row) => row.contender === contender).map((row) => row.unit),
    );
    return units.length === 1 ? units[0] : undefined;
  };
  const header = [
    "case",
    ...contenders.map((c) => {
      const unit = unitOf(c);
      return cell(unit === undefined ? c : `${c} (${unit})`);
    }),
  ];
  const body = cases.map((caseName) => [
    cell(caseName),
    ...contenders.map((contender) => {
      const row = rows.find((r) =>
        r.case === caseName && r.contender === contender
      );
      if (row === undefined) return "";
      const unit = unitOf(contender) === undefined ? ` ${row.unit}` : "";
      const extra = row.extra === undefined ? "" : ` ${row.extra}`;
      return cell(`${fmt(row.value)}${unit}${extra}`);
    }),
  ]);
  return table(header, body, [false, ...contenders.map(() => true)]);
}

function ratioLine(ratio: Ratio): string {
  const range = ratio.rounds.length < 2
    ? ""
    : ` (rounds ${fmt(Math.min(...ratio.rounds))}-${
      fmt(Math.max(...ratio.rounds))
    })`;
  return `${ratio.name}: ${fmt(ratio.value)}x${range}`;
}

function targetLine(target: Target): string {
  const unit = target.unit === "x" ? "x" : ` ${target.unit}`;
  return `${target.name}: ${
    fmt(target.value)
  }${unit} (goal ${target.comparison} ${fmt(target.threshold)}${unit})`;
}

/** The generated part of BENCHMARKS.md, markers included. */
export function resultsMarkdown(run: PublishedRun): string {
  const out: string[] = [BEGIN, ""];
  const started = run.startedAt.replace(/(\.\d+)?Z$/, "").replace("T", " ");
  const sections = unique(run.rows.map((row) => row.section));
  const { machine } = run;
  out.push(
    `Run of ${started} UTC (${run.mode}, ${
      Math.round(run.wallSeconds / 60)
    } minutes), ` +
      `sections: ${sections.join("; ")}. ` +
      `Machine: ${machine.cpu}, ${machine.nproc} CPUs, ${machine.ramGiB} GiB, ` +
      `Linux ${machine.kernel}, Deno ${machine.deno}.`,
    "",
  );
  for (const note of run.notes) out.push(`- ${note}`);
  if (run.notes.length > 0) out.push("");
  const headings = unique(run.rows.map((row) => `${row.section}|${row.fs}`));
  for (const key of headings) {
    const rows = run.rows.filter((row) => `${row.section}|${row.fs}` === key);
    const [{ section, fs }] = rows;
    out.push(
      `### ${section}`,
      "",
      `On ${fs}; ${roundsSaid(rows)}.`,
      "",
      sectionTable(rows),
      "",
    );
    const ratios = run.ratios.filter((r) =>
      r.section === section && r.fs === fs
    );
    if (ratios.length > 0) {
      out.push(
        `Ratios, median of per-round ratios: ${
          ratios.map(ratioLine).join("; ")
        }.`,
        "",
      );
    }
  }
  const judged = run.targets.filter((t) => t.verdict !== "n/a");
  const missed = judged.filter((t) => t.verdict === "MISS");
  out.push(
    `### Targets`,
    "",
    `${judged.length - missed.length} of ${judged.length} met.` +
      (missed.length === 0 ? "" : " Missed:"),
    "",
  );
  for (const target of missed) out.push(`- ${targetLine(target)}`);
  if (missed.length > 0) out.push("");
  out.push(END);
  return out.join("\n");
}

/** Whether two texts differ only in their runs of white space. */
export function sameText(a: string, b: string): boolean {
  const squeeze = (text: string) => text.replace(/\s+/g, " ").trim();
  return squeeze(a) === squeeze(b);
}

/** The generated part of `markdown`, markers included. */
export function resultsPart(markdown: string): string {
  const begin = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (begin === -1 || end < begin) {
    throw new Error(`${BENCHMARKS_MD} has no results markers (${BEGIN})`);
  }
  return markdown.slice(begin, end + END.length);
}

/** BENCHMARKS.md with its generated part made from `run`. */
export function withResults(markdown: string, run: PublishedRun): string {
  const part = resultsPart(markdown);
  return markdown.replace(part, () => resultsMarkdown(run));
}

if (import.meta.main) {
  const run = JSON.parse(
    await Deno.readTextFile(PUBLISHED_JSON),
  ) as PublishedRun;
  const markdown = await Deno.readTextFile(BENCHMARKS_MD);
  await Deno.writeTextFile(BENCHMARKS_MD, withResults(markdown, run));
  console.log(`wrote the results of ${PUBLISHED_JSON} into ${BENCHMARKS_MD}`);
}
