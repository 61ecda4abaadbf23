// Everything a producer controls (entry names, metadata, payloads, the
// errors recorded in an entry's history) reaches the page as text, never
// as markup; pages run no inline script and carry a strict policy.

import assert from "node:assert/strict";
import { checkout } from "../../expert.ts";
import { entryPath, rig } from "./_helpers.ts";

const HOSTILE_NAME = `<img src=x onerror=alert(1)>"'&\u202e\x1b[2J-`;
const HOSTILE_METADATA =
  `{"to":"<script>alert(1)</script>","x":"\\" onmouseover=\\"alert(2)"}`;
const HOSTILE_PAYLOAD = `</pre><script>alert(3)</script>`;

/** Markup that only the hostile input could have made. */
function assertNoInjection(page: string): void {
  assert.doesNotMatch(page, /<img src=x/);
  assert.doesNotMatch(page, /<script>alert/);
  assert.doesNotMatch(page, /<\/pre><script>/);
  // Shown text has the invisible characters made visible; attribute values
  // (form fields, the script's keys) keep the names as they are.
  const shown = page.replace(/="[^"]*"/g, "");
  assert.ok(!shown.includes("\x1b"), "a raw escape character is shown");
  assert.ok(!shown.includes("\u202e"), "a raw bidirectional override is shown");
  // The only script is the dashboard's own file, none inline.
  const scripts = [...page.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(scripts, ['<script src="/static/app.js" defer>']);
  assert.doesNotMatch(page, / on[a-z]+="/);
  assert.doesNotMatch(page, / style="/);
}

Deno.test("dashboard escaping: hostile names, metadata, payloads and errors are text", async () => {
  await using r = await rig(["in", "bad"]);
  const entry = await r.spool.enqueue(
    "in",
    HOSTILE_METADATA,
    new TextEncoder().encode(HOSTILE_PAYLOAD),
    { reserve: HOSTILE_NAME },
  );
  const failing = await r.spool.enqueue("bad", "{}", new Uint8Array());
  const job = await checkout(r.spool, failing);
  await job.save("bad", {
    failure: new Error(`<b onclick="alert(4)">boom</b>\u202e\x1b]0;t\x07`),
  });

  for (
    const path of [
      "/",
      "/queues/in",
      entryPath("in", entry.name),
      entryPath("bad", failing.name),
      `/queues/in?prefix=${encodeURIComponent(HOSTILE_NAME)}`,
    ]
  ) {
    assertNoInjection(await r.page(path));
  }
  const page = await r.page(entryPath("in", entry.name));
  // Shown, escaped, with the invisible characters made visible.
  assert.ok(
    page.includes(
      "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;\\u202e\\x1b[2J-",
    ),
  );
  assert.ok(page.includes("&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
  assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  const failure = await r.page(entryPath("bad", failing.name));
  assert.ok(
    failure.includes(
      "&lt;b onclick=&quot;alert(4)&quot;&gt;boom&lt;/b&gt;\\u202e\\x1b]0;t\\x07",
    ),
  );
});

Deno.test("dashboard escaping: hostile filters, searches, stray files and bulk forms are text", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue(
    "in",
    HOSTILE_METADATA,
    new Uint8Array(),
    { reserve: HOSTILE_NAME },
  );
  const job = await checkout(r.spool, entry);
  await job.save("in", { failure: new Error(`<script>alert(5)</script>`) });
  // A stray file with a hostile name, an hour old: a problem to show.
  const stray = `${r.dir}/.tmp/${HOSTILE_NAME.replace("/", "_")}`;
  await Deno.writeTextFile(stray, "x");
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(stray, hourAgo, hourAgo);
  const hostile = encodeURIComponent(HOSTILE_NAME);
  const where = encodeURIComponent(`to=<script>alert(1)</script>`);
  for (
    const path of [
      "/",
      "/health",
      "/health/repair",
      `/queues/in?error=${hostile}&where=${where}&prefix=${hostile}`,
      `/queues/in?error=script`,
      `/search?name=${hostile}`,
      `/search?name=${encodeURIComponent(HOSTILE_NAME.slice(0, 5))}`,
      `/queues/in/bulk?action=move&to=out&error=${hostile}&where=${where}`,
      `/queues/in/bulk?action=move&to=out&error=script`,
    ]
  ) {
    assertNoInjection(await r.page(path));
  }
});

Deno.test("dashboard escaping: a hostile queue name is text too", async () => {
  const queue = `<i>q<b>&"'`;
  await using r = await rig([queue]);
  await r.spool.enqueue(queue, "{}", new Uint8Array());
  const overview = await r.page("/");
  assertNoInjection(overview);
  assert.ok(overview.includes('href="/queues/%3Ci%3Eq%3Cb%3E%26%22&#39;"'));
  assert.ok(overview.includes("&lt;i&gt;q&lt;b&gt;&amp;&quot;&#39;"));
  assertNoInjection(await r.page(`/queues/${encodeURIComponent(queue)}`));
});

Deno.test("dashboard escaping: every answer carries a strict Content-Security-Policy", async () => {
  await using r = await rig(["q"]);
  for (const path of ["/", "/queues/q", "/nope", "/api/queues"]) {
    const response = await r.fetch(path);
    const policy = response.headers.get("content-security-policy") ?? "";
    assert.match(policy, /default-src 'none'/, path);
    assert.match(policy, /script-src 'self'(;|$)/, path);
    assert.match(policy, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(policy, /unsafe/, path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("cache-control"), "no-store");
    await response.body?.cancel();
  }
});

Deno.test("dashboard escaping: a payload download is an attachment, sandboxed, with a safe file name", async () => {
  await using r = await rig(["in"]);
  const entry = await r.spool.enqueue(
    "in",
    "{}",
    new TextEncoder().encode("<html><script>alert(1)</script>"),
    { reserve: `a"b\r\nX-Evil: 1; ` },
  );
  const response = await r.fetch(`${entryPath("in", entry.name)}/payload`);
  assert.equal(response.status, 200);
  assert.equal(
    response.headers.get("content-type"),
    "application/octet-stream",
  );
  assert.equal(response.headers.get("content-security-policy"), "sandbox");
  assert.equal(response.headers.get("x-evil"), null);
  assert.match(
    response.headers.get("content-disposition")!,
    /^attachment; filename="a_b__X-Evil__1__[0-9A-Z]+"$/,
  );
  await response.body?.cancel();
});
