// docs/cli.md is the command's help, word for word: it is made from it and
// must be made again when a help text changes.

import assert from "node:assert/strict";
import { reference } from "../../cli/reference.ts";

Deno.test("docs/cli.md is the commands' --help (deno task docs:cli makes it)", async () => {
  const written = await Deno.readTextFile(
    new URL("../../docs/cli.md", import.meta.url),
  );
  assert.ok(
    written === reference(),
    "docs/cli.md differs from the commands' --help: run deno task docs:cli",
  );
});
