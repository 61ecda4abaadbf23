// Bulk actions on the queue page's filter: a dry run says how many and
// where they go, the confirmed form carries the same filter, and the
// action reaches no entry the confirmation did not count.

import assert from "node:assert/strict";
import { OperatorSpool } from "../../operator.ts";
import { failed, hiddenFields, postFields, type Rig, rig } from "./_helpers.ts";

/** The text of a page, its markup gone, for sentences. */
function text(page: string): string {
  return page.replace(/<[^>]+>/g, "").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/\s+/g, " ");
}

/** Confirms a bulk action as a browser would: the confirmation page. */
async function confirm(r: Rig, queue: string, query: string): Promise<string> {
  return await r.page(`/queues/${queue}/bulk?${query}`);
}

/** Posts the confirmation's form, as its button does; the report page. */
async function post(r: Rig, queue: string, page: string): Promise<string> {
  const response = await postFields(
    r,
    `/queues/${queue}/bulk`,
    hiddenFields(page, `/queues/${queue}/bulk`),
  );
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return body;
}

/** Dead letters: `n` failed in `from` with `message`, then moved to dead. */
async function deadLetters(
  r: Rig,
  from: string,
  n: number,
  message: string,
): Promise<string[]> {
  const names = [];
  for (let i = 0; i < n; i++) {
    names.push(await failed(r, from, `{"n":${i}}`, message));
  }
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names }, { kind: "move", to: "dead" });
  return names;
}

Deno.test("dashboard bulk: retry the filtered dead letters, confirmed with their count and destination", async () => {
  await using r = await rig(["jobs", "mail", "dead"], { allowActions: true });
  const timeouts = await deadLetters(r, "jobs", 3, "421 timeout");
  await deadLetters(r, "jobs", 2, "550 no such user");

  const page = await confirm(r, "dead", "action=retry&error=timeout");
  assert.match(text(page), /Retry 3 entries from dead to jobs\?/);
  assert.match(text(page), /whose last error contains "timeout"/);
  assert.match(text(page), /attempts go back to 0/);
  // The confirmation changed nothing.
  assert.equal((await r.spool.list("dead")).length, 5);

  const report = await post(r, "dead", page);
  assert.match(
    text(report),
    /Retried 3 entries from dead to jobs \(of 3 confirmed\)/,
  );
  const operator = await OperatorSpool.open(r.dir);
  const jobs = await Array.fromAsync(operator.entries("jobs"));
  assert.deepEqual(jobs.map((e) => e.name), timeouts);
  for (const entry of jobs) {
    assert.equal(entry.attempts, 0);
    assert.equal(entry.due, null);
    assert.equal(entry.lastError?.beforeRetry, true);
  }
  assert.equal((await r.spool.list("dead")).length, 2);
});

Deno.test("dashboard bulk: destinations that vary are said, each with its count", async () => {
  await using r = await rig(["jobs", "mail", "dead"], { allowActions: true });
  await deadLetters(r, "jobs", 3, "421 timeout");
  await deadLetters(r, "mail", 2, "421 timeout");
  const page = await confirm(r, "dead", "action=retry");
  assert.match(
    text(page),
    /Retry 5 entries from dead to different queues \(3 to jobs, 2 to mail\)\?/,
  );
  assert.match(text(page), /every entry waiting in dead/);
  const report = await post(r, "dead", page);
  assert.match(
    text(report),
    /Retried 5 entries from dead to different queues \(3 to jobs, 2 to mail\)/,
  );
});

Deno.test("dashboard bulk: the action reaches only what was confirmed", async () => {
  await using r = await rig(["q", "done"], { allowActions: true });
  const a = await r.spool.enqueue("q", '{"to":"x"}', new Uint8Array());
  const b = await r.spool.enqueue("q", '{"to":"x"}', new Uint8Array());
  const other = await r.spool.enqueue("q", '{"to":"y"}', new Uint8Array());
  const page = await confirm(
    r,
    "q",
    `action=move&to=done&where=${encodeURIComponent("to=x")}`,
  );
  assert.match(text(page), /Move 2 entries from q to done\?/);
  const fields = hiddenFields(page, "/queues/q/bulk");
  assert.deepEqual(fields.where, ["to=x"]);
  assert.deepEqual(fields.count, ["2"]);
  assert.deepEqual(fields.through, [b.name]);

  // Meanwhile: one confirmed entry is removed, a new one matches.
  await (await r.spool.list("q")).find((e) => e.name === a.name)!.direct
    .remove();
  const late = await r.spool.enqueue("q", '{"to":"x"}', new Uint8Array());
  const report = await post(r, "q", page);
  assert.match(text(report), /Moved 1 entry from q to done \(of 2 confirmed\)/);
  assert.deepEqual((await r.spool.list("done")).map((e) => e.name), [b.name]);
  assert.deepEqual(
    (await r.spool.list("q")).map((e) => e.name),
    [other.name, late.name],
  );

  // A form without the confirmation's bound is refused.
  const { through: _, ...unbounded } = fields;
  const refused = await postFields(r, "/queues/q/bulk", unbounded);
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /confirm again/);
  assert.equal((await r.spool.list("q")).length, 2);
});

Deno.test("dashboard bulk: hold to a new queue, then release back where each was held from", async () => {
  await using r = await rig(["a", "b"], { allowActions: true });
  for (const queue of ["a", "b"]) {
    await r.spool.enqueue(queue, '{"urgent":true}', new Uint8Array());
    await r.spool.enqueue(queue, '{"urgent":false}', new Uint8Array());
  }
  for (const queue of ["a", "b"]) {
    const page = await confirm(
      r,
      queue,
      `action=hold&to=&where=${encodeURIComponent("urgent=false")}`,
    );
    assert.match(
      text(page),
      new RegExp(`Hold 1 entry from ${queue} to held\\?`),
    );
    if (queue === "a") {
      assert.match(text(page), /held is a new queue, made now/);
    } else assert.doesNotMatch(text(page), /new queue/);
    await post(r, queue, page);
  }
  const release = await confirm(r, "held", "action=release");
  assert.match(
    text(release),
    /Release 2 entries from held to different queues \(1 to a, 1 to b\)\?/,
  );
  await post(r, "held", release);
  const operator = await OperatorSpool.open(r.dir);
  for (const queue of ["a", "b"]) {
    const entries = await Array.fromAsync(operator.entries(queue));
    assert.equal(entries.length, 2);
    assert.ok(entries.every((e) => e.heldFrom === null));
  }
});

Deno.test("dashboard bulk: refusals are counted, and nothing to do is said", async () => {
  await using r = await rig(["q", "done"], { allowActions: true });
  await r.spool.enqueue("q", "{}", new Uint8Array());
  // Retry with no failure recorded: nowhere to go.
  const page = await confirm(r, "q", "action=retry");
  assert.match(text(page), /No entry to act on: the filter picks 1 entry/);
  assert.match(
    text(page),
    /1 entry would be refused, and left where it is: ?1 entry: it has no failure recorded/,
  );
  assert.doesNotMatch(page, /id="confirm"/);
  const none = await confirm(r, "q", "action=remove&error=nothing-like-it");
  assert.match(text(none), /No entry to act on: the filter picks 0 entries/);
});

Deno.test("dashboard bulk: remove every entry, behind a confirmation that counts them", async () => {
  await using r = await rig(["q"], { allowActions: true });
  for (let i = 0; i < 3; i++) {
    await r.spool.enqueue("q", "{}", new Uint8Array());
  }
  const queuePage = await r.page("/queues/q");
  assert.match(
    queuePage,
    /<form class="bulk" method="get" action="\/queues\/q\/bulk">/,
  );
  assert.match(text(queuePage), /With every entry waiting here \(3\)/);
  const page = await confirm(r, "q", "action=remove");
  assert.match(text(page), /Remove 3 entries from q\?/);
  assert.match(
    page,
    /<button type="submit" id="confirm" class="danger">Remove 3 entries<\/button>/,
  );
  const report = await post(r, "q", page);
  assert.match(text(report), /Removed 3 entries from q \(of 3 confirmed\)/);
  assert.deepEqual(await r.spool.list("q"), []);
});

Deno.test("dashboard bulk: bad requests are refused with the reason", async () => {
  await using r = await rig(["q", "done"], { allowActions: true });
  await r.spool.enqueue("q", "{}", new Uint8Array());
  const cases: [string, number, RegExp][] = [
    ["/queues/nope/bulk?action=remove", 404, /there is no queue/],
    ["/queues/q/bulk?action=explode", 400, /unknown action/],
    ["/queues/q/bulk?action=move", 400, /name the queue/],
    ["/queues/q/bulk?action=move&to=q", 400, /in q already/],
    ["/queues/q/bulk?action=move&to=done&older=later", 400, /not a span/],
  ];
  for (const [path, status, message] of cases) {
    const response = await r.fetch(path);
    assert.equal(response.status, status, path);
    assert.match(await response.text(), message, path);
  }
  // A post without the form secret.
  const page = await confirm(r, "q", "action=move&to=done");
  const { csrf: _, ...fields } = hiddenFields(page, "/queues/q/bulk");
  const forged = await postFields(r, "/queues/q/bulk", fields);
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  assert.equal((await r.spool.list("q")).length, 1);
});
