// The entry browser pages by name cursor: a page after NAME starts at the
// first name past it, whatever was taken or added before it.

import assert from "node:assert/strict";
import { checkout } from "../../expert.ts";
import { rig } from "./_helpers.ts";

interface ApiPage {
  total: number;
  start: number;
  entries: { name: string; metadata: string; state: string }[];
  previous?: string;
  next?: string;
}

Deno.test("dashboard paging: first, next, previous and last pages by name", async () => {
  await using r = await rig(["q"], { pageSize: 100 });
  await r.spool.enqueueMany(
    "q",
    Array.from({ length: 250 }, (_, i) => ({
      metadata: JSON.stringify({ i }),
      data: new Uint8Array(),
    })),
  );
  const names = (await r.spool.list("q")).map((e) => e.name);
  const api = async (query: string): Promise<ApiPage> =>
    await (await r.fetch(`/api/queues/q/entries?${query}`)).json();
  const namesOf = (page: ApiPage) => page.entries.map((e) => e.name);

  const first = await api("");
  assert.equal(first.total, 250);
  assert.equal(first.start, 0);
  assert.deepEqual(namesOf(first), names.slice(0, 100));
  assert.equal(first.previous, undefined);
  assert.equal(first.next, names[99]);
  assert.equal(first.entries[0].metadata, '{"i":0}');

  const second = await api(`after=${first.next}`);
  assert.equal(second.start, 100);
  assert.deepEqual(namesOf(second), names.slice(100, 200));
  const third = await api(`after=${second.next}`);
  assert.deepEqual(namesOf(third), names.slice(200));
  assert.equal(third.next, undefined);
  const back = await api(`before=${third.previous}`);
  assert.deepEqual(namesOf(back), names.slice(100, 200));
  const last = await api("last=1");
  assert.equal(last.start, 150);
  assert.deepEqual(namesOf(last), names.slice(150));

  // Entries taken before the cursor shift nothing after it.
  for (const entry of (await r.spool.list("q")).slice(0, 10)) {
    await (await checkout(r.spool, entry)).remove();
  }
  const again = await api(`after=${first.next}`);
  assert.equal(again.start, 90);
  assert.deepEqual(namesOf(again), names.slice(100, 200));

  // The page's links carry the same cursors.
  const html = await r.page(`/queues/q?after=${first.next}`);
  assert.ok(html.includes(`href="/queues/q?before=${names[100]}" rel="prev"`));
  assert.ok(html.includes(`href="/queues/q?after=${names[199]}" rel="next"`));
  assert.match(
    html,
    /entries <b>91<\/b>–<b>190<\/b> of <b data-count="">240<\/b>/,
  );
});

Deno.test("dashboard paging: a name prefix filters, and the checked-out tab lists what consumers hold", async () => {
  await using r = await rig(["q"], { pageSize: 2 });
  for (const prefix of ["a-", "a-", "a-", "b-"]) {
    await r.spool.enqueue("q", "{}", new Uint8Array(), { reserve: prefix });
  }
  const a = await (await r.fetch("/api/queues/q/entries?prefix=a-")).json();
  assert.equal(a.total, 3);
  assert.equal(a.entries.length, 2);
  assert.ok(a.entries.every((e: { name: string }) => e.name.startsWith("a-")));
  const page = await r.page("/queues/q?prefix=a-");
  assert.ok(page.includes(`href="/queues/q?prefix=a-&amp;after=${a.next}"`));

  const [b] = (await r.spool.list("q")).filter((e) => e.name.startsWith("b-"));
  const job = await checkout(r.spool, b);
  const held = await (await r.fetch("/api/queues/q/entries?state=checked-out"))
    .json();
  assert.equal(held.total, 1);
  assert.equal(held.entries[0].name, b.name);
  assert.equal(held.entries[0].state, "checked out");
  assert.match(await r.page("/queues/q?state=checked-out"), /b-[0-9A-Z]+<\/a>/);
  await job.remove();
});
