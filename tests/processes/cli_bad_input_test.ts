// The CLI facing bad input: damaged entries and full disks reported in one
// line, and a spool deleted under the monitor daemon.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { runDeno, scopedTo, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { mountTmpfs, umount } from "../_helpers/tmpfs.ts";

Deno.test("bad input: the CLI reports damaged entries and full disks in one line", async (t) => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  await Deno.writeTextFile(`${dir}/q/${entry.name}`, "{broken");
  await Deno.symlink("/etc/hostname", `${dir}/q/evil`);
  const cli = (args: string[], stdin?: string) =>
    runDeno([
      "run",
      "--quiet",
      ...scopedTo(root),
      "cli/main.ts",
      ...args,
    ], { stdin });
  // The CLI does not interpret metadata: damaged text is shown as it is.
  let r = await cli(["show", dir, "q", entry.name]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /metadata: {2}\{broken/);
  r = await cli(["show", dir, "q", "evil"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a regular file/);
  assert.doesNotMatch(r.stdout, /./);

  const mnt = `${root}/mnt`;
  await Deno.mkdir(mnt);
  if (!await mountTmpfs(mnt, "128k")) {
    t.step({ name: "skipped: cannot mount a tmpfs", ignore: true, fn() {} });
    return;
  }
  try {
    await Spool.create(`${mnt}/s`, { queues: ["q"] });
    r = await cli(["enqueue", `${mnt}/s`, "q"], "x".repeat(512 * 1024));
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^multispool enqueue: Cannot enqueue entry .*no space left/,
    );
    assert.deepEqual(
      (await cli(["check", `${mnt}/s`])).code,
      0,
      "nothing half-done is left",
    );
  } finally {
    await umount(mnt);
  }
});

Deno.test("bad input: a spool deleted under the monitor daemon ends it with exit 2", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  await Spool.create(dir, { queues: ["q"] });
  const daemon = startDeno([
    "run",
    "--quiet",
    ...scopedTo(root),
    "cli/main.ts",
    "monitor",
    dir,
    "--check-every",
    "20ms",
    // The stray file is made just now: no grace for work in progress.
    "--work-in-progress",
    "0s",
  ]);
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  // Checks are running: the stray file has been seen three times.
  await daemon.line((l) => l.includes("start orphaned .data/stray"));
  await Deno.remove(dir, { recursive: true });
  const result = await daemon.done();
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /multispool monitor: Cannot .*spool.*: not found/,
  );
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
