// The README's API snippets follow on from one another: each alone would
// not type-check, so the doc tests skip them (`ts ignore`) and this test
// checks them together, as one program, against the package's code.

import assert from "node:assert/strict";
import { ROOT } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/** The TypeScript blocks of "The API by task", in order. */
async function apiSnippets(): Promise<string[]> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const start = readme.indexOf("### Describe a spool");
  const end = readme.indexOf("## Operating a spool", start);
  assert.ok(start >= 0 && end > start, "the API section is in the README");
  const section = readme.slice(start, end);
  return [...section.matchAll(/```ts(?: ignore)?\n([\s\S]*?)```/g)].map((m) =>
    m[1]
  );
}

Deno.test("README: the API snippets type-check together", async () => {
  const snippets = await apiSnippets();
  assert.ok(snippets.length >= 5, `${snippets.length} snippets`);
  // The package's own name, as a user imports it, points at this checkout.
  const program = snippets.join("\n").replaceAll(
    /"@multispool\/multispool(\/[a-z]+)?"/g,
    (_, entry?: string) =>
      JSON.stringify(
        `${ROOT}/${entry === undefined ? "mod" : entry.slice(1)}.ts`,
      ),
  );
  await using dir = await tempDir();
  const file = `${dir.path}/readme_snippets.ts`;
  await Deno.writeTextFile(file, program);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", `${ROOT}/deno.json`, file],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
});
