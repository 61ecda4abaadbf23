// BENCHMARKS.md's results are made from bench/published/latest.json and
// must be made again when it changes (`deno task docs:bench`).

import assert from "node:assert/strict";
import {
  type PublishedRun,
  resultsMarkdown,
  resultsPart,
  sameText,
} from "../../bench/lib/results_markdown.ts";

const root = new URL("../../", import.meta.url);

Deno.test("BENCHMARKS.md's results are bench/published/latest.json (deno task docs:bench makes them)", async () => {
  const run = JSON.parse(
    await Deno.readTextFile(new URL("bench/published/latest.json", root)),
  ) as PublishedRun;
  const written = await Deno.readTextFile(new URL("BENCHMARKS.md", root));
  assert.ok(
    sameText(resultsPart(written), resultsMarkdown(run)),
    "BENCHMARKS.md's results differ from bench/published/latest.json: run deno task docs:bench",
  );
});

Deno.test("the results part of BENCHMARKS.md names every section and contender of the run", async () => {
  const run = JSON.parse(
    await Deno.readTextFile(new URL("bench/published/latest.json", root)),
  ) as PublishedRun;
  const part = resultsMarkdown(run);
  for (const row of run.rows) {
    assert.ok(part.includes(`### ${row.section}`), row.section);
    assert.ok(part.includes(row.contender), row.contender);
    assert.ok(part.includes(row.case), row.case);
  }
});
