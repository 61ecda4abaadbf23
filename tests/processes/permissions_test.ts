// The library needs nothing but read and write access to the spool.

import assert from "node:assert/strict";
import { runDeno, scopedTo } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

Deno.test("permissions: every core operation runs with only --allow-read/--allow-write=SPOOL", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = `${dir}/spool`;
  const result = await runDeno([
    "run",
    "--quiet",
    "--no-prompt",
    ...scopedTo(spool),
    "tests/processes/fixtures/scoped_life.ts",
    spool,
  ]);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "ok\n");
  assert.equal(result.code, 0);
});

Deno.test("permissions: a missing grant is a PermissionError naming the flag", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/spool/.registry`, { recursive: true });
  for (const d of [".tmp", ".data", "q", "q/.checkout"]) {
    await Deno.mkdir(`${dir}/spool/${d}`);
  }
  const probe = "tests/processes/fixtures/permission_probe.ts";
  const spool = `${dir}/spool`;
  const noRead = await runDeno(["run", "--no-prompt", probe, "read", spool]);
  assert.equal(noRead.stderr, "");
  assert.match(
    noRead.stdout,
    /^load spool\|Cannot load spool at .*: Deno permission denied .*--allow-read/,
  );
  const readOnly = await runDeno([
    "run",
    "--no-prompt",
    `--allow-read=${spool}`,
    probe,
    "write",
    spool,
  ]);
  assert.equal(readOnly.stderr, "");
  assert.match(
    readOnly.stdout,
    /^reserve name\|Cannot reserve name at ".*\/\.registry\/.*--allow-write/,
  );
});
