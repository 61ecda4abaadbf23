// Name reservation, collisions and validation.

import assert from "node:assert/strict";
import {
  InvalidNameError,
  NameInUseError,
  NameNotReservedError,
  nameProblem,
  Spool,
  SpoolError,
} from "../../mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { tree } from "../_helpers/tree.ts";

Deno.test("names: a taken name makes the spool ask again with attempt + 1", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const calls: [string, number][] = [];
  const spool = await Spool.create(dir, {
    queues: ["q"],
    names: {
      next(input: string, attempt: number) {
        calls.push([input, attempt]);
        return attempt < 3 ? `taken-${attempt}` : `${input}-${attempt}`;
      },
    },
  });
  for (let i = 0; i < 3; i++) {
    await Deno.writeFile(`${dir}/.registry/taken-${i}`, new Uint8Array());
  }
  const entry = await spool.enqueue("q", {}, new Uint8Array(), {
    reserve: "order",
  });
  assert.equal(entry.name, "order-3");
  assert.deepEqual(calls, [
    ["order", 0],
    ["order", 1],
    ["order", 2],
    ["order", 3],
  ]);
  // A second enqueue from the same input collides with the first one too.
  calls.length = 0;
  assert.equal(await spool.reserveName("order"), "order-4");
  assert.deepEqual(calls.map((c) => c[1]), [0, 1, 2, 3, 4]);
});

Deno.test("names: a generator that never finds a free name gives up with an error", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["q"],
    names: { next: () => "always-the-same" },
  });
  await spool.reserveName(undefined);
  await assert.rejects(spool.reserveName(undefined), SpoolError);
});

Deno.test("names: reserveName in one spool object, enqueue with { use } in another", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const producer = await Spool.create(dir, { queues: ["q"] });
  const other = await Spool.load(dir, { queues: ["q"] });
  const name = await producer.reserveName("r-");
  assert.deepEqual(tree(dir).filter((l) => l.startsWith(".registry/")), [
    ".registry/",
    `.registry/${name}`,
  ]);
  const entry = await other.enqueue("q", { ok: true }, new Uint8Array([1]), {
    use: name,
  });
  assert.equal(entry.name, name);
  assert.deepEqual(await entry.direct.readMetadata(), { ok: true });
  // Using it again would overwrite that entry: refused, entry intact.
  await assert.rejects(
    other.enqueue("q", { ok: false }, new Uint8Array([2]), { use: name }),
    NameInUseError,
  );
  assert.deepEqual(await entry.direct.readMetadata(), { ok: true });
  assert.deepEqual(await entry.direct.dataFile().load(), new Uint8Array([1]));
  assert.equal((await other.list("q")).length, 1);
});

Deno.test("names: { use } of a name that was never reserved writes nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const before = tree(dir);
  await assert.rejects(
    spool.enqueue("q", {}, new Uint8Array(), { use: "not-reserved" }),
    NameNotReservedError,
  );
  assert.deepEqual(tree(dir), before);
});

Deno.test("names: nameProblem accepts ordinary names and rejects the dangerous ones", () => {
  for (
    const ok of ["a", "active", "Q-1_x.y", "é".repeat(127), "x".repeat(255)]
  ) {
    assert.equal(nameProblem(ok), undefined, ok);
  }
  const bad: [string, RegExp][] = [
    ["", /empty/],
    [".", /starts with/],
    ["..", /starts with/],
    [".checkout", /starts with/],
    [".registry", /starts with/],
    ["a/b", /'\/'/],
    ["../etc", /starts with/],
    ["a\0b", /NUL/],
    ["a\\b", /'\\'/],
    ["x".repeat(256), /256 bytes/],
    ["é".repeat(128), /256 bytes/],
  ];
  for (const [name, reason] of bad) {
    assert.match(nameProblem(name) ?? "", reason, JSON.stringify(name));
  }
});

Deno.test("names: an invalid name from the generator is refused before any file is made", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["q"],
    names: { next: (input: string) => input },
  });
  const before = tree(dir);
  for (const name of ["", "../escape", "a/b", ".hidden", "x".repeat(300)]) {
    await assert.rejects(
      spool.enqueue("q", {}, new Uint8Array(), { reserve: name }),
      InvalidNameError,
    );
    await assert.rejects(spool.reserveName(name), InvalidNameError);
    await assert.rejects(
      spool.enqueue("q", {}, new Uint8Array(), { use: name }),
      InvalidNameError,
    );
  }
  assert.deepEqual(tree(dir), before);
});
