// Consumers as users run them: a permission-scoped process, a sandboxed
// Worker, and a consumer killed while it holds a checkout.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { listCheckoutsUnsafe } from "../../expert.ts";
import { lines, runDeno, scopedTo, startDeno } from "../_helpers/children.ts";
import { watchUntil } from "../_helpers/fs_watch.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

Deno.test("consumers: a process with only --allow-read/--allow-write=SPOOL moves entries on", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["in", "out"] });
  const names: string[] = [];
  for (let i = 0; i < 20; i++) {
    names.push((await spool.enqueue("in", { i }, new Uint8Array())).name);
  }
  const result = await runDeno([
    "run",
    "--quiet",
    "--no-prompt",
    ...scopedTo(dir),
    "examples/consumer.ts",
    dir,
    "in",
    "out",
    "--until-empty",
  ]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const out = lines(result.stdout);
  assert.equal(out.at(-1), "moved 20 entries");
  assert.deepEqual(out.slice(0, -1).map((l) => l.split(" ")[0]), names);
  assert.deepEqual((await spool.list("out")).map((e) => e.name), names);
});

Deno.test("consumers: a waiting consumer process stops cleanly on SIGTERM", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["in", "out"] });
  const consumer = startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    "examples/consumer.ts",
    dir,
    "in",
    "out",
  ]);
  const entry = await spool.enqueue("in", "x", new Uint8Array());
  // It prints a line as it handles the entry, then saves it.
  await consumer.line((l) => l.startsWith(entry.name), "the entry handled");
  const result = await consumer.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(lines(result.stdout), [
    `${entry.name} in -> out "x"`,
    "moved 1 entries",
  ]);
  // The handler's save finished before the process ended.
  assert.deepEqual((await spool.list("out")).map((e) => e.name), [entry.name]);
});

Deno.test("consumers: a Worker allowed only the spool consumes a queue", async () => {
  const result = await runDeno([
    "run",
    "--quiet",
    "--unstable-worker-options",
    "--allow-read",
    "--allow-write",
    "examples/scoped_worker.ts",
  ]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.match(result.stdout, /all 100 jobs arrived in done/);
  assert.match(
    result.stdout,
    /worker: cannot read \/etc\/hostname: NotCapable/,
  );
  assert.match(result.stdout, /worker: handled 100 jobs/);
});

Deno.test("consumers: a consumer killed while holding an entry leaves it checked out", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const entry = await spool.enqueue("q", { job: 1 }, new Uint8Array([1]));
  const holder = startDeno([
    "run",
    "--quiet",
    ...scopedTo(dir),
    "tests/processes/fixtures/hold_checkout.ts",
    dir,
  ]);
  // It prints the entry's name once it holds it.
  await holder.line((l) => l === entry.name, "the entry checked out");
  assert.equal((await listCheckoutsUnsafe(spool, "q")).length, 1);
  // A long job touching its checkout keeps it young.
  const path = `${dir}/q/.checkout/${entry.name}`;
  const old = new Date(Date.now() - 3_600_000);
  Deno.utimeSync(path, old, old);
  await watchUntil(
    [`${dir}/q/.checkout`],
    () => Deno.statSync(path).mtime!.getTime() > old.getTime(),
    "the holder to touch its checkout",
  );
  const result = await holder.stop("SIGKILL");
  assert.deepEqual(lines(result.stdout), [entry.name]);
  // Nothing is lost: the entry waits in .checkout/ for the monitor and
  // repair, with its data.
  assert.deepEqual(await spool.list("q"), []);
  const stuck = await listCheckoutsUnsafe(spool, "q");
  assert.deepEqual(stuck.map((e) => [e.name, e.metadata]), [[entry.name, {
    job: 1,
  }]]);
  assert.deepEqual(await stuck[0].dataFile.load(), new Uint8Array([1]));
});
