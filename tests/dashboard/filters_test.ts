// The queue page filters as the command line does (name prefix, metadata
// field, last error, due or delayed, age), shows each entry's last error,
// and jumps into a long queue by position or by name; links keep the
// filter.

import assert from "node:assert/strict";
import { OperatorSpool } from "../../operator.ts";
import { failed, rig } from "./_helpers.ts";

interface ApiPage {
  total: number | null;
  start: number | null;
  entries: { name: string; metadata: string }[];
}

Deno.test("dashboard filters: by error text, metadata field, due or delayed, age", async () => {
  await using r = await rig(["q"]);
  const timeout = await failed(r, "q", '{"to":"a@x.org"}', "421 timeout");
  const refused = await failed(r, "q", '{"to":"b@y.org"}', "550 no user");
  const plain = await r.spool.enqueue(
    "q",
    '{"to":"c@x.org"}',
    new Uint8Array(),
  );
  const later = await r.spool.enqueue(
    "q",
    '{"to":"d@y.org"}',
    new Uint8Array(),
    {
      delay: 3_600_000,
    },
  );
  const api = async (query: string): Promise<string[]> => {
    const response = await r.fetch(`/api/queues/q/entries?${query}`);
    assert.equal(response.status, 200, query);
    const page: ApiPage = await response.json();
    return page.entries.map((e) => e.name);
  };
  assert.deepEqual(await api("error=TIMEOUT"), [timeout]);
  assert.deepEqual(await api("error=550"), [refused]);
  assert.deepEqual(await api(`where=${encodeURIComponent("to=c@x.org")}`), [
    plain.name,
  ]);
  assert.deepEqual(
    await api(`where=${encodeURIComponent("to!=a@x.org")}&schedule=due`),
    [refused, plain.name],
  );
  assert.deepEqual(await api("schedule=delayed"), [later.name]);
  assert.deepEqual(await api("older=1h"), []);
  assert.equal((await api("newer=1h")).length, 4);

  // The page: the fields typed stay in the form and in the pager's links.
  const page = await r.page(
    `/queues/q?error=timeout&where=${encodeURIComponent("to=a@x.org")}`,
  );
  assert.match(page, /name="error" value="timeout"/);
  assert.match(page, /name="where" value="to=a@x.org"/);
  assert.ok(page.includes(timeout));
  assert.ok(!page.includes(refused));
  assert.match(page, /matching entries here/);
});

Deno.test("dashboard filters: a malformed filter is a 400 that names the field", async () => {
  await using r = await rig(["q"]);
  const cases: [string, RegExp][] = [
    ["older=soon", /older than: "soon" is not a span of time/],
    ["newer=5x", /newer than: "5x" is not a span of time/],
    ["where=nofield", /metadata: expected FIELD=VALUE/],
    ["schedule=never", /schedule: "never" is neither/],
    ["position=0", /position: "0" is not an entry's position/],
  ];
  for (const [query, message] of cases) {
    const response = await r.fetch(`/queues/q?${query}`);
    assert.equal(response.status, 400, query);
    const text = (await response.text()).replaceAll("&quot;", '"')
      .replaceAll("&#39;", "'");
    assert.match(text, message, query);
  }
});

Deno.test("dashboard filters: the last error shows in the table, marked when before a retry", async () => {
  await using r = await rig(["jobs", "dead"]);
  const name = await failed(
    r,
    "dead",
    "{}",
    "smtp: 451 <greylisted> try later",
  );
  const page = await r.page("/queues/dead");
  assert.match(page, /<th scope="col">Last error<\/th>/);
  assert.match(
    page,
    /<span class="kind">error<\/span> \d+(ms|s) ago<br><span class="message" title="Error: smtp: 451 &lt;greylisted&gt; try later">/,
  );
  assert.doesNotMatch(page, /before retry/);
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [name] }, { kind: "retry", to: "jobs" });
  const jobs = await r.page("/queues/jobs");
  assert.match(jobs, /<span class="tag"[^>]*>before retry<\/span>/);
  // And the entry's page says so, with the retry.
  const entry = await r.page(`/queues/jobs/entries/${name}`);
  assert.match(
    entry,
    /Retried with a fresh start \S+Z from dead, after 1 failed attempt/,
  );
  assert.match(entry, /<tr class="before-retry">/);
});

Deno.test("dashboard filters: jump to a position or a name in a long queue", async () => {
  await using r = await rig(["q"], { pageSize: 20 });
  await r.spool.enqueueMany(
    "q",
    Array.from({ length: 1000 }, (_, i) => ({
      metadata: JSON.stringify({ i }),
      data: new Uint8Array(),
    })),
  );
  const names = (await r.spool.list("q")).map((e) => e.name);
  const at = await (await r.fetch("/api/queues/q/entries?position=731")).json();
  assert.equal(at.start, 730);
  assert.equal(at.entries[0].name, names[730]);
  const from = await (await r.fetch(`/api/queues/q/entries?from=${names[412]}`))
    .json();
  assert.equal(from.start, 412);
  assert.equal(from.entries[0].name, names[412]);
  // A name that is not there: the page starts at the next one.
  const between = names[500].slice(0, -1) + "0";
  const next = await (await r.fetch(
    `/api/queues/q/entries?from=${encodeURIComponent(between)}`,
  )).json();
  assert.ok(next.entries[0].name >= between);
  // Past the end: the last entry.
  const end = await (await r.fetch("/api/queues/q/entries?position=5000"))
    .json();
  assert.equal(end.entries[0].name, names[999]);

  const page = await r.page("/queues/q?position=731");
  assert.match(
    page,
    /entries <b>731<\/b>–<b>750<\/b> of <b data-count="">1,000<\/b>/,
  );
  assert.match(page, /<form class="jump"/);
  // The jump keeps the filter it was made under.
  const filtered = await r.page("/queues/q?prefix=01&position=2");
  assert.match(
    filtered,
    /<form class="jump"[^]*<input type="hidden" name="prefix" value="01">/,
  );
});
