// The power-cut model itself (tests/_helpers/power_cut.ts).
//
// Flushes: a flush makes durable only what was recorded before it started,
// of the file its path named then.
//
// Unflushed contents: a file whose last write was not flushed comes back
// empty, as last flushed, cut in half, whole, or torn at 4 KiB blocks, and
// random states replay from their seed, cut and sample number.
//
// Modification times: a delayed entry is due at its file's mtime, so a
// recovered state must bring back only times that a journaling file system
// could: a touch is kept once a later change to the file's names survived,
// is an open question until then (a flush of the contents does not settle
// it), and never survives without the earlier changes to the file's names.

import assert from "node:assert/strict";
import {
  BLOCK,
  fingerprint,
  type Op,
  type Outcome,
  PowerCut,
  random,
  RecordingFs,
  sample,
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

/** A recording in `root`, once its directories `dirs` are made. */
function recordingIn(root: string, ...dirs: string[]): RecordingFs {
  for (const dir of dirs) Deno.mkdirSync(`${root}/${dir}`);
  return new RecordingFs(root);
}

/** A recording in `root` whose first act creates q/e, holding `{}`. */
async function creatingQE(root: string): Promise<RecordingFs> {
  const fs = recordingIn(root, "q");
  await fs.writeFile(`${root}/q/e`, "{}", { createNew: true });
  return fs;
}

/**
 * After all `fs` recorded, a touch of q/e to T is still an open question:
 * lost in the least state (q/e has its write's time), kept in the most.
 */
function assertTouchUnsettled(fs: RecordingFs): void {
  const model = new PowerCut(fs.initial, fs.ops);
  const end = model.length;
  assert.equal(
    recoveredTimes(model, end, "least").get("q/e"),
    writeTime(fs.ops, "q/e"),
  );
  assert.equal(recoveredTimes(model, end, "most").get("q/e"), T);
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
  const fs = recordingIn(tmp.path, ".tmp", "q");
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
  const fs = await creatingQE(tmp.path);
  await fs.syncFile(`${tmp.path}/q/e`);
  await fs.syncDir(`${tmp.path}/q`);
  fs.touch(`${tmp.path}/q/e`, new Date(T));
  assertTouchUnsettled(fs);
});

Deno.test("power cut model: flushing the contents does not make a touch durable", async () => {
  await using tmp = await tempDir();
  const fs = await creatingQE(tmp.path);
  await fs.syncDir(`${tmp.path}/q`);
  fs.touch(`${tmp.path}/q/e`, new Date(T));
  await fs.syncFile(`${tmp.path}/q/e`);
  assertTouchUnsettled(fs);
});

Deno.test("power cut model: a touch never survives without the rename before it", async () => {
  await using tmp = await tempDir();
  const fs = recordingIn(tmp.path, "q", "r");
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

/** The paths and contents (as text) of a recovered state. */
function recoveredTexts(
  model: PowerCut,
  cut: number,
  outcome: Outcome,
): Map<string, string> {
  const decoder = new TextDecoder();
  return new Map(
    model.recover(cut, outcome).files.map((
      f,
    ) => [f.path, decoder.decode(f.content)]),
  );
}

/** The least recovered state after all `fs` recorded, as text. */
function leastAtEnd(fs: RecordingFs): Map<string, string> {
  return recoveredTexts(
    new PowerCut(fs.initial, fs.ops),
    fs.ops.length,
    "least",
  );
}

Deno.test("power cut model: a directory flush covers only the changes made before it started", async () => {
  await using tmp = await tempDir();
  const fs = recordingIn(tmp.path, ".tmp", "q");
  await fs.writeFile(`${tmp.path}/.tmp/a`, "a", { createNew: true });
  await fs.writeFile(`${tmp.path}/.tmp/b`, "b", { createNew: true });
  await fs.syncFile(`${tmp.path}/.tmp/a`);
  await fs.syncFile(`${tmp.path}/.tmp/b`);
  await fs.syncDir(`${tmp.path}/.tmp`);
  fs.rename(`${tmp.path}/.tmp/a`, `${tmp.path}/q/a`);
  const flush = fs.syncDir(`${tmp.path}/q`);
  // While the flush is in flight (it cannot have ended: nothing awaited).
  fs.rename(`${tmp.path}/.tmp/b`, `${tmp.path}/q/b`);
  await flush;
  const end = fs.ops.length;
  const op = fs.ops.at(-1)!;
  assert.equal(op.kind, "syncDir");
  // Recorded when it ended, started before the second rename.
  assert.ok(
    op.kind === "syncDir" && op.started === end - 2,
    JSON.stringify(op),
  );
  const model = new PowerCut(fs.initial, fs.ops);
  const least = recoveredTexts(model, end, "least");
  assert.equal(least.get("q/a"), "a");
  assert.equal(least.get(".tmp/b"), "b");
  assert.ok(!least.has("q/b"));
  // Credited at its end (the model before), it would have kept both.
  const atEnd = fs.ops.map((op, i) =>
    op.kind === "syncDir" ? { ...op, started: i } : op
  );
  const old = recoveredTexts(new PowerCut(fs.initial, atEnd), end, "least");
  assert.equal(old.get("q/b"), "b");
  // A flush that starts later covers it.
  await fs.syncDir(`${tmp.path}/q`);
  assert.equal(leastAtEnd(fs).get("q/b"), "b");
});

Deno.test("power cut model: a file flush covers the writes before it started, of the file its path named then", async () => {
  await using tmp = await tempDir();
  const fs = recordingIn(tmp.path, "q");
  await fs.writeFile(`${tmp.path}/q/e`, "first", { createNew: true });
  await fs.syncDir(`${tmp.path}/q`);
  const flush = fs.syncFile(`${tmp.path}/q/e`);
  await fs.writeFile(`${tmp.path}/q/e`, "second", { createNew: false });
  await flush;
  const model = new PowerCut(fs.initial, fs.ops);
  // The second write came while the flush was in flight: not covered.
  assert.ok(
    ["", "first"].includes(
      recoveredTexts(model, fs.ops.length, "least").get("q/e")!,
    ),
  );
  assert.equal(
    recoveredTexts(model, fs.ops.length, "most").get("q/e"),
    "second",
  );
  // A file renamed over the path while the flush is in flight is not the
  // file it flushes.
  await fs.writeFile(`${tmp.path}/q/f`, "old", { createNew: true });
  await fs.writeFile(`${tmp.path}/q/g`, "new", { createNew: true });
  await fs.syncDir(`${tmp.path}/q`);
  const flushF = fs.syncFile(`${tmp.path}/q/f`);
  fs.rename(`${tmp.path}/q/g`, `${tmp.path}/q/f`);
  await flushF;
  await fs.syncDir(`${tmp.path}/q`);
  assert.equal(leastAtEnd(fs).get("q/f"), "");
});

/** A payload of `size` bytes, its bytes depending on `n`. */
const pattern = (n: number, size: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 13 + n * 101 + 1) & 0xff);

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

Deno.test("power cut model: an unflushed file comes back torn at 4 KiB blocks, a flushed one whole", async () => {
  await using tmp = await tempDir();
  const fs = recordingIn(tmp.path, "q");
  const v1 = pattern(1, 3 * BLOCK + 500);
  const v2 = pattern(2, 4 * BLOCK + 100);
  const kept = pattern(3, 2 * BLOCK + 7);
  await fs.writeFile(`${tmp.path}/q/e`, v1, { createNew: true });
  await fs.writeFile(`${tmp.path}/q/kept`, kept, { createNew: true });
  await fs.syncFile(`${tmp.path}/q/e`);
  await fs.syncFile(`${tmp.path}/q/kept`);
  await fs.syncDir(`${tmp.path}/q`);
  await fs.writeFile(`${tmp.path}/q/e`, v2, { createNew: false });
  const model = new PowerCut(fs.initial, fs.ops);
  const cut = model.length;
  const zero = new Uint8Array(BLOCK);
  const block = (bytes: Uint8Array, i: number, size: number) => {
    const out = new Uint8Array(Math.min(BLOCK, size - i * BLOCK));
    out.set(bytes.subarray(i * BLOCK, i * BLOCK + out.length));
    return out;
  };
  const seen = new Set<string>();
  for (let n = 0; n < 400; n++) {
    const state = model.recover(cut, sample(1, cut, n));
    const label = `cut ${cut}, seed 1, sample ${n}`;
    const file = (path: string) =>
      state.files.find((f) => f.path === path)!.content;
    assert.ok(same(file("q/kept"), kept), label);
    const e = file("q/e");
    if (e.length === 0) seen.add("empty");
    else if (same(e, v1)) seen.add("as last flushed");
    else if (same(e, v2.subarray(0, v2.length >> 1))) seen.add("half");
    else if (same(e, v2)) seen.add("whole");
    else if (e.length < v2.length) {
      // Cut short at a block boundary, what is left being new.
      assert.equal(e.length % BLOCK, 0, label);
      assert.ok(same(e, v2.subarray(0, e.length)), label);
      seen.add("cut at a block boundary");
    } else {
      assert.equal(e.length, v2.length, label);
      const kinds: string[] = [];
      for (let i = 0; i * BLOCK < e.length; i++) {
        const got = block(e, i, e.length);
        kinds.push(
          same(got, block(v2, i, v2.length))
            ? "new"
            : same(got, block(v1, i, v2.length))
            ? "stale"
            : same(got, zero.subarray(0, got.length))
            ? "zeroed"
            : "garbage",
        );
      }
      for (const kind of kinds) seen.add(`${kind} block`);
      const garbageFrom = kinds.indexOf("garbage");
      if (
        garbageFrom > 0 &&
        kinds.slice(garbageFrom).every((k) => k === "garbage") &&
        kinds.slice(0, garbageFrom).every((k) => k === "new")
      ) seen.add("garbage tail");
    }
  }
  assert.deepEqual([...seen].sort(), [
    "as last flushed",
    "cut at a block boundary",
    "empty",
    "garbage block",
    "garbage tail",
    "half",
    "new block",
    "stale block",
    "whole",
    "zeroed block",
  ]);
  // The extremes: empty at least, whole at most.
  assert.equal(
    model.recover(cut, "least").files.find((f) => f.path === "q/e")!.content
      .length,
    0,
  );
  assert.ok(
    same(
      model.recover(cut, "most").files.find((f) => f.path === "q/e")!.content,
      v2,
    ),
  );
  // Flushed (a flush that started after the write), it comes back whole.
  await fs.syncFile(`${tmp.path}/q/e`);
  const flushed = new PowerCut(fs.initial, fs.ops);
  for (let n = 0; n < 50; n++) {
    const state = flushed.recover(flushed.length, sample(1, flushed.length, n));
    assert.ok(
      same(state.files.find((f) => f.path === "q/e")!.content, v2),
      `sample ${n}`,
    );
  }
});

Deno.test("power cut model: a random state replays from its seed, cut and sample number", async () => {
  await using tmp = await tempDir();
  const fs = recordingIn(tmp.path, ".tmp", "q");
  for (const name of ["a", "b", "c"]) {
    await fs.writeFile(
      `${tmp.path}/.tmp/${name}`,
      pattern(name.charCodeAt(0), BLOCK + 9),
      {
        createNew: true,
      },
    );
    fs.rename(`${tmp.path}/.tmp/${name}`, `${tmp.path}/q/${name}`);
  }
  const model = new PowerCut(fs.initial, fs.ops);
  const distinct = new Set<string>();
  for (let cut = 0; cut <= model.length; cut++) {
    for (let n = 0; n < 8; n++) {
      const key = fingerprint(model.recover(cut, sample(7, cut, n)));
      // Drawn again, in another order, with other draws in between.
      model.recover(cut, sample(8, cut, n));
      assert.equal(
        fingerprint(model.recover(cut, sample(7, cut, n))),
        key,
        `cut ${cut}, sample ${n}`,
      );
      distinct.add(key);
    }
  }
  assert.ok(
    distinct.size > 2 * model.length,
    `${distinct.size} distinct states`,
  );
});
