// The handler's routes: pages, the JSON API, the dashboard's own files,
// unknown paths and methods, a mount path.

import assert from "node:assert/strict";
import { createDashboard } from "../../dashboard.ts";
import { checkout } from "../../expert.ts";
import { entryPath, rig } from "./_helpers.ts";

Deno.test("dashboard routes: the overview, a queue, an entry, the API", async () => {
  await using r = await rig(["jobs", "done"]);
  const entry = await r.spool.enqueue(
    "jobs",
    '{"task":"resize"}',
    new TextEncoder().encode("photo.jpg"),
  );

  const overview = await r.page("/");
  assert.match(overview, /<a href="\/queues\/jobs">jobs<\/a>/);
  assert.match(overview, /data-queue="jobs" data-field="ready">1</);
  assert.match(overview, /data-events="\/events"/);

  const queue = await r.page("/queues/jobs");
  assert.ok(queue.includes(entryPath("jobs", entry.name)));
  assert.match(queue, /entries <b>1<\/b>–<b>1<\/b> of <b data-count="">1<\/b>/);

  const page = await r.page(entryPath("jobs", entry.name));
  assert.match(page, /&quot;task&quot;: &quot;resize&quot;/); // indented JSON
  assert.match(page, /photo\.jpg/);
  assert.match(page, /No failed attempt/);

  const api = await (await r.fetch("/api/queues")).json();
  assert.deepEqual(
    api.queues.map((q: { queue: string; ready: number }) => [q.queue, q.ready]),
    [["done", 0], ["jobs", 1]],
  );
  const entries = await (await r.fetch("/api/queues/jobs/entries")).json();
  assert.equal(entries.total, 1);
  assert.equal(entries.entries[0].name, entry.name);
  const one = await (await r.fetch(`/api${entryPath("jobs", entry.name)}`))
    .json();
  assert.equal(one.preview.kind, "text");
  assert.equal(one.preview.text, "photo.jpg");
  assert.deepEqual(one.history, { attempts: 0, failures: [] });

  const payload = await r.fetch(`${entryPath("jobs", entry.name)}/payload`);
  assert.equal(payload.headers.get("content-type"), "application/octet-stream");
  assert.match(payload.headers.get("content-disposition")!, /^attachment/);
  assert.equal(await payload.text(), "photo.jpg");
});

Deno.test("dashboard routes: its own files, with their types", async () => {
  await using r = await rig(["q"]);
  for (
    const [file, type] of [
      ["app.js", "text/javascript"],
      ["style.css", "text/css"],
      ["icon.svg", "image/svg+xml"],
    ]
  ) {
    const response = await r.fetch(`/static/${file}`);
    assert.equal(response.status, 200);
    assert.ok(response.headers.get("content-type")!.startsWith(type));
    await response.body?.cancel();
  }
  const missing = await r.fetch("/static/nope.js");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("dashboard routes: unknown pages, queues and entries are 404s; a wrong method is a 405", async () => {
  await using r = await rig(["q"]);
  const cases: [string, RequestInit | undefined, number][] = [
    ["/nope", undefined, 404],
    ["/queues/nope", undefined, 404],
    ["/queues/q/entries/not-there", undefined, 404],
    ["/queues/q/entries/..", undefined, 404],
    ["/queues/q/entries/%2Fetc%2Fpasswd", undefined, 404],
    ["/queues/q/entries/%E0%A4%A", undefined, 400],
    ["/api/queues/nope/entries", undefined, 404],
    ["/", { method: "POST" }, 405],
    ["/queues/q", { method: "DELETE" }, 405],
  ];
  for (const [path, init, status] of cases) {
    const response = await r.fetch(path, init);
    assert.equal(response.status, status, `${init?.method ?? "GET"} ${path}`);
    if (status === 405) assert.match(response.headers.get("allow")!, /GET/);
    if (path.startsWith("/api/")) {
      assert.ok((await response.json()).error.length > 0);
    } else {
      await response.body?.cancel();
    }
  }
});

Deno.test("dashboard routes: HEAD answers as GET, without a body", async () => {
  await using r = await rig(["q"]);
  const response = await r.fetch("/", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.body, null);
});

Deno.test("dashboard routes: mounted under a path, links start with it and other paths are 404s", async () => {
  await using r = await rig(["jobs"]);
  await using dashboard = createDashboard(r.dir, { basePath: "/ops/spool/" });
  const get = (path: string) =>
    dashboard.handler(new Request(`http://localhost${path}`));
  const root = await get("/ops/spool");
  assert.equal(root.status, 303);
  assert.equal(root.headers.get("location"), "/ops/spool/");
  const page = await (await get("/ops/spool/")).text();
  assert.match(page, /href="\/ops\/spool\/queues\/jobs"/);
  assert.match(page, /src="\/ops\/spool\/static\/app\.js"/);
  assert.match(page, /data-events="\/ops\/spool\/events"/);
  const outside = await get("/queues/jobs");
  assert.equal(outside.status, 404);
  await outside.body?.cancel();
});

Deno.test("createDashboard() refuses bad options with the option's name", () => {
  assert.throws(() => createDashboard("/tmp/x", { token: "short" }), {
    name: "RangeError",
    message: /'token' must be at least 16 characters/,
  });
  assert.throws(() => createDashboard("/tmp/x", { basePath: "spool" }), {
    name: "RangeError",
    message: /'basePath'/,
  });
  assert.throws(() => createDashboard("/tmp/x", { pageSize: 0 }), {
    name: "RangeError",
    message: /'pageSize'/,
  });
  assert.throws(() => createDashboard("/tmp/x", { holdQueue: ".checkout" }), {
    name: "RangeError",
    message: /'holdQueue'/,
  });
  assert.throws(
    () =>
      createDashboard("/tmp/x", { allowActions: "yes" as unknown as boolean }),
    { name: "TypeError", message: /'allowActions'/ },
  );
});

Deno.test("dashboard routes: a directory that is not a spool is a clear error, not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    await using dashboard = createDashboard(dir);
    const response = await dashboard.handler(new Request("http://localhost/"));
    assert.equal(response.status, 500);
    assert.match(await response.text(), /not a spool/i);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dashboard overview: the Total row counts each entry of the spool once, and ready entries per queue only", async () => {
  await using r = await rig(["jobs", "dead"]);
  await r.spool.enqueue("jobs", "{}", new Uint8Array());
  await r.spool.enqueue("jobs", "{}", new Uint8Array(), { delay: 60_000 });
  const held = await r.spool.enqueue("jobs", "{}", new Uint8Array());
  await r.spool.enqueue("dead", "{}", new Uint8Array());
  const job = await checkout(r.spool, held);
  const page = await r.page("/");
  const total = /<tfoot>[^]*<\/tfoot>/.exec(page)![0];
  assert.match(total, /<tr title="Every entry of the spool, counted once/);
  assert.match(total, /<b data-total="waiting">3<\/b> waiting/);
  assert.match(total, /data-total="checkedOut">1</);
  assert.match(total, /<b data-total="entries">4<\/b> entries in all/);
  // No sum of ready entries across queues.
  assert.doesNotMatch(total, /data-total="ready"/);
  // Times: ISO 8601, UTC, to the second, as everywhere.
  assert.match(
    page,
    /Measured <time id="measured-at" datetime="[^"]+">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/time>/,
  );
  const script = await (await r.fetch("/static/app.js")).text();
  assert.match(script, /toISOString\(\)\.slice\(0, 19\) \+ "Z"/);
  assert.doesNotMatch(script, /toLocaleTimeString/);
  await job.remove();
});
