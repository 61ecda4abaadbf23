// The power-cut model's modification times: a delayed entry is due at its
// file's mtime, so a recovered state must bring back only times that a
// journaling file system could: a touch is kept once a later change to the
// file's names survived, is an open question until then (a flush of the
// contents does not settle it), and never survives without the earlier
// changes to the file's names.

import assert from "node:assert/strict";
import {
  type Op,
  type Outcome,
  PowerCut,
  random,
  RecordingFs,
} from "../_helpers/power_cut.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

/** A due time well in the future, fixed so that failures replay. */
const T = Date.UTC(2100, 0, 1);

/** The modification time (ms) of every file of a recovered state. */
function recoveredTimes(
  model: PowerCut,
  cut: number,
  outcome: Outcome,
): Map<string, number> {
  const dir = Deno.makeTempDirSync({ prefix: "power-cut-model-" });
  try {
    model.materialize(dir, cut, outcome);
    const times = new Map<string, number>();
    const walk = (rel: string) => {
      for (const item of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
        const path = rel ? `${rel}/${item.name}` : item.name;
        if (item.isDirectory) walk(path);
        else times.set(path, Deno.statSync(`${dir}/${path}`).mtime!.getTime());
      }
    };
    walk("");
    return times;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The time the last recorded write of `path` left on the file. */
function writeTime(ops: Op[], path: string): number {
  const op = ops.findLast((op) => op.kind === "write" && op.path === path);
  if (op?.kind !== "write") throw new Error(`no write of ${path} recorded`);
  return op.mtime;
}

/** Every cut point with the extremes and a few seeded random states. */
function* everyState(model: PowerCut): Generator<[number, Outcome, string]> {
  const rng = random(1);
  for (let cut = 0; cut <= model.length; cut++) {
    yield [cut, "least", `cut ${cut}, least`];
    yield [cut, "most", `cut ${cut}, most`];
    for (let i = 0; i < 8; i++) yield [cut, rng, `cut ${cut}, sample ${i}`];
  }
}

Deno.test("power cut model: files there from the start keep their times", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/q`);
  Deno.writeTextFileSync(`${tmp.path}/q/e`, "{}");
  const then = new Date(Date.UTC(2001, 0, 1));
  Deno.utimeSync(`${tmp.path}/q/e`, then, then);
  const fs = new RecordingFs(tmp.path);
  assert.equal(fs.initial.mtimes.get("q/e"), then.getTime());
  const model = new PowerCut(fs.initial, fs.ops);
  for (const outcome of ["least", "most"] as const) {
    assert.equal(recoveredTimes(model, 0, outcome).get("q/e"), then.getTime());
  }
});

Deno.test("power cut model: a touch survives with the rename that follows it", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/.tmp`);
  Deno.mkdirSync(`${tmp.path}/q`);
  const fs = new RecordingFs(tmp.path);
  await fs.writeFile(`${tmp.path}/.tmp/e`, "{}", { createNew: true });
  await fs.syncFile(`${tmp.path}/.tmp/e`);
  fs.touch(`${tmp.path}/.tmp/e`, new Date(T));
  fs.rename(`${tmp.path}/.tmp/e`, `${tmp.path}/q/e`);
  await fs.syncDir(`${tmp.path}/q`);
  const written = writeTime(fs.ops, ".tmp/e");
  assert.notEqual(written, T);
  const model = new PowerCut(fs.initial, fs.ops);
  let renamed = 0;
  let lostBeforeRename = 0;
  for (const [cut, outcome, label] of everyState(model)) {
    const times = recoveredTimes(model, cut, outcome);
    if (times.has("q/e")) {
      renamed++;
      assert.equal(times.get("q/e"), T, label);
    }
    if (times.get(".tmp/e") === written) lostBeforeRename++;
  }
  // The check saw the renamed file, and states where the touch was lost.
  assert.ok(renamed > 0);
  assert.ok(lostBeforeRename > 0);
  // Once the queue is flushed, even the least state has it, due at T.
  assert.equal(recoveredTimes(model, model.length, "least").get("q/e"), T);
});

Deno.test("power cut model: a touch nothing follows is lost at least and kept at most", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/q`);
  const fs = new RecordingFs(tmp.path);
  await fs.writeFile(`${tmp.path}/q/e`, "{}", { createNew: true });
  await fs.syncFile(`${tmp.path}/q/e`);
  await fs.syncDir(`${tmp.path}/q`);
  fs.touch(`${tmp.path}/q/e`, new Date(T));
  const model = new PowerCut(fs.initial, fs.ops);
  const end = model.length;
  assert.equal(
    recoveredTimes(model, end, "least").get("q/e"),
    writeTime(fs.ops, "q/e"),
  );
  assert.equal(recoveredTimes(model, end, "most").get("q/e"), T);
});

Deno.test("power cut model: flushing the contents does not make a touch durable", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/q`);
  const fs = new RecordingFs(tmp.path);
  await fs.writeFile(`${tmp.path}/q/e`, "{}", { createNew: true });
  await fs.syncDir(`${tmp.path}/q`);
  fs.touch(`${tmp.path}/q/e`, new Date(T));
  await fs.syncFile(`${tmp.path}/q/e`);
  const model = new PowerCut(fs.initial, fs.ops);
  const end = model.length;
  assert.equal(
    recoveredTimes(model, end, "least").get("q/e"),
    writeTime(fs.ops, "q/e"),
  );
  assert.equal(recoveredTimes(model, end, "most").get("q/e"), T);
});

Deno.test("power cut model: a touch never survives without the rename before it", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/q`);
  Deno.mkdirSync(`${tmp.path}/r`);
  const fs = new RecordingFs(tmp.path);
  await fs.writeFile(`${tmp.path}/q/e`, "{}", { createNew: true });
  await fs.syncFile(`${tmp.path}/q/e`);
  await fs.syncDir(`${tmp.path}/q`);
  fs.rename(`${tmp.path}/q/e`, `${tmp.path}/r/e`);
  fs.touch(`${tmp.path}/r/e`, new Date(T));
  const written = writeTime(fs.ops, "q/e");
  const model = new PowerCut(fs.initial, fs.ops);
  const seen = new Set<string>();
  const rng = random(2);
  const outcomes: [Outcome, string][] = [["least", "least"], ["most", "most"]];
  for (let i = 0; i < 20; i++) outcomes.push([rng, `sample ${i}`]);
  for (const [outcome, label] of outcomes) {
    const times = recoveredTimes(model, model.length, outcome);
    // The file is in one place: where it was, with its old time, or renamed.
    assert.equal(times.size, 1, label);
    const [[path, time]] = times;
    assert.ok(path === "r/e" || time === written, `${label}: ${path}`);
    seen.add(`${path} ${time === T ? "touched" : "not touched"}`);
  }
  // Every state the rule allows came up.
  assert.deepEqual([...seen].sort(), [
    "q/e not touched",
    "r/e not touched",
    "r/e touched",
  ]);
});

Deno.test("power cut model: a write after a touch sets the time again", async () => {
  await using tmp = await tempDir();
  Deno.mkdirSync(`${tmp.path}/q`);
  Deno.writeTextFileSync(`${tmp.path}/q/e`, "{}");
  const fs = new RecordingFs(tmp.path);
  fs.touch(`${tmp.path}/q/e`, new Date(T));
  await fs.writeFile(`${tmp.path}/q/e`, '{"n":1}', { createNew: false });
  await fs.syncFile(`${tmp.path}/q/e`);
  const written = writeTime(fs.ops, "q/e");
  assert.notEqual(written, T);
  const model = new PowerCut(fs.initial, fs.ops);
  for (const outcome of ["least", "most"] as const) {
    assert.equal(
      recoveredTimes(model, model.length, outcome).get("q/e"),
      written,
      outcome,
    );
  }
});
