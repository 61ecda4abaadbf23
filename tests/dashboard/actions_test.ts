// Actions go through the library and race correctly with consumers: each
// is confirmed first, done with a checkout (or makeDue), and an entry a
// consumer took meanwhile is a clear 409, with nothing done.

import assert from "node:assert/strict";
import { checkout } from "../../expert.ts";
import { Spool } from "../../mod.ts";
import { OperatorSpool } from "../../operator.ts";
import {
  entryPath,
  failed,
  formSecret,
  postForm,
  type Rig,
  rig,
} from "./_helpers.ts";

/** Confirms and posts an action as a browser would; the response. */
async function act(
  r: Rig,
  queue: string,
  name: string,
  fields: Record<string, string>,
): Promise<Response> {
  const query = new URLSearchParams(fields).toString();
  const csrf = await formSecret(r, queue, name, query);
  return await postForm(r, entryPath(queue, name), { ...fields, csrf });
}

Deno.test("dashboard actions: move keeps the due time; the page says where it went", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array(), {
    delay: 3_600_000,
  });
  const due = await entry.direct.readDue();
  const confirm = await r.page(
    `${entryPath("in", entry.name)}/confirm?action=move&to=out`,
  );
  assert.match(
    confirm,
    /Move <b class="name">[^<]+<\/b> from <b>in<\/b> to <b>out<\/b>\?/,
  );
  const response = await act(r, "in", entry.name, {
    action: "move",
    to: "out",
  });
  assert.equal(response.status, 303);
  const location = response.headers.get("location")!;
  assert.equal(location, `${entryPath("out", entry.name)}?done=move&from=in`);
  assert.match(await r.page(location), /Moved from in to out\./);
  const [moved] = await r.spool.list("out");
  assert.equal(moved.name, entry.name);
  assert.equal((await moved.direct.readDue())?.getTime(), due?.getTime());
});

Deno.test("dashboard actions: hold makes the held queue, release moves back", async () => {
  await using r = await rig(["in"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const confirm = await r.page(
    `${entryPath("in", entry.name)}/confirm?action=hold&to=`,
  );
  assert.match(confirm, /to <b>held<\/b> \(a new queue, made now\)/);
  const held = await act(r, "in", entry.name, { action: "hold", to: "" });
  assert.equal(held.status, 303);
  assert.deepEqual(await Spool.findQueues(r.dir), ["held", "in"]);
  const page = await r.page(held.headers.get("location")!);
  assert.match(page, /Held: moved from in to held\./);
  assert.match(page, /Release to/);
  const released = await act(r, "held", entry.name, {
    action: "release",
    to: "in",
  });
  assert.equal(released.status, 303);
  const spool = await Spool.load(r.dir, { queues: ["in", "held"] });
  assert.deepEqual((await spool.list("in")).map((e) => e.name), [entry.name]);
  assert.deepEqual(await spool.list("held"), []);
});

Deno.test("dashboard actions: make due now, then it says it was due already", async () => {
  await using r = await rig(["in"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array(), {
    delay: 3_600_000,
  });
  assert.match(await r.page(entryPath("in", entry.name)), /Make due now…/);
  const first = await act(r, "in", entry.name, { action: "due" });
  assert.equal(
    first.headers.get("location"),
    `${entryPath("in", entry.name)}?done=due`,
  );
  assert.equal(await entry.direct.readDue(), undefined);
  const page = await r.page(first.headers.get("location")!);
  assert.match(page, /Made due now\./);
  assert.doesNotMatch(page, /Make due now…/);
  const again = await act(r, "in", entry.name, { action: "due" });
  assert.equal(
    again.headers.get("location"),
    `${entryPath("in", entry.name)}?done=was-due`,
  );
});

Deno.test("dashboard actions: remove takes the entry away, payload and all", async () => {
  await using r = await rig(["in"], { allowActions: true });
  const entry = await r.spool.enqueue(
    "in",
    "{}",
    new TextEncoder().encode("x"),
  );
  const response = await act(r, "in", entry.name, { action: "remove" });
  assert.equal(response.status, 303);
  const location = response.headers.get("location")!;
  assert.match(await r.page(location), /Removed [^ ]+ from in\./);
  assert.deepEqual(await r.spool.list("in"), []);
  await assert.rejects(entry.direct.dataFile().stat());
});

Deno.test("dashboard actions: an entry a consumer took after the confirmation is a 409, nothing done", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const csrf = await formSecret(r, "in", entry.name, "action=remove");
  // A consumer takes it between the confirmation and the post.
  const job = await checkout(r.spool, entry);
  const attempts: Record<string, string>[] = [
    { action: "remove" },
    { action: "move", to: "out" },
    { action: "due" },
  ];
  for (const fields of attempts) {
    const response = await postForm(r, entryPath("in", entry.name), {
      ...fields,
      csrf,
    });
    assert.equal(response.status, 409, fields.action);
    assert.match(
      await response.text(),
      /is not waiting in in: a consumer has it, or it was moved or removed meanwhile\. Nothing was done\./,
    );
  }
  // Still the consumer's: its checkout finishes as it meant to.
  const page = await r.page(entryPath("in", entry.name));
  assert.match(page, /\(checked out\)/);
  assert.match(page, /A consumer has this entry checked out/);
  assert.doesNotMatch(page, /Remove…/);
  await job.save("out");
  assert.deepEqual((await r.spool.list("out")).map((e) => e.name), [
    entry.name,
  ]);
});

Deno.test("dashboard actions: bad requests are refused with the reason", async () => {
  await using r = await rig(["in", "out"], { allowActions: true });
  const entry = await r.spool.enqueue("in", "{}", new Uint8Array());
  const path = `${entryPath("in", entry.name)}/confirm`;
  const cases: [string, number, RegExp][] = [
    ["action=explode", 400, /unknown action/],
    ["action=move&to=nowhere", 400, /there is no queue/],
    ["action=move&to=in", 400, /in in already/],
    ["action=move", 400, /name the queue/],
    ["action=hold&to=..", 400, /cannot be a queue/],
  ];
  for (const [query, status, message] of cases) {
    const response = await r.fetch(`${path}?${query}`);
    assert.equal(response.status, status, query);
    assert.match(await response.text(), message, query);
  }
});

Deno.test("dashboard actions: retry one entry, by default to the queue of its last failure", async () => {
  await using r = await rig(["jobs", "dead"], { allowActions: true });
  const name = await failed(r, "jobs", "{}", "421 timeout");
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [name] }, { kind: "move", to: "dead" });
  const page = await r.page(entryPath("dead", name));
  assert.match(
    page,
    /<label>Retry in <select name="to"><option value="">jobs \(where it last failed\)<\/option>/,
  );
  const confirm = await r.page(
    `${entryPath("dead", name)}/confirm?action=retry&to=`,
  );
  assert.match(
    confirm,
    /Retry <b class="name">[^<]+<\/b> from <b>dead<\/b> with a fresh start, to the queue of its last failure\?/,
  );
  const response = await act(r, "dead", name, { action: "retry", to: "" });
  assert.equal(response.status, 303);
  const location = response.headers.get("location")!;
  assert.equal(location, `${entryPath("jobs", name)}?done=retry&from=dead`);
  assert.match(
    await r.page(location),
    /Retried from dead to jobs with a fresh start: 0 attempts, due now\./,
  );
  const found = await operator.find(name);
  assert.equal(found?.attempts, 0);
  assert.equal(found?.lastError?.beforeRetry, true);
});

Deno.test("dashboard actions: release proposes where the entry was held from, and says when nothing was recorded", async () => {
  await using r = await rig(["alpha", "beta", "held"], { allowActions: true });
  const entry = await r.spool.enqueue("beta", "{}", new Uint8Array());
  const operator = await OperatorSpool.open(r.dir);
  await operator.act({ names: [entry.name] }, { kind: "hold", to: "held" });
  const page = await r.page(entryPath("held", entry.name));
  // beta, not alpha (the first queue by name), is selected.
  assert.match(page, /<option value="beta" selected>beta<\/option>/);
  assert.doesNotMatch(page, /<option value="alpha" selected>/);
  assert.match(
    page,
    /<dt>Held from<\/dt><dd><a href="\/queues\/beta">beta<\/a>/,
  );
  // Moved into the held queue by hand: no origin recorded, none chosen.
  const other = await r.spool.enqueue("held", "{}", new Uint8Array());
  const bare = await r.page(entryPath("held", other.name));
  assert.match(
    bare,
    /<option value="" selected disabled>choose a queue<\/option>/,
  );
  assert.match(bare, /no origin recorded/);
  const release = /class="action action-release">[^]*?<\/form>/.exec(bare)![0];
  assert.doesNotMatch(release, /<option value="[a-z]+" selected>/);
});
