// Bad input to the core API: each case gets its typed error, naming the
// operation and the path, and leaves no file behind.

import assert from "node:assert/strict";
import {
  type DataCodec,
  DecodeError,
  DiskFullError,
  EncodeError,
  EntryNotFoundError,
  InvalidNameError,
  NotASpoolError,
  QueueNotFoundError,
  Spool,
  type SpoolError,
  textData,
} from "../mod.ts";
import { tree, withTempDir } from "./_helpers.ts";

Deno.test("errors: load refuses a missing directory, a file, and a non-spool", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("errors: create never scatters files into a non-empty directory", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("errors: missing queue directories, and create adding them", async () => {
  await withTempDir(async (dir) => {
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
    assert.deepEqual(tree(dir), [
      ".data/",
      ".registry/",
      ".tmp/",
      "a/",
      "a/.checkout/",
      "b/",
      "b/.checkout/",
    ]);
    // A spool missing .tmp or .data is not a spool to load.
    await Deno.remove(`${dir}/.tmp`);
    await assert.rejects(Spool.load(dir, { queues: ["a"] }), NotASpoolError);
  });
});

Deno.test("errors: invalid queue names are refused before anything is created", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("errors: unknown queues and invalid entry names in operations", async () => {
  await withTempDir(async (dir) => {
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
      await assert.rejects(spool.checkout(entry), InvalidNameError);
      await assert.rejects(spool.tryCheckout(entry), InvalidNameError);
      await assert.rejects(entry.direct.readMetadata(), InvalidNameError);
      await assert.rejects(entry.direct.writeMetadata({}), InvalidNameError);
      await assert.rejects(entry.direct.remove(), InvalidNameError);
      await assert.rejects(entry.stat(), InvalidNameError);
      assert.throws(() => entry.direct.dataFile(), InvalidNameError);
    }
    const entry = await spool.enqueue("q", {}, new Uint8Array());
    const job = await spool.checkout(entry);
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
});

Deno.test("errors: entries that are gone", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    const ghost = spool.entry("q", "ghost");
    await assert.rejects(
      spool.checkout(ghost),
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
    const job = await spool.checkout(entry);
    await Deno.rename(
      `${dir}/q/.checkout/${entry.name}`,
      `${dir}/q/${entry.name}`,
    );
    await assert.rejects(job.touch(), EntryNotFoundError);
    const job2 = await spool.checkout(entry);
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
});

Deno.test("errors: metadata that cannot be decoded names the file and stays put", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"] });
    const entry = await spool.enqueue("q", { ok: 1 }, new Uint8Array());
    await Deno.writeTextFile(`${dir}/q/${entry.name}`, '{"ok":');
    await assert.rejects(
      entry.direct.readMetadata(),
      (error: SpoolError) =>
        error instanceof DecodeError && error.path === `${dir}/q/${entry.name}`,
    );
    await assert.rejects(
      spool.checkout(entry),
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
    assert.deepEqual(await spool.listCheckoutsUnsafe("q"), []);
  });
});

Deno.test("errors: codecs that throw give EncodeError/DecodeError and leave nothing", async () => {
  await withTempDir(async (dir) => {
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
});

Deno.test("errors: text payloads that are not UTF-8 fail to decode", async () => {
  await withTempDir(async (dir) => {
    const spool = await Spool.create(dir, { queues: ["q"], data: textData });
    const entry = await spool.enqueue("q", {}, "fine");
    await Deno.writeFile(`${dir}/.data/${entry.name}`, new Uint8Array([0xff]));
    await assert.rejects(entry.direct.dataFile().load(), DecodeError);
  });
});

async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

async function umount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir], stderr: "null" }).output();
}

Deno.test("errors: a full disk gives DiskFullError and the enqueue is undone", async (t) => {
  await withTempDir(async (dir) => {
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
});
