// A call the program got wrong is a RangeError (bad value) or a TypeError
// (wrong type), with one message pattern naming the option and the value.

import assert from "node:assert/strict";
import { Spool, SpoolError } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { Monitor } from "../../monitor.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

function rejectsWith(
  error: typeof RangeError | typeof TypeError,
  message: string,
) {
  return (thrown: Error) => {
    assert.ok(thrown instanceof error, `${thrown}`);
    assert.ok(!(thrown instanceof SpoolError));
    assert.equal(thrown.message, message);
    return true;
  };
}

Deno.test("arguments: bad options when opening a spool", async () => {
  await using dir = await tempDir();
  const s = `${dir.path}/s`;
  await assert.rejects(
    Spool.create(s, { queues: ["q"], ioConcurrency: 0 }),
    rejectsWith(
      RangeError,
      "Cannot open spool as 'ioConcurrency' must be a positive integer: received 0",
    ),
  );
  await assert.rejects(
    Spool.create(s, { queues: ["q"], ioConcurrency: "8" as unknown as number }),
    rejectsWith(
      TypeError,
      `Cannot open spool as 'ioConcurrency' must be a number: received "8"`,
    ),
  );
  await assert.rejects(
    Spool.create(s, { queues: ["q", "q"] }),
    rejectsWith(
      RangeError,
      `Cannot create spool as 'queues' must be a list of distinct names: received "q" listed twice`,
    ),
  );
  await assert.rejects(
    Spool.load(s, { queues: ["q"] }, { durability: "fast" as "strict" }),
    rejectsWith(
      RangeError,
      `Cannot load spool as 'durability' must be "strict" or "relaxed": received "fast"`,
    ),
  );
  assert.throws(
    () => Spool.loadUnsafe("", { queues: ["q"] }),
    rejectsWith(
      RangeError,
      `Cannot load spool as 'dir' must be a non-empty string: received ""`,
    ),
  );
  assert.throws(
    () => Spool.loadUnsafe(7 as unknown as string, { queues: ["q"] }),
    rejectsWith(
      TypeError,
      "Cannot load spool as 'dir' must be a string: received 7",
    ),
  );
  // Nothing was created by any of them.
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("arguments: bad reader and iter options", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["q"] });
  assert.throws(
    () => spool.reader("q", { pollIntervalMs: 0 }),
    rejectsWith(
      RangeError,
      "Cannot open reader as 'pollIntervalMs' must be a positive number: received 0",
    ),
  );
  assert.throws(
    () => spool.reader("q", { spread: 1.5 }),
    rejectsWith(
      RangeError,
      "Cannot open reader as 'spread' must be a positive integer: received 1.5",
    ),
  );
  await using reader = spool.reader("q");
  await assert.rejects(
    reader.iter(() => ({ action: "remove" }), { concurrency: 0 }),
    rejectsWith(
      RangeError,
      "Cannot iterate as 'concurrency' must be a positive integer: received 0",
    ),
  );
});

Deno.test("arguments: bad monitor options", async () => {
  await using dir = await tempDir();
  await Spool.create(dir.path, { queues: ["q"] });
  await assert.rejects(
    Monitor.create(dir.path, { limits: { maxTmpFileAgeMs: -1 } }),
    rejectsWith(
      RangeError,
      "Cannot open monitor as 'maxTmpFileAgeMs' must be a number >= 0: received -1",
    ),
  );
  await assert.rejects(
    Monitor.create(dir.path, { limits: { maxQueueAgesMs: { q: NaN } } }),
    rejectsWith(
      RangeError,
      "Cannot open monitor as 'maxQueueAgesMs.q' must be a number >= 0: received NaN",
    ),
  );
  await assert.rejects(
    Monitor.create(dir.path, { limits: { maxQueueAgesMs: { zz: 1 } } }),
    rejectsWith(
      RangeError,
      `Cannot open monitor as 'maxQueueAgesMs' must be keyed by queues of the spool: received "zz", which is not a queue`,
    ),
  );
  const monitor = await Monitor.create(dir.path);
  await assert.rejects(
    monitor.watch({ checkEveryMs: 0 }).next(),
    rejectsWith(
      RangeError,
      "Cannot watch as 'checkEveryMs' must be a positive number: received 0",
    ),
  );
  await assert.rejects(
    monitor.watch({ alertAfterCycles: -1 }).next(),
    rejectsWith(
      RangeError,
      "Cannot watch as 'alertAfterCycles' must be a number >= 0: received -1",
    ),
  );
});

Deno.test("arguments: a handler's outcome that is not one, and a spool that is not one", async () => {
  await using dir = await tempDir();
  const spool = await Spool.create(dir.path, { queues: ["q"] });
  const entry = await spool.enqueue("q", {}, new Uint8Array());
  await assert.rejects(
    spool.withEntry(entry, () => ({ action: "keep" }) as never),
    rejectsWith(
      TypeError,
      `Cannot handle entry as 'outcome' must be { action: "save", queue }, { action: "remove" } or { action: "retry" }: received {"action":"keep"}`,
    ),
  );
  // The entry went back to its queue.
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [entry.name]);
  const fake = { ...spool } as typeof spool;
  await assert.rejects(
    checkout(fake, entry),
    rejectsWith(
      TypeError,
      "Cannot check out entry as 'spool' must be a spool opened by Spool.create, Spool.load or Spool.loadUnsafe: received object",
    ),
  );
});
