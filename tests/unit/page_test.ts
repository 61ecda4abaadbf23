// A queue's pages hold their own names only: every request gives the same
// page as listing every name, sorting them and slicing (the way pages were
// made before, kept in _page_oracle.ts), whatever the cursor, the filter
// and the page's size; and a walk for a filter that reads entries crosses
// parts (here of 4 names) as one listing would.

import assert from "node:assert/strict";
import { jsonMetadata, Spool } from "../../mod.ts";
import { Disk } from "../../src/protocol/mod.ts";
import { realFileSystem } from "../../src/fs.ts";
import { pageOf, type PageRequest } from "../../src/operator/page.ts";
import { type EntryFilter, namesOnly } from "../../src/operator/filter.ts";
import { oraclePageOf } from "./_page_oracle.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const none = new Uint8Array();

/** The spool in `dir`, as the operator layer sees it. */
function diskOf(dir: string): Disk {
  return new Disk(dir, {
    fs: realFileSystem,
    durability: "relaxed",
    ioConcurrency: 4,
  });
}

/** The parts of a page that do not move with the clock. */
function shape(page: Awaited<ReturnType<typeof pageOf>>) {
  return {
    total: page.total,
    start: page.start,
    names: page.names,
    previous: page.previous,
    next: page.next,
    entries: page.entries.map((entry) => entry.name),
  };
}

Deno.test("pages: every request gives the page that sorting every name gives", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, {
    queues: ["q"],
    metadata: jsonMetadata<{ k: number; rare?: boolean }>(),
  }, { durability: "relaxed" });
  const count = 240;
  const rare = new Set([3, 118, 119, 237]);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const entry = await spool.enqueue(
      "q",
      rare.has(i) ? { k: i % 7, rare: true } : { k: i % 7 },
      none,
    );
    names.push(entry.name);
  }
  // A few checked out, for the other state.
  const reader = spool.reader("q");
  const held = [];
  for (let i = 0; i < 9; i++) held.push(await reader.dequeueAvailable());
  await reader.close();
  names.sort();

  const disk = diskOf(dir.path);
  const field = (path: string, value: string) => ({
    where: [{ path: [path], equal: true, value }],
  });
  const filters: (EntryFilter | undefined)[] = [
    undefined,
    { prefix: "0" },
    { prefix: "Z" },
    { prefix: names[120].slice(0, 12) },
    field("k", "3"),
    field("rare", "true"),
    field("k", "99"),
    { ...field("k", "2"), prefix: names[60].slice(0, 11) },
  ];
  const between = (i: number) => names[i].slice(0, -1) + "~";
  const cursors: Omit<PageRequest, "filter" | "state">[] = [
    {},
    { last: true },
    ...[0, 5, 119, 239].flatMap((i) => [
      { after: names[i] },
      { before: names[i] },
      { from: names[i] },
    ]),
    { after: between(100) },
    { before: between(100) },
    { from: between(100) },
    { after: "" },
    { before: "" },
    { after: "~" },
    { before: "~" },
    { from: "~" },
    ...[0, 7, 238, 240, 10_000].map((position) => ({
      position,
    })),
    { after: names[10], last: true },
  ];
  let compared = 0;
  for (const state of ["waiting", "checked out"] as const) {
    for (const filter of filters) {
      for (const cursor of cursors) {
        // A walk crosses parts of 4 names at sizes 1 and 3; a page of 50
        // holds the whole queue's names.
        const reads = filter !== undefined && !namesOnly(filter);
        for (const size of reads ? [1, 3] : [1, 3, 50]) {
          const request: PageRequest = { ...cursor, state, filter };
          const what = JSON.stringify({ request, size });
          const expected = await oraclePageOf(disk, "q", request, size);
          const got = await pageOf(disk, "q", request, size, 4);
          assert.deepEqual(shape(got), shape(expected), what);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 1000, `${compared} pages compared`);
  for (const job of held) await job?.remove();
});

Deno.test("pages: a queue that is not there is refused as before", async () => {
  await using dir = await tempDir();
  await Spool.create(dir.path, { queues: ["q"] });
  const disk = diskOf(dir.path);
  const error = await pageOf(disk, "nope", {}, 10).catch((e) => e);
  const expected = await oraclePageOf(disk, "nope", {}, 10).catch((e) => e);
  assert.equal(error.constructor, expected.constructor);
  assert.equal(error.message, expected.message);
});

Deno.test("pages: a size that is not a positive integer is refused", async () => {
  await using dir = await tempDir();
  await Spool.create(dir.path, { queues: ["q"] });
  const disk = diskOf(dir.path);
  for (const size of [0, -1, 2.5, NaN]) {
    await assert.rejects(pageOf(disk, "q", {}, size), RangeError);
  }
});
