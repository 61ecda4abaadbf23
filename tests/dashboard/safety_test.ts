// Safe by default: read-only unless actions are allowed; without a token,
// only requests addressed to localhost from this host; with one, nothing
// without it; forms refused without their secret or from another origin.

import assert from "node:assert/strict";
import { createDashboard } from "../../dashboard.ts";
import { entryPath, formSecret, postForm, rig } from "./_helpers.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";

Deno.test("dashboard safety: read-only refuses every action and offers none", async () => {
  await using r = await rig(["in", "out"]);
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const path = entryPath("in", entry.name);
  const page = await r.page(path);
  assert.doesNotMatch(page, /<form[^>]*confirm/);
  assert.match(page, /Read-only/);
  for (const action of ["move", "hold", "release", "due", "remove"]) {
    const post = await postForm(r, path, { action, to: "out", csrf: "x" });
    assert.equal(post.status, 403, action);
    assert.match(await post.text(), /read-only/);
    const confirm = await r.fetch(`${path}/confirm?action=${action}&to=out`);
    assert.equal(confirm.status, 403, action);
    await confirm.body?.cancel();
  }
  assert.deepEqual((await r.spool.list("in")).map((e) => e.name), [entry.name]);
  // Nor in bulk, nor a repair.
  assert.doesNotMatch(await r.page("/queues/in"), /<form class="bulk"/);
  for (
    const [method, path] of [
      ["GET", "/queues/in/bulk?action=remove"],
      ["POST", "/queues/in/bulk"],
      ["GET", "/health/repair"],
      ["POST", "/health/repair"],
    ]
  ) {
    const response = method === "GET"
      ? await r.fetch(path)
      : await postForm(r, path, { action: "remove", csrf: "x" });
    assert.equal(response.status, 403, `${method} ${path}`);
    assert.match(await response.text(), /read-only/);
  }
  assert.deepEqual((await r.spool.list("in")).map((e) => e.name), [entry.name]);
});

Deno.test("dashboard safety: without a token, only localhost names from this host", async () => {
  await using r = await rig(["q"]);
  const answer = async (url: string, init?: RequestInit, peer?: string) => {
    const response = await r.dashboard.handler(
      new Request(url, init),
      peer === undefined
        ? undefined
        : { remoteAddr: { transport: "tcp", hostname: peer, port: 50000 } },
    );
    await response.body?.cancel();
    return response.status;
  };
  assert.equal(await answer("http://localhost:8080/"), 200);
  assert.equal(
    await answer("http://127.0.0.1:8080/", undefined, "127.0.0.1"),
    200,
  );
  assert.equal(await answer("http://[::1]:8080/", undefined, "::1"), 200);
  // DNS rebinding: a name that resolves here, chosen by another site.
  assert.equal(await answer("http://attacker.example:8080/"), 403);
  assert.equal(
    await answer("http://localhost:8080/", {
      headers: { Host: "attacker.example:8080" },
    }),
    403,
  );
  // A peer on another host, even asking for localhost.
  assert.equal(
    await answer("http://localhost:8080/", undefined, "192.0.2.7"),
    403,
  );
  // Even the dashboard's own files.
  assert.equal(await answer("http://attacker.example/static/app.js"), 403);

  await using proxied = createDashboard(r.dir, {
    allowedHosts: ["spool.internal"],
  });
  const response = await proxied.handler(new Request("http://spool.internal/"));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("dashboard safety: with a token, nothing without it (bearer, cookie, or ?token= once)", async () => {
  await using r = await rig(["q"], { token: TOKEN });
  const get = (url: string, headers: Record<string, string> = {}) =>
    r.dashboard.handler(new Request(url, { headers }));

  const bare = await get("http://spool.example:9000/queues/q");
  assert.equal(bare.status, 401);
  const login = await bare.text();
  assert.match(login, /<form method="post" action="\/login"/);
  assert.match(login, /name="next" value="\/queues\/q"/);

  const api = await get("http://spool.example:9000/api/queues");
  assert.equal(api.status, 401);
  assert.match(api.headers.get("www-authenticate")!, /^Bearer/);
  assert.match((await api.json()).error, /token/);

  const wrong = await get("http://spool.example:9000/", {
    Authorization: `Bearer ${TOKEN}x`,
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();

  const bearer = await get("http://spool.example:9000/api/queues", {
    Authorization: `Bearer ${TOKEN}`,
  });
  assert.equal(bearer.status, 200);
  await bearer.body?.cancel();

  // ?token= once: a cookie, and the token leaves the address bar.
  const once = await get(
    `http://spool.example:9000/queues/q?token=${TOKEN}&prefix=a`,
  );
  assert.equal(once.status, 303);
  assert.equal(once.headers.get("location"), "/queues/q?prefix=a");
  const cookie = once.headers.get("set-cookie")!;
  assert.match(cookie, /^multispool_token_9000=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const withCookie = await get("http://spool.example:9000/queues/q", {
    Cookie: cookie.split(";")[0],
  });
  assert.equal(withCookie.status, 200);
  await withCookie.body?.cancel();

  const badOnce = await get(
    `http://spool.example:9000/?token=nope-nope-nope-nope`,
  );
  assert.equal(badOnce.status, 401);
  assert.match(await badOnce.text(), /not the right one/);

  // The style sheet of the login page needs no token.
  const style = await get("http://spool.example:9000/static/style.css");
  assert.equal(style.status, 200);
  await style.body?.cancel();
});

Deno.test("dashboard safety: the login form sets the cookie and goes back where it was asked", async () => {
  await using r = await rig(["q"], { token: TOKEN });
  const post = (
    fields: Record<string, string>,
    headers: Record<string, string>,
  ) =>
    r.dashboard.handler(
      new Request("http://spool.example/login", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  const ok = await post({ token: TOKEN, next: "/queues/q" }, {
    Origin: "http://spool.example",
  });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/queues/q");
  assert.match(ok.headers.get("set-cookie")!, /^multispool_token=/);

  // Never to another host, however the path is written.
  for (
    const next of [
      "//evil.example/",
      "/\\evil.example/",
      "https://evil.example/",
    ]
  ) {
    const offsite = await post({ token: TOKEN, next }, {});
    assert.equal(offsite.headers.get("location"), "/", next);
  }
  const once = await r.dashboard.handler(
    new Request(`http://spool.example//evil.example/?token=${TOKEN}`),
  );
  assert.equal(once.status, 303);
  assert.equal(once.headers.get("location"), "/");

  const wrong = await post({ token: "not-the-token-at-all", next: "/" }, {});
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
  await wrong.body?.cancel();

  const forged = await post({ token: TOKEN, next: "/" }, {
    Origin: "http://evil.example",
  });
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
});

Deno.test("dashboard safety: a form without its secret, from another origin or site, or not URL-encoded is refused", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const path = entryPath("in", entry.name);
  const csrf = await formSecret(r, "in", entry.name, "action=move&to=out");
  const refused = async (
    fields: Record<string, string>,
    headers?: Record<string, string>,
  ) => {
    const response = await postForm(r, path, fields, headers);
    const text = await response.text();
    assert.equal(response.status, 403, text);
    return text;
  };
  assert.match(await refused({ action: "move", to: "out" }), /secret/);
  const stale = csrf.slice(0, -1) + (csrf.endsWith("0") ? "1" : "0");
  assert.match(
    await refused({ action: "move", to: "out", csrf: stale }),
    /secret/,
  );
  assert.match(
    await refused({ action: "move", to: "out", csrf }, {
      Origin: "http://evil.example",
    }),
    /another origin/,
  );
  assert.match(
    await refused({ action: "move", to: "out", csrf }, {
      Origin: "null",
    }),
    /another origin/,
  );
  assert.match(
    await refused({ action: "move", to: "out", csrf }, {
      "Sec-Fetch-Site": "cross-site",
    }),
    /another site/,
  );
  assert.match(
    await refused({ action: "move", to: "out", csrf }, {
      Origin: "null",
      "Sec-Fetch-Site": "same-site",
    }),
    /another site/,
  );
  const json = await r.fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ action: "move", to: "out", csrf }),
  });
  assert.equal(json.status, 415);
  await json.body?.cancel();
  const huge = await postForm(r, path, {
    action: "move",
    to: "out",
    csrf,
    pad: "x".repeat(20_000),
  });
  assert.equal(huge.status, 413);
  await huge.body?.cancel();
  // Nothing moved.
  assert.deepEqual((await r.spool.list("in")).map((e) => e.name), [entry.name]);
  // The same form, from the dashboard's own page: done (a page under
  // "Referrer-Policy: no-referrer" sends "Origin: null", and says
  // same-origin where no script can forge it).
  const done = await postForm(r, path, { action: "move", to: "out", csrf }, {
    Origin: "null",
    "Sec-Fetch-Site": "same-origin",
  });
  assert.equal(done.status, 303);
  assert.deepEqual((await r.spool.list("out")).map((e) => e.name), [
    entry.name,
  ]);
});

Deno.test("dashboard safety: each dashboard has its own form secret", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const csrf = await formSecret(r, "in", entry.name, "action=remove");
  await using other = createDashboard(r.dir, { allowActions: true });
  const response = await other.handler(
    new Request(`http://localhost${entryPath("in", entry.name)}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "remove", csrf }).toString(),
    }),
  );
  assert.equal(response.status, 403);
  await response.body?.cancel();
  assert.equal((await r.spool.list("in")).length, 1);
});
