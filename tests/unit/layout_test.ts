// The on-disk layout after each step of an entry's life, compared exactly.

import assert from "node:assert/strict";
import {
  EntryNotFoundError,
  jsonMetadata,
  Spool,
  textData,
  ulidNames,
} from "../../mod.ts";
import { checkout, listCheckoutsUnsafe } from "../../expert.ts";
import { counterNames } from "../_helpers/names.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { emptySpool, tree } from "../_helpers/tree.ts";

interface Meta {
  to: string;
  tries: number;
}

const SKELETON = emptySpool("active", "frozen");

/**
 * The payload and registry files of the entries `payloads` names (each
 * name to its payload), and `.tmp/`, as `tree` lists them.
 */
function stored(payloads: Record<string, string>): string[] {
  const names = Object.keys(payloads).sort();
  return [
    ".data/",
    ...names.map((name) => `.data/${name} = ${payloads[name]}`),
    ".registry/",
    ...names.map((name) => `.registry/${name}`),
    ".tmp/",
  ];
}

const FIRST_STORED = stored({ "0001": "hi" });
const PREFIXED_STORED = stored({ "a-0003": "a", "b-0002": "b", "c-0004": "c" });

Deno.test("Spool: the file tree after each step of a scripted life", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  const spool = await Spool.create(dir, {
    queues: ["active", "frozen"],
    metadata: jsonMetadata<Meta>(),
    data: textData,
    names: counterNames(),
  });
  assert.equal(spool.dir, dir);
  assert.deepEqual(tree(dir), SKELETON);

  // Enqueue: registry, data and the metadata file in its queue.
  const first = await spool.enqueue("active", { to: "a@x", tries: 0 }, "hi");
  assert.equal(first.name, "0001");
  assert.equal(first.queue, "active");
  assert.deepEqual(tree(dir), [
    ...FIRST_STORED,
    "active/",
    "active/.checkout/",
    'active/0001 = {"to":"a@x","tries":0}',
    "frozen/",
    "frozen/.checkout/",
  ]);

  // Check out: the metadata file moves into .checkout/.
  const job = await checkout(spool, first);
  assert.deepEqual(job.metadata, { to: "a@x", tries: 0 });
  assert.equal(await job.dataFile.load(), "hi");
  assert.deepEqual(tree(dir), [
    ...FIRST_STORED,
    "active/",
    "active/.checkout/",
    'active/.checkout/0001 = {"to":"a@x","tries":0}',
    "frozen/",
    "frozen/.checkout/",
  ]);
  assert.deepEqual(await spool.list("active"), []);

  // List checkouts (unsafe): the same entry, seen from outside.
  const stuck = await listCheckoutsUnsafe(spool, "active");
  assert.deepEqual(stuck.map((e) => [e.name, e.metadata]), [
    ["0001", { to: "a@x", tries: 0 }],
  ]);

  // Remove: nothing of the entry is left.
  await job.remove();
  assert.deepEqual(tree(dir), SKELETON);
  await assert.rejects(job.remove(), /already removed/);

  // Several enqueues with prefixes; list is sorted by name.
  await spool.enqueue("active", { to: "b@x", tries: 0 }, "b", {
    reserve: "b-",
  });
  await spool.enqueue("active", { to: "a@x", tries: 0 }, "a", {
    reserve: "a-",
  });
  await spool.enqueue("frozen", { to: "c@x", tries: 3 }, "c", {
    reserve: "c-",
  });
  assert.deepEqual(tree(dir), [
    ...PREFIXED_STORED,
    "active/",
    "active/.checkout/",
    'active/a-0003 = {"to":"a@x","tries":0}',
    'active/b-0002 = {"to":"b@x","tries":0}',
    "frozen/",
    "frozen/.checkout/",
    'frozen/c-0004 = {"to":"c@x","tries":3}',
  ]);
  const active = await spool.list("active");
  assert.deepEqual(active.map((e) => e.name), ["a-0003", "b-0002"]);

  // Move between queues, metadata unchanged.
  const moving = await checkout(spool, active[1]);
  await moving.save("frozen");
  assert.deepEqual(
    (await spool.list("frozen")).map((e) => e.name),
    ["b-0002", "c-0004"],
  );

  // withEntry: update the metadata and move to another queue.
  const result = await spool.withEntry(
    spool.entry("frozen", "c-0004"),
    (meta, data) => ({
      action: "save",
      queue: "active",
      metadata: { ...meta, tries: meta.tries + 1 },
      result: data.path,
    }),
  );
  assert.equal(result, `${dir}/.data/c-0004`);
  assert.deepEqual(tree(dir), [
    ...PREFIXED_STORED,
    "active/",
    "active/.checkout/",
    'active/a-0003 = {"to":"a@x","tries":0}',
    'active/c-0004 = {"to":"c@x","tries":4}',
    "frozen/",
    "frozen/.checkout/",
    'frozen/b-0002 = {"to":"b@x","tries":0}',
  ]);

  // The entry is gone from where it was: withEntry is an error,
  // tryWithEntry says so.
  await assert.rejects(
    spool.withEntry(spool.entry("frozen", "c-0004"), () => ({
      action: "remove",
    })),
    EntryNotFoundError,
  );
  assert.deepEqual(
    await spool.tryWithEntry(spool.entry("frozen", "c-0004"), () => ({
      action: "remove",
    })),
    { found: false },
  );

  // Direct operations: rewrite metadata and payload, then remove.
  const direct = spool.entry("active", "a-0003").direct;
  await direct.writeMetadata({ to: "z@x", tries: 9 });
  await direct.dataFile().save("new payload");
  assert.deepEqual(await direct.readMetadata(), { to: "z@x", tries: 9 });
  assert.equal(await direct.dataFile().load(), "new payload");
  await direct.remove();
  await spool.entry("active", "c-0004").direct.remove();
  await spool.entry("frozen", "b-0002").direct.remove();
  assert.deepEqual(tree(dir), SKELETON);
});

Deno.test("Spool: a callback that throws puts the entry back unchanged", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["q", "other"],
    names: counterNames(),
  });
  await spool.enqueue("q", { n: 1 }, new Uint8Array([1]));
  const before = tree(dir);
  await assert.rejects(
    spool.withEntry(spool.entry("q", "0001"), () => {
      throw new Error("handler failed");
    }),
    /handler failed/,
  );
  assert.deepEqual(tree(dir), before);
  await assert.rejects(
    spool.tryWithEntry(spool.entry("q", "0001"), () => {
      return Promise.reject(new Error("async handler failed"));
    }),
    /async handler failed/,
  );
  assert.deepEqual(tree(dir), before);
});

Deno.test("Spool: a checked-out entry disposed unsaved goes back to its queue", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["q"],
    names: counterNames(),
  });
  const entry = await spool.enqueue("q", { n: 1 }, new Uint8Array());
  {
    await using job = await checkout(spool, entry);
    job.update(() => ({ n: 2 }));
    assert.deepEqual(await spool.list("q"), []);
  }
  assert.deepEqual(tree(dir).filter((l) => l.startsWith("q/")), [
    "q/",
    "q/.checkout/",
    'q/0001 = {"n":1}',
  ]);
});

Deno.test("Spool: default names are ULIDs after the prefix, in enqueue order", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const names: string[] = [];
  for (let i = 0; i < 50; i++) {
    names.push((await spool.enqueue("q", i, new Uint8Array())).name);
  }
  for (const name of names) assert.match(name, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  const listed = await spool.list("q");
  assert.deepEqual(listed.map((e) => e.name), names);
  const order = await Promise.all(
    listed.map((e) => e.direct.readMetadata()),
  );
  assert.deepEqual(order, [...Array(50).keys()]);

  const prefixed = await spool.enqueue("q", 0, new Uint8Array(), {
    reserve: "mail-",
  });
  assert.match(prefixed.name, /^mail-[0-9A-Z]{26}$/);
  const fixed = ulidNames({ prefix: "host1." }).next("x-", 0);
  assert.match(fixed, /^host1\.x-[0-9A-Z]{26}$/);
});

Deno.test("Spool: entry.stat() reports the registry file and its phase time", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  const old = new Date(Date.now() - 3_600_000);
  Deno.utimeSync(`${dir}/.registry/${entry.name}`, old, old);
  Deno.utimeSync(`${dir}/q/${entry.name}`, old, old);
  const before = await entry.stat();
  assert.equal(before.mtime?.getTime(), old.getTime());
  const job = await checkout(spool, entry);
  // Checking out is a new phase: registry and moved file are touched.
  const after = await entry.stat();
  assert.ok(after.mtime!.getTime() > old.getTime());
  const moved = Deno.statSync(`${dir}/q/.checkout/${entry.name}`);
  assert.ok(moved.mtime!.getTime() > old.getTime());
  await job.remove();
  await assert.rejects(entry.stat(), EntryNotFoundError);
});
