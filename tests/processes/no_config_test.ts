// A program can import the entry points by path or URL, without this
// package's deno.json (and its import map) in the way.

import assert from "node:assert/strict";
import { ROOT } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

Deno.test("entry points load by URL with --no-config, from outside the repository", async () => {
  await using dir = await tempDir();
  const script = `${dir.path}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { Spool, ulidNames } from "file://${ROOT}/mod.ts";
import { Monitor } from "file://${ROOT}/monitor.ts";
import { checkout } from "file://${ROOT}/expert.ts";
import { main } from "file://${ROOT}/cli/main.ts";
const name: string = ulidNames().next("x-", 0);
console.log(typeof Spool.create, typeof Monitor.create, typeof checkout,
  typeof main, name.length);
`,
  );
  for (const command of ["check", "run"]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [command, "--no-config", "--quiet", script],
      cwd: dir.path,
      env: { NO_COLOR: "1" },
    }).output();
    const decoder = new TextDecoder();
    assert.equal(code, 0, `deno ${command}: ${decoder.decode(stderr)}`);
    if (command === "run") {
      assert.equal(
        decoder.decode(stdout),
        "function function function function 28\n",
      );
    }
  }
});
