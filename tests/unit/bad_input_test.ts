// The catalogue of bad input, against the library: each case gets its typed
// error naming the operation and the path, leaves no file behind, and loses
// nothing acknowledged. (Readers facing a deleted spool or a damaged entry
// are in reader_test.ts; the CLI facing bad input in
// ../processes/cli_bad_input_test.ts, bad CLI arguments in
// ../processes/cli_test.ts.)

import assert from "node:assert/strict";
import {
  type DataCodec,
  DecodeError,
  DiskFullError,
  EncodeError,
  EntryNotFoundError,
  InvalidNameError,
  NotASpoolError,
  PermissionError,
  QueueNotFoundError,
  Spool,
  type SpoolError,
  textData,
} from "../../mod.ts";
import { checkout, listCheckoutsUnsafe, tryCheckout } from "../../expert.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openSpool } from "../../src/spool.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { mountTmpfs, umount } from "../_helpers/tmpfs.ts";
import { emptySpool, tree } from "../_helpers/tree.ts";

Deno.test("bad input: load refuses a missing directory, a file, and a non-spool", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await assert.rejects(
    Spool.load(`${dir}/missing`, { queues: ["q"] }),
    (error: SpoolError) => {
      assert.ok(error instanceof NotASpoolError);
      assert.equal(error.operation, "load spool");
      assert.equal(error.path, `${dir}/missing`);
      assert.match(
        error.message,
        /^Cannot load spool at ".*missing": not found/,
      );
      return true;
    },
  );
  await Deno.writeTextFile(`${dir}/file`, "x");
  await assert.rejects(
    Spool.load(`${dir}/file`, { queues: ["q"] }),
    /not a directory/,
  );
  await assert.rejects(
    Spool.create(`${dir}/file`, { queues: ["q"] }),
    NotASpoolError,
  );
  await Deno.mkdir(`${dir}/empty`);
  await assert.rejects(
    Spool.load(`${dir}/empty`, { queues: ["q"] }),
    /not a spool/,
  );
  assert.deepEqual(tree(`${dir}/empty`), []);
});

Deno.test("bad input: create never scatters files into a non-empty directory", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
  await Deno.mkdir(`${dir}/photos`);
  await assert.rejects(
    Spool.create(dir, { queues: ["q"] }),
    (error: SpoolError) =>
      error instanceof NotASpoolError && /non-empty/.test(error.message),
  );
  await assert.rejects(
    Spool.load(dir, { queues: ["q"] }, { createIfMissing: true }),
    NotASpoolError,
  );
  assert.deepEqual(tree(dir), ["notes.txt = mine", "photos/"]);
});

Deno.test("bad input: missing queue directories, and create adding them", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["a"] });
  await assert.rejects(
    Spool.load(dir, { queues: ["a", "b"] }),
    (error: SpoolError) =>
      error instanceof QueueNotFoundError && error.path === `${dir}/b`,
  );
  await Deno.remove(`${dir}/a/.checkout`);
  await assert.rejects(
    Spool.load(dir, { queues: ["a"] }),
    (error: SpoolError) =>
      error instanceof QueueNotFoundError &&
      error.path === `${dir}/a/.checkout`,
  );
  // create on an existing spool adds what is missing, nothing else.
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  assert.deepEqual(spool.queues, ["a", "b"]);
  assert.deepEqual(tree(dir), emptySpool("a", "b"));
  // A spool missing .tmp or .data is not a spool to load.
  await Deno.remove(`${dir}/.tmp`);
  await assert.rejects(Spool.load(dir, { queues: ["a"] }), NotASpoolError);
});

Deno.test("bad input: invalid queue names are refused before anything is created", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  for (
    const queue of [
      "",
      ".",
      "..",
      ".checkout",
      "../x",
      "a/b",
      "a\0",
      "q".repeat(256),
    ]
  ) {
    await assert.rejects(
      Spool.create(`${dir}/s`, { queues: [queue] }),
      InvalidNameError,
      JSON.stringify(queue),
    );
    assert.throws(
      () => Spool.loadUnsafe(`${dir}/s`, { queues: [queue] }),
      InvalidNameError,
    );
  }
  await assert.rejects(
    Spool.create(`${dir}/s`, { queues: ["a", "a"] }),
    /listed twice/,
  );
  await assert.rejects(
    Spool.create(`${dir}/s`, { queues: ["a"], ioConcurrency: 0 }),
    /ioConcurrency/,
  );
  assert.deepEqual(tree(dir), []);
});

Deno.test("bad input: unknown queues and invalid entry names in operations", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const before = tree(dir);
  const loose = spool as unknown as Spool<string, unknown, Uint8Array>;
  await assert.rejects(
    loose.enqueue("nope", {}, new Uint8Array()),
    QueueNotFoundError,
  );
  await assert.rejects(
    loose.enqueue("../q", {}, new Uint8Array()),
    InvalidNameError,
  );
  await assert.rejects(loose.list("nope"), QueueNotFoundError);
  for (const name of ["", "..", "../../etc/passwd", "a/b", ".checkout"]) {
    const entry = spool.entry("q", name);
    await assert.rejects(checkout(spool, entry), InvalidNameError);
    await assert.rejects(tryCheckout(spool, entry), InvalidNameError);
    await assert.rejects(entry.direct.readMetadata(), InvalidNameError);
    await assert.rejects(entry.direct.writeMetadata({}), InvalidNameError);
    await assert.rejects(entry.direct.remove(), InvalidNameError);
    await assert.rejects(entry.stat(), InvalidNameError);
    assert.throws(() => entry.direct.dataFile(), InvalidNameError);
  }
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  const job = await checkout(spool, entry);
  await assert.rejects(
    job.save("elsewhere" as "q"),
    QueueNotFoundError,
  );
  await job.save("q");
  assert.deepEqual(
    tree(dir).filter((l) => !l.includes(entry.name)),
    before,
  );
});

Deno.test("bad input: entries that are gone", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const ghost = spool.entry("q", "ghost");
  await assert.rejects(
    checkout(spool, ghost),
    (error: SpoolError) =>
      error instanceof EntryNotFoundError &&
      error.operation === "check out entry" &&
      error.path === `${dir}/q/ghost`,
  );
  await assert.rejects(ghost.direct.readMetadata(), EntryNotFoundError);
  await assert.rejects(ghost.direct.writeMetadata({}), EntryNotFoundError);
  await assert.rejects(ghost.direct.remove(), EntryNotFoundError);
  await assert.rejects(ghost.direct.dataFile().load(), EntryNotFoundError);
  await assert.rejects(ghost.direct.dataFile().stat(), EntryNotFoundError);
  await assert.rejects(
    ghost.direct.dataFile().save(new Uint8Array()),
    EntryNotFoundError,
  );
  await assert.rejects(
    new Response(ghost.direct.dataFile().readable()).arrayBuffer(),
    EntryNotFoundError,
  );
  assert.deepEqual(tree(`${dir}/.tmp`), []);

  // A checkout that someone else took away (a repair, say).
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  const job = await checkout(spool, entry);
  await Deno.rename(
    `${dir}/q/.checkout/${entry.name}`,
    `${dir}/q/${entry.name}`,
  );
  await assert.rejects(job.touch(), EntryNotFoundError);
  const job2 = await checkout(spool, entry);
  await Deno.rename(
    `${dir}/q/.checkout/${entry.name}`,
    `${dir}/q/${entry.name}`,
  );
  await assert.rejects(
    job2.update(() => ({ x: 1 })).save("q"),
    EntryNotFoundError,
  );
  await assert.rejects(job2.save("q"), /taken away/);
  // The failed save left no stray file and did not recreate the checkout.
  assert.deepEqual(tree(`${dir}/.tmp`), []);
  assert.deepEqual(tree(`${dir}/q/.checkout`), []);
  // A missing payload is reported, not papered over.
  await Deno.remove(`${dir}/.data/${entry.name}`);
  await assert.rejects(entry.direct.dataFile().load(), EntryNotFoundError);
});

Deno.test("bad input: metadata that cannot be decoded names the file and stays put", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const entry = await spool.enqueue("q", { ok: 1 }, new Uint8Array());
  await Deno.writeTextFile(`${dir}/q/${entry.name}`, '{"ok":');
  await assert.rejects(
    entry.direct.readMetadata(),
    (error: SpoolError) =>
      error instanceof DecodeError && error.path === `${dir}/q/${entry.name}`,
  );
  await assert.rejects(
    checkout(spool, entry),
    (error: SpoolError) =>
      error instanceof DecodeError &&
      error.path === `${dir}/q/.checkout/${entry.name}` &&
      /metadata codec cannot decode/.test(error.message),
  );
  // Put back where it was, for a person or the monitor to deal with.
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [entry.name]);
  await assert.rejects(
    spool.withEntry(entry, () => ({ action: "remove" })),
    DecodeError,
  );
  assert.deepEqual((await spool.list("q")).length, 1);
  assert.deepEqual(await listCheckoutsUnsafe(spool, "q"), []);
});

Deno.test("bad input: codecs that throw give EncodeError/DecodeError and leave nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const brokenData: DataCodec<string> = {
    encode: (value) => {
      if (value === "bad") throw new Error("cannot encode bad");
      return value;
    },
    decode: () => {
      throw new Error("cannot decode anything");
    },
  };
  const spool = await Spool.create(dir, {
    queues: ["q"],
    data: brokenData,
    metadata: {
      encode: (m: number) => {
        if (m < 0) throw new Error("negative");
        return String(m);
      },
      decode: Number,
    },
  });
  const before = tree(dir);
  await assert.rejects(spool.enqueue("q", -1, "ok"), /negative/);
  await assert.rejects(spool.enqueue("q", -1, "ok"), EncodeError);
  await assert.rejects(spool.enqueue("q", 1, "bad"), EncodeError);
  assert.deepEqual(tree(dir), before);
  const entry = await spool.enqueue("q", 1, "good");
  await assert.rejects(
    entry.direct.dataFile().load(),
    (error: SpoolError) =>
      error instanceof DecodeError &&
      error.path === `${dir}/.data/${entry.name}`,
  );
  await assert.rejects(entry.direct.dataFile().save("bad"), EncodeError);
  await assert.rejects(entry.direct.writeMetadata(-5), EncodeError);
  assert.deepEqual(tree(`${dir}/.tmp`), []);
});

Deno.test("bad input: text payloads that are not UTF-8 fail to decode", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"], data: textData });
  const entry = await spool.enqueue("q", {}, "fine");
  await Deno.writeFile(`${dir}/.data/${entry.name}`, new Uint8Array([0xff]));
  await assert.rejects(entry.direct.dataFile().load(), DecodeError);
});

Deno.test("bad input: a full disk gives DiskFullError and the enqueue is undone", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  if (!await mountTmpfs(mnt, "256k")) {
    t.step({
      name: "skipped: cannot mount a tmpfs here",
      ignore: true,
      fn() {},
    });
    return;
  }
  try {
    const spool = await Spool.create(`${mnt}/spool`, { queues: ["q"] });
    const kept = await spool.enqueue("q", { kept: true }, new Uint8Array(10));
    const before = tree(`${mnt}/spool`);
    await assert.rejects(
      spool.enqueue("q", {}, new Uint8Array(1024 * 1024)),
      (error: SpoolError) =>
        error instanceof DiskFullError &&
        error.operation === "enqueue entry" &&
        /no space left/.test(error.message),
    );
    assert.deepEqual(tree(`${mnt}/spool`), before);
    // Streamed payloads too.
    const big = ReadableStream.from(
      Array.from({ length: 64 }, () => new Uint8Array(16 * 1024)),
    );
    await assert.rejects(spool.enqueue("q", {}, big as never), DiskFullError);
    assert.deepEqual(tree(`${mnt}/spool`), before);
    assert.deepEqual(await kept.direct.readMetadata(), { kept: true });
  } finally {
    await umount(mnt);
  }
});

Deno.test("bad input: a file where a queue directory belongs", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["a"] });
  await Deno.writeTextFile(`${dir}/b`, "not a directory");
  for (const open of [Spool.load, Spool.create]) {
    await assert.rejects(
      open(dir, { queues: ["a", "b"] }),
      (error: SpoolError) =>
        error instanceof QueueNotFoundError &&
        /b exists but is not a directory/.test(error.message),
    );
  }
  assert.equal(await Deno.readTextFile(`${dir}/b`), "not a directory");
});

Deno.test("bad input: symbolic links planted in a spool are never followed", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  const secret = `${root}/secret.txt`;
  await Deno.writeTextFile(secret, '{"password":"hunter2"}');
  const spool = await Spool.create(dir, { queues: ["q"], data: textData });
  const entry = await spool.enqueue("q", { ok: true }, "payload");

  // A link in a queue: not listed, refused when named.
  await Deno.symlink(secret, `${dir}/q/evil`);
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [entry.name]);
  const evil = spool.entry("q", "evil");
  await assert.rejects(
    evil.direct.readMetadata(),
    (error: SpoolError) =>
      error instanceof DecodeError &&
      /not a regular file/.test(error.message),
  );
  await assert.rejects(checkout(spool, evil), DecodeError);
  // Put back where it was, still a link, the secret untouched.
  assert.ok(Deno.lstatSync(`${dir}/q/evil`).isSymlink);

  // A payload swapped for a link.
  await Deno.remove(`${dir}/.data/${entry.name}`);
  await Deno.symlink(secret, `${dir}/.data/${entry.name}`);
  await assert.rejects(entry.direct.dataFile().load(), DecodeError);
  await assert.rejects(
    new Response(entry.direct.dataFile().readable()).text(),
    DecodeError,
  );

  // A link planted in .tmp/ does not redirect a write outside the spool.
  await Deno.symlink(secret, `${dir}/.tmp/${entry.name}`);
  await entry.direct.writeMetadata({ ok: false });
  assert.equal(await Deno.readTextFile(secret), '{"password":"hunter2"}');
  assert.deepEqual(await entry.direct.readMetadata(), { ok: false });
  assert.equal(Deno.statSync(secret).isFile, true);
});

Deno.test("bad input: a directory the process may not read gives PermissionError", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  await spool.enqueue("q", {}, new Uint8Array());
  // The operating system's refusal, through the file-system seam (tests
  // may run as root, whom file modes do not stop).
  const denied: FileSystem = {
    ...realFileSystem,
    listFiles(path: string): Promise<string[]> {
      if (path.endsWith("/q")) {
        throw new Deno.errors.PermissionDenied(
          `Permission denied (os error 13): readdir '${path}'`,
        );
      }
      return realFileSystem.listFiles(path);
    },
  };
  const guarded = await openSpool(denied, dir, { queues: ["q"] });
  await assert.rejects(
    guarded.list("q"),
    (error: SpoolError) =>
      error instanceof PermissionError && error.path === `${dir}/q` &&
      /operating system denied access/.test(error.message),
  );
  // And for real, where file modes apply (not as root).
  await Deno.chmod(`${dir}/q`, 0o000);
  try {
    let readable = true;
    try {
      Deno.readDirSync(`${dir}/q`).next();
    } catch {
      readable = false;
    }
    if (!readable) {
      await assert.rejects(spool.list("q"), PermissionError);
    }
  } finally {
    await Deno.chmod(`${dir}/q`, 0o755);
  }
});
