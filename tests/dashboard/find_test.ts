// Finding an entry by its name alone: a stable URL that follows the entry
// wherever it is now, a bookmark of its old page that does not 404, and
// the search box (a whole name, or the start of names).

import assert from "node:assert/strict";
import { checkout } from "../../expert.ts";
import { OperatorSpool } from "../../operator.ts";
import { entryPath, rig } from "./_helpers.ts";

Deno.test("dashboard find: /entries/NAME follows the entry from queue to queue", async () => {
  await using r = await rig(["in", "out"]);
  const entry = await r.spool.enqueue("in", '{"n":1}', new Uint8Array());
  const follow = async () => {
    const response = await r.fetch(`/entries/${entry.name}`);
    assert.equal(response.status, 303);
    return response.headers.get("location");
  };
  assert.equal(await follow(), entryPath("in", entry.name));
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [entry.name] }, { kind: "move", to: "out" });
  assert.equal(await follow(), entryPath("out", entry.name));
  // Checked out by a consumer: still found.
  const [moved] = await r.spool.list("out");
  const job = await checkout(r.spool, moved);
  assert.equal(await follow(), entryPath("out", entry.name));
  // The entry's page links to the stable URL.
  assert.match(
    await r.page(entryPath("out", entry.name)),
    new RegExp(`<a class="permalink" href="/entries/${entry.name}">`),
  );
  await job.remove();
  const gone = await r.fetch(`/entries/${entry.name}`);
  assert.equal(gone.status, 404);
  assert.match(
    await gone.text(),
    /is not in the spool: removed, or never there/,
  );
});

Deno.test("dashboard find: a bookmarked entry page that moved leads to where it is", async () => {
  await using r = await rig(["in", "out"]);
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [entry.name] }, { kind: "move", to: "out" });
  const old = await r.fetch(entryPath("in", entry.name));
  assert.equal(old.status, 303);
  const location = old.headers.get("location")!;
  assert.equal(location, `${entryPath("out", entry.name)}?was=in`);
  assert.match(
    await r.page(location),
    new RegExp(`${entry.name} is in out now \\(the link named in\\)\\.`),
  );
  // Even a queue that no longer exists in the link.
  const far = await r.fetch(entryPath("gone-queue", entry.name));
  assert.equal(far.status, 303);
  await far.body?.cancel();
  // Removed: a 404 that says so.
  await operator.act({ names: [entry.name] }, { kind: "remove" });
  const removed = await r.fetch(entryPath("in", entry.name));
  assert.equal(removed.status, 404);
  assert.match(await removed.text(), /nor anywhere in the spool: removed/);
});

Deno.test("dashboard find: the search box takes a whole name or the start of names", async () => {
  await using r = await rig(["a", "b"], { pageSize: 5 });
  const one = await r.spool.enqueue("a", "{}", new Uint8Array(), {
    reserve: "invoice-",
  });
  for (let i = 0; i < 12; i++) {
    await r.spool.enqueue("b", "{}", new Uint8Array(), { reserve: "invoice-" });
  }
  await r.spool.enqueue("b", "{}", new Uint8Array(), { reserve: "receipt-" });
  const exact = await r.fetch(`/search?name=${one.name}`);
  assert.equal(exact.status, 303);
  assert.equal(exact.headers.get("location"), entryPath("a", one.name));
  await exact.body?.cancel();

  const page = await r.page("/search?name=invoice-");
  assert.match(
    page,
    /No entry is named <b class="name">invoice-<\/b>; these names start with it/,
  );
  assert.match(page, /<a href="\/queues\/a">a<\/a>: 1 name<\/h2>/);
  assert.match(page, /<a href="\/queues\/b">b<\/a>: 12 names<\/h2>/);
  // The first ten of a queue, and a link to all of them, filtered.
  assert.equal([...page.matchAll(/<li><a class="name"/g)].length, 11);
  assert.match(page, /<a href="\/queues\/b\?prefix=invoice-">All 12 in b<\/a>/);
  const none = await r.page("/search?name=nothing");
  assert.match(none, /No entry of the spool has a name that is or starts with/);
  // Every page has the box.
  assert.match(
    await r.page("/"),
    /<form class="search" method="get" action="\/search" role="search">/,
  );
});

Deno.test("dashboard find: /api/entries/NAME answers wherever the entry is", async () => {
  await using r = await rig(["in", "out"]);
  const entry = await r.spool.enqueue(
    "in",
    '{"to":"a@x"}',
    new TextEncoder().encode("hi"),
  );
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [entry.name] }, { kind: "move", to: "out" });
  const json = await (await r.fetch(`/api/entries/${entry.name}`)).json();
  assert.equal(json.queue, "out");
  assert.equal(json.metadata, '{"to":"a@x"}');
  assert.equal(json.preview.text, "hi");
  const missing = await r.fetch("/api/entries/not-there");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /not in the spool/);
});
