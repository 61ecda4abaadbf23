// The operator layer's quickCalls option: where its looks at entries make
// their reads (the metadata, the history). On the thread pool, a read the
// disk holds (a first read of a file just written waits for the journal to
// write its access time) holds none of the process's other work; the stats
// stay in line, as a stat waits for no journal.

import assert from "node:assert/strict";
import { DecodeError, jsonMetadata, Spool } from "../../mod.ts";
import type { QuickCallsPlace } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { OperatorSpool } from "../../operator.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { openOperator } from "../../src/operator/operator_spool.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const none = new Uint8Array();

/** Two dead letters with a history each, and one entry waiting in "jobs". */
async function spoolWithFailures(dir: string): Promise<string[]> {
  const spool = await Spool.create(dir, {
    queues: ["jobs", "dead"],
    metadata: jsonMetadata<{ to: string }>(),
  });
  const names = [];
  for (const to of ["a@x.org", "b@y.org", "c@x.org"]) {
    names.push((await spool.enqueue("jobs", { to }, none)).name);
  }
  await using reader = spool.reader("jobs", {
    retry: { maxAttempts: 1, deadLetter: "dead" },
  });
  await reader.iterAvailable((meta) => {
    if (meta.to === "c@x.org") return { action: "save", queue: "jobs" };
    throw new Error(`550 no user ${meta.to}`);
  });
  return names;
}

/** The real file system, counting where the reads and looks are made. */
function countingFs(): { fs: FileSystem; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count = (call: string) => calls.set(call, (calls.get(call) ?? 0) + 1);
  const fs: FileSystem = {
    ...realFileSystem,
    readTextStat(path) {
      count("readTextStat");
      return realFileSystem.readTextStat(path);
    },
    readText(path) {
      count("readText");
      return realFileSystem.readText(path);
    },
    readTextStatAsync(path) {
      count("readTextStatAsync");
      return realFileSystem.readTextStatAsync(path);
    },
    lstatAsync(path) {
      count("lstatAsync");
      return realFileSystem.lstatAsync(path);
    },
  };
  return { fs, calls };
}

/** What an operator's looks say, ages aside (they move between looks). */
async function looks(operator: OperatorSpool, names: string[]) {
  const still = <T extends object>(info: T | undefined) =>
    info && { ...info, ageMs: 0 };
  return {
    listed: (await Array.fromAsync(
      operator.entries("dead", { filter: { error: "no user" } }),
    )).map(still),
    page: (await operator.page("jobs", {}, 10)).entries.map(still),
    found: still(await operator.find(names[0])),
    details: still(await operator.details(names[1])),
    byField: (await operator.groupShapes("to")).map((s) => ({
      ...s,
      ageSumMs: 0,
      oldestWaitingMs: 0,
    })),
  };
}

Deno.test("operator quick calls: on the thread pool every read of a look is made there, and every stat in line; in line, nothing leaves the loop", async () => {
  await using tmp = await tempDir();
  const names = await spoolWithFailures(tmp.path);
  const seen = new Map<QuickCallsPlace, unknown>();
  for (const place of ["threadPool", "inLine"] as const) {
    const { fs, calls } = countingFs();
    const operator = await openOperator(fs, tmp.path, { quickCalls: place });
    seen.set(place, await looks(operator, names));
    const inLine = (calls.get("readTextStat") ?? 0) +
      (calls.get("readText") ?? 0);
    const offThread = calls.get("readTextStatAsync") ?? 0;
    if (place === "threadPool") {
      // Both dead letters' metadata and histories, the waiting entry's
      // metadata, the one found and the one detailed, and every entry's
      // metadata for the field.
      assert.ok(offThread >= 10, `${offThread} reads on the thread pool`);
      assert.equal(inLine, 0, "no read in line");
    } else {
      assert.ok(inLine >= 10, `${inLine} reads in line`);
      assert.equal(offThread, 0, "no read on the thread pool");
    }
    assert.equal(calls.get("lstatAsync") ?? 0, 0, "every stat in line");
  }
  assert.deepEqual(seen.get("threadPool"), seen.get("inLine"));
  const { listed, found, details } = seen.get("inLine") as Awaited<
    ReturnType<typeof looks>
  >;
  assert.deepEqual(listed.map((e) => e?.name), names.slice(0, 2));
  assert.equal(found?.lastError?.message, "Error: 550 no user a@x.org");
  assert.equal(details?.attempts, 1);
});

Deno.test("operator quick calls: a read held on the thread pool holds nothing else: a timer runs, and the page answers once the read does", async () => {
  await using tmp = await tempDir();
  const spool = await Spool.create(tmp.path, { queues: ["q"] });
  const entry = await spool.enqueue("q", { to: "a@x.org" }, none);
  const steps: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let entered!: () => void;
  const held = new Promise<void>((resolve) => entered = resolve);
  const fs: FileSystem = {
    ...realFileSystem,
    async readTextStatAsync(path) {
      // A read the journal holds: it answers once the test says so.
      steps.push("read held");
      entered();
      await released;
      return realFileSystem.readTextStatAsync(path);
    },
  };
  const operator = await openOperator(fs, tmp.path, {
    quickCalls: "threadPool",
  });
  const page = operator.page("q", {}, 10).then((page) => {
    steps.push("page answered");
    return page;
  });
  await held;
  await new Promise((resolve) => setTimeout(resolve, 0));
  steps.push("timer ran");
  release();
  const { entries } = await page;
  assert.deepEqual(entries.map((e) => e.metadata), ['{"to":"a@x.org"}']);
  assert.equal(entries[0].name, entry.name);
  assert.deepEqual(steps, ["read held", "timer ran", "page answered"]);
});

Deno.test("operator quick calls: on the thread pool, a planted link is refused as it is in line, and a gone entry is not found", async () => {
  await using tmp = await tempDir();
  const spool = await Spool.create(tmp.path, { queues: ["q"] });
  const entry = await spool.enqueue("q", {}, none);
  await Deno.writeTextFile(`${tmp.path}/secret`, "{}");
  await Deno.symlink(`${tmp.path}/secret`, `${tmp.path}/q/evil`);
  for (const quickCalls of ["threadPool", "inLine"] as const) {
    const operator = await OperatorSpool.open(tmp.path, { quickCalls });
    await assert.rejects(
      operator.details("evil"),
      (error: Error) =>
        error instanceof DecodeError &&
        /not a regular file/.test(error.message),
      quickCalls,
    );
    const listed = await Array.fromAsync(operator.entries("q"));
    assert.deepEqual(listed.map((e) => e.name), [entry.name], quickCalls);
  }
  const operator = await OperatorSpool.open(tmp.path, {
    quickCalls: "threadPool",
  });
  await operator.act({ names: [entry.name] }, { kind: "remove" });
  assert.equal(await operator.find(entry.name), undefined);
  assert.equal(await operator.details(entry.name), undefined);
});

Deno.test("operator quick calls: a quickCalls option that is not a place is refused, naming it, by the operator and the dashboard", async () => {
  await using tmp = await tempDir();
  await Spool.create(tmp.path, { queues: ["q"] });
  const bad = "sometimes" as QuickCallsPlace;
  await assert.rejects(
    OperatorSpool.open(tmp.path, { quickCalls: bad }),
    (error: Error) =>
      error instanceof RangeError && /quickCalls/.test(error.message) &&
      /sometimes/.test(error.message),
  );
  assert.throws(
    () => createDashboard(tmp.path, { quickCalls: bad }),
    (error: Error) =>
      error instanceof RangeError && /quickCalls/.test(error.message) &&
      /sometimes/.test(error.message) && /create dashboard/.test(error.message),
  );
});
