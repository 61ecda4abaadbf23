// Faults injected through the file-system seam (tests/_helpers/faulty_fs.ts)
// at every step of every operation: a failed flush (EIO), a full disk
// (ENOSPC, before the first byte or after half the content), a rename, link
// or unlink that fails (EIO), or that happened and still answers EIO.
//
// Each operation is run once clean to count its steps, then once per step
// with the fault there, each time from a fresh spool holding one entry
// acknowledged before. Each time: the call rejects with a SpoolError naming
// the operation and a path, caused by the file system's error (a
// DiskFullError for ENOSPC), unless the fault is one the library is meant to
// ride out; no reader sees half an entry, neither at the moment of the
// fault nor after the call; the entry the call was about is as it was or as
// the call would have left it; the monitor explains what is left; repair
// clears it; and readers then take every acknowledged entry, whole.
//
// The fsyncgate tests: a failed flush is never retried into a success for
// a caller that needed it.

import assert from "node:assert/strict";
import {
  DiskFullError,
  jsonMetadata,
  Monitor,
  PartialEnqueueError,
  Spool,
  SpoolError,
} from "../../mod.ts";
import { checkout, tryCheckout } from "../../expert.ts";
import { openMonitor } from "../../src/monitor.ts";
import { openSpool } from "../../src/spool.ts";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { ageEverything, explained } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import {
  type Call,
  FAULT_KINDS,
  type FaultKind,
  faultSteps,
  FaultyFs,
  type Hit,
  osError,
} from "../_helpers/faulty_fs.ts";

const QUEUES = ["in", "out", "dead"] as const;
type Queue = typeof QUEUES[number];
type Meta = { n: number };
type TestSpool = Spool<Queue, Meta, Uint8Array>;
const SPOOLABLE = { queues: QUEUES, metadata: jsonMetadata<Meta>() };

const SCRATCH = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
})();

const HOUR = 3_600_000;

/** A payload of two and a half 4 KiB blocks, its bytes depending on `n`. */
const payload = (n: number) =>
  Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7 + n * 31) & 0xff);

/** The entry acknowledged before each operation, which it must not touch. */
const KEEP = { meta: { n: 0 }, data: payload(0) };
/** The entry each operation is about: its metadata before and after. */
const M1: Meta = { n: 1 };
const M2: Meta = { n: 2 };
const SUBJECT_DATA = payload(1);

const text = (meta: Meta) => JSON.stringify(meta);
const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Where an entry's metadata files may be. */
const PLACES = QUEUES.flatMap((q) => [q, `${q}/.checkout`]);

/** One metadata file of an entry, as it is on disk. */
interface Seen {
  place: string;
  metadata: string;
  ino: number | null;
  mtime: number;
}

/** Every metadata file in the queues and checkouts, by entry name. */
function look(dir: string): Map<string, Seen[]> {
  const found = new Map<string, Seen[]>();
  for (const place of PLACES) {
    for (const item of Deno.readDirSync(`${dir}/${place}`)) {
      if (item.name.startsWith(".")) continue;
      const path = `${dir}/${place}/${item.name}`;
      const info = Deno.lstatSync(path);
      found.set(item.name, [...found.get(item.name) ?? [], {
        place,
        metadata: info.isFile ? Deno.readTextFileSync(path) : "(not a file)",
        ino: info.ino,
        mtime: info.mtime!.getTime(),
      }]);
    }
  }
  return found;
}

function read(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The payload and the metadata texts an entry may have, by its name. */
function expected(name: string): { data: Uint8Array; metadata: string[] } {
  if (name.startsWith("keep-")) {
    return { data: KEEP.data, metadata: [text(KEEP.meta)] };
  }
  if (name.startsWith("subject-")) {
    return { data: SUBJECT_DATA, metadata: [text(M1), text(M2)] };
  }
  return { data: new Uint8Array(), metadata: [] };
}

/** One file under two names, a queue's and its `.checkout/`'s. */
function claimCutShort(seen: Seen[]): boolean {
  if (seen.length !== 2) return false;
  const [a, b] = seen.map((s) => s.place).sort();
  return b === `${a}/.checkout` && seen[0].ino === seen[1].ino;
}

/**
 * What a reader could come across that is not a whole entry: a metadata
 * file without its registry file or payload, with a payload or metadata it
 * was never given, an entry nobody enqueued, or one in two places (but a
 * claim cut short: one file, in a queue and its `.checkout/`).
 */
function halfEntries(dir: string): string[] {
  const wrong: string[] = [];
  for (const [name, seen] of look(dir)) {
    const want = expected(name);
    if (want.metadata.length === 0) wrong.push(`${name}: nobody enqueued it`);
    if (seen.length > 1 && !claimCutShort(seen)) {
      wrong.push(`${name}: in ${seen.map((s) => s.place).join(" and ")}`);
    }
    for (const s of seen) {
      if (!want.metadata.includes(s.metadata)) {
        wrong.push(`${name}: metadata ${JSON.stringify(s.metadata)}`);
      }
    }
    if (read(`${dir}/.registry/${name}`) === undefined) {
      wrong.push(`${name}: visible without its registry file`);
    }
    const data = read(`${dir}/.data/${name}`);
    if (data === undefined) wrong.push(`${name}: visible without its payload`);
    else if (!sameBytes(data, want.data)) {
      wrong.push(`${name}: a payload of ${data.length} bytes, not its own`);
    }
  }
  return wrong;
}

/** A state of the entry an operation is about. */
interface State {
  /** Where its metadata file is; "absent" if nowhere. */
  place: string;
  /** The metadata it may have (M1 if left out). */
  metadata?: Meta[];
  /** The attempts its history may count (0 if left out). */
  attempts?: number[];
  /** Whether it waits for a due time ahead ("either": it may). */
  delayed?: boolean | "either";
}

const ABSENT: State = { place: "absent" };

const subjects = (dir: string) =>
  [...look(dir)].filter(([name]) => name.startsWith("subject-"));

function attempts(dir: string, name: string): number | undefined {
  const bytes = read(`${dir}/.registry/${name}`);
  if (bytes === undefined) return undefined;
  const registry = new TextDecoder().decode(bytes);
  return registry.trim() === "" ? 0 : JSON.parse(registry).attempts;
}

/** The subject as it is now, for messages. */
function subjectNow(dir: string): string {
  const found = subjects(dir);
  if (found.length === 0) return "absent";
  return found.map(([name, seen]) =>
    seen.map((s) =>
      `${s.place}/${name} ${s.metadata}, ${attempts(dir, name)} attempts, due ${
        s.mtime > Date.now() ? "later" : "now"
      }`
    ).join(" and ")
  ).join("; ");
}

/** Whether the subject is now in `state`. */
function isIn(dir: string, state: State): boolean {
  const found = subjects(dir);
  if (state.place === "absent") return found.length === 0;
  if (found.length !== 1) return false;
  const [[name, seen]] = found;
  const placed = seen.length === 1
    ? seen[0].place === state.place
    : claimCutShort(seen) && seen.some((s) => s.place === state.place);
  return placed &&
    (state.metadata ?? [M1]).map(text).includes(seen[0].metadata) &&
    (state.attempts ?? [0]).includes(attempts(dir, name) ?? -1) &&
    (state.delayed === "either" ||
      (seen[0].mtime > Date.now()) === (state.delayed ?? false));
}

/** Whether `error`, or an error it was caused by, is `cause`. */
function causedBy(error: unknown, cause: unknown): boolean {
  for (let e = error; e !== undefined; e = (e as Error).cause) {
    if (e === cause) return true;
    if (!(e instanceof Error)) return false;
  }
  return false;
}

/** What an operation gets to work with. */
interface Context {
  dir: string;
  /** The spool on the real file system, for setting up. */
  base: TestSpool;
  /** The same spool through the faulty file system. */
  spool: TestSpool;
  fs: FaultyFs;
}

/** An operation, and what it may leave. */
interface Scenario {
  name: string;
  durability?: "strict" | "relaxed";
  /** Sets up (nothing fails yet) and returns the call to make. */
  prepare(context: Context): Promise<() => Promise<unknown>>;
  /** The subject's state before the call, and after it succeeded. */
  before: State;
  after: State;
  /** Other whole states the call may leave the subject in. */
  also?: State[];
  /**
   * The faults the call may ride out (resolve), leaving the subject as it
   * was or as it would be; at any other, it must reject.
   */
  ridesOut: (hit: Hit, kind: FaultKind) => boolean;
  /** A call that rejected left the subject as it was. */
  undoneOnFailure?: boolean;
  /** A call that resolved left the subject as it would be. */
  doneOnSuccess?: boolean;
}

/**
 * A rename answered EIO that happened is recognised (`renameVerified` in
 * src/protocol/disk.ts checks the disk): the call goes on.
 */
const verified = (_: Hit, kind: FaultKind) => kind === "moved";
/**
 * A claim's link answered EIO is tried again; a claim whose link or unlink
 * happened and answered EIO is reported lost, its checkout left to repair
 * (see `claim` in src/protocol/claim.ts).
 */
const verifiedOrRetried = (hit: Hit, kind: FaultKind) =>
  kind === "moved" || hit.call === "link";

const enqueue = (
  durability: "strict" | "relaxed",
  delayed: boolean,
): Scenario => ({
  name: `enqueue (${durability}${delayed ? ", delayed" : ""})`,
  durability,
  prepare: ({ spool }) =>
    Promise.resolve(() =>
      spool.enqueue("in", M1, SUBJECT_DATA, {
        reserve: "subject-",
        delay: delayed ? HOUR : undefined,
      })
    ),
  before: ABSENT,
  after: { place: "in", delayed },
  ridesOut: verified,
  undoneOnFailure: true,
  doneOnSuccess: true,
});

/** Enqueues the subject in `in` through the real file system. */
const enqueueSubject = (base: TestSpool) =>
  base.enqueue("in", M1, SUBJECT_DATA, { reserve: "subject-" });

/** Checks the subject out through the faulty spool (nothing fails yet). */
async function held({ base, spool }: Context) {
  const entry = await enqueueSubject(base);
  return await checkout(spool, spool.entry("in", entry.name));
}

/** A monitor through the faulty file system, for repair. */
const faultyMonitor = ({ fs, dir }: Context) =>
  openMonitor(fs, dir, { limits: { workInProgressMs: 0 } });

const SCENARIOS: Scenario[] = [
  enqueue("strict", false),
  enqueue("strict", true),
  enqueue("relaxed", false),
  enqueue("relaxed", true),
  {
    name: "checkout (reader dequeue)",
    async prepare({ base, spool }) {
      await enqueueSubject(base);
      return async () => {
        await using reader = spool.reader("in", { watch: false });
        return await reader.dequeueAvailable();
      };
    },
    before: { place: "in" },
    after: { place: "in/.checkout" },
    ridesOut: verifiedOrRetried,
  },
  {
    name: "save",
    async prepare(context) {
      const job = await held(context);
      return () => job.save("out");
    },
    before: { place: "in/.checkout" },
    after: { place: "out" },
    ridesOut: verified,
    doneOnSuccess: true,
  },
  {
    name: "save with new metadata",
    async prepare(context) {
      const job = await held(context);
      return () => job.update(() => M2).save("out");
    },
    // The metadata is replaced in the checkout before the move.
    before: { place: "in/.checkout", metadata: [M1, M2] },
    after: { place: "out", metadata: [M2] },
    ridesOut: verified,
    doneOnSuccess: true,
  },
  {
    name: "retry (save with a failure and a delay)",
    async prepare(context) {
      const job = await held(context);
      return () =>
        job.save("in", { delay: HOUR, failure: new Error("try later") });
    },
    // The failure is recorded (and flushed), then the checkout dated with
    // its due time, before the move.
    before: { place: "in/.checkout", attempts: [0, 1], delayed: "either" },
    after: { place: "in", attempts: [1], delayed: true },
    ridesOut: verified,
    doneOnSuccess: true,
  },
  {
    name: "dead letter (a reader's retry policy)",
    async prepare({ base, spool }) {
      await enqueueSubject(base);
      return async () => {
        await using reader = spool.reader("in", {
          watch: false,
          retry: { maxAttempts: 1, deadLetter: "dead" },
        });
        await reader.iterAvailable(() => {
          throw new Error("the handler failed");
        });
      };
    },
    // A failed dead-lettering puts the entry back, its failure counted or
    // not.
    before: { place: "in", attempts: [0, 1] },
    after: { place: "dead", attempts: [1] },
    // A claim whose unlink happened but answered EIO is reported lost: the
    // checkout is left to repair.
    also: [{ place: "in/.checkout" }],
    ridesOut: verifiedOrRetried,
  },
  {
    name: "remove",
    async prepare(context) {
      const job = await held(context);
      return () => job.remove();
    },
    before: { place: "in/.checkout" },
    after: ABSENT,
    ridesOut: verified,
    doneOnSuccess: true,
  },
  {
    name: "repair: requeue a stale checkout",
    async prepare(context) {
      // Its consumer died with it checked out.
      await checkout(context.base, await enqueueSubject(context.base));
      ageEverything(context.dir);
      const monitor = await faultyMonitor(context);
      return () => monitor.repair({ dryRun: false });
    },
    // The abandoned attempt is recorded with the move: if it cannot be,
    // or the move fails, repair leaves the checkout alone and reports why
    // (a rename of the history that happened and answered EIO leaves it
    // recorded, and the checkout where it was).
    before: { place: "in/.checkout", attempts: [0, 1] },
    after: { place: "in", attempts: [1] },
    ridesOut: () => true,
  },
  {
    name: "repair: delete leftovers",
    async prepare(context) {
      // An enqueue that never finished, and a payload without its name.
      const { dir } = context;
      Deno.writeTextFileSync(`${dir}/.registry/half-1`, "");
      Deno.writeTextFileSync(`${dir}/.tmp/half-1`, text(M1));
      Deno.writeFileSync(`${dir}/.data/half-1`, SUBJECT_DATA);
      Deno.writeFileSync(`${dir}/.data/lone-1`, SUBJECT_DATA);
      ageEverything(dir);
      const monitor = await faultyMonitor(context);
      return () => monitor.repair({ dryRun: false });
    },
    before: ABSENT,
    after: ABSENT,
    ridesOut: verified,
  },
];

/** How one run ended. */
interface Trial {
  /** The calls a fault could hit, in order. */
  log: Call[];
  hit?: Hit;
  error?: unknown;
  /** What was wrong (empty if nothing). */
  wrong: string[];
}

/** A fresh spool in a temporary directory, holding the entry to keep. */
async function freshSpool(durability: "strict" | "relaxed" = "strict") {
  const dir = await Deno.makeTempDir({ dir: SCRATCH, prefix: "faults-" });
  const base = await Spool.create(dir, SPOOLABLE);
  const keep = await base.enqueue("out", KEEP.meta, KEEP.data, {
    reserve: "keep-",
  });
  const fs = new FaultyFs(dir);
  const spool: TestSpool = await openSpool<
    Queue,
    Meta,
    Uint8Array,
    string | undefined
  >(fs, dir, SPOOLABLE, { durability });
  return {
    dir,
    base,
    spool,
    fs,
    keep: keep.name,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/**
 * Runs `scenario` from a fresh spool with `fault` (without: a clean run),
 * and checks what it left.
 */
async function trial(
  scenario: Scenario,
  fault?: { kind: FaultKind; at: number },
): Promise<Trial> {
  await using context = await freshSpool(scenario.durability);
  const { dir, base, fs } = context;
  const wrong: string[] = [];
  const call = await scenario.prepare(context);

  fs.arm(fault);
  let snapshots = 0;
  fs.onFault = () => {
    snapshots++;
    for (const half of halfEntries(dir)) wrong.push(`at the fault: ${half}`);
  };
  let error: unknown;
  let resolved = false;
  try {
    await call();
    resolved = true;
  } catch (e) {
    error = e;
  }
  fs.onFault = undefined;
  const { hit } = fs;
  const log = [...fs.log];

  // The call's answer.
  if (fault !== undefined && (hit === undefined || snapshots !== 1)) {
    wrong.push("the fault was never reached");
  }
  if (resolved && hit !== undefined && !scenario.ridesOut(hit, fault!.kind)) {
    wrong.push("resolved, though the fault is not one it may ride out");
  }
  if (!resolved && hit === undefined) {
    wrong.push(`rejected without a fault: ${error}`);
  }
  if (!resolved && hit !== undefined) {
    if (!(error instanceof SpoolError)) {
      wrong.push(`rejected with ${error}, not a SpoolError`);
    } else {
      if (!error.operation || !error.path.startsWith(`${dir}/`)) {
        wrong.push(`the error names no operation or path: ${error.message}`);
      }
      if (!causedBy(error, hit.error)) {
        wrong.push(`the file system's error is not its cause: ${error}`);
      }
      const full = fault!.kind === "full" || fault!.kind === "short";
      if ((error instanceof DiskFullError) !== full) {
        wrong.push(`a ${error.name} for ${fault!.kind}: ${error.message}`);
      }
    }
  }

  // What readers see: no half entry, and the subject as it was or as it
  // would be.
  for (const half of halfEntries(dir)) wrong.push(`after the call: ${half}`);
  const before = isIn(dir, scenario.before);
  const after = isIn(dir, scenario.after);
  const other = (scenario.also ?? []).some((state) => isIn(dir, state));
  if (!before && !after && !other) {
    wrong.push(
      `the subject is neither as before nor as after: ${subjectNow(dir)}`,
    );
  }
  if (resolved && (hit === undefined || scenario.doneOnSuccess) && !after) {
    wrong.push(`resolved, but the subject is ${subjectNow(dir)}`);
  }
  if (!resolved && scenario.undoneOnFailure && !before) {
    wrong.push(`rejected, but the subject is ${subjectNow(dir)}`);
  }
  const subjectThere = subjects(dir).length > 0;

  // The monitor explains what is left, and repair clears it. Nothing is in
  // progress any more: no grace for work in progress.
  const monitor = await Monitor.create(dir, {
    limits: { workInProgressMs: 0 },
  });
  for (const problem of await monitor.runOnce()) {
    if (!explained(problem)) {
      wrong.push(`unexplained: ${JSON.stringify(problem)}`);
    }
  }
  ageEverything(dir);
  await monitor.repair({ dryRun: false });
  for (const problem of await monitor.runOnce()) {
    wrong.push(`left by repair: ${JSON.stringify(problem)}`);
  }
  if ([...Deno.readDirSync(`${dir}/.tmp`)].length > 0) {
    wrong.push("files left in .tmp/ after repair");
  }

  // Nothing acknowledged is lost: readers take every entry, whole.
  const taken = await takeAll(base, wrong);
  if (!taken.includes(context.keep)) {
    wrong.push("the entry acknowledged before is lost");
  }
  const subject = taken.filter((name) => name.startsWith("subject-"));
  if (subject.length !== (subjectThere ? 1 : 0)) {
    wrong.push(
      `the subject, ${
        subjectThere ? "there" : "gone"
      } after the call, is taken ${subject.length} times`,
    );
  }
  return { log, hit, error, wrong };
}

/**
 * Checks out and removes every entry of every queue (due or not) through
 * the real file system, checking that each is whole; returns their names.
 */
async function takeAll(spool: TestSpool, wrong: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const queue of QUEUES) {
    for (const entry of await spool.list(queue)) {
      const job = await tryCheckout(spool, entry, { evenIfNotDue: true });
      if (job === undefined) {
        wrong.push(`${queue}/${entry.name} could not be taken`);
        continue;
      }
      const want = expected(entry.name);
      if (!want.metadata.includes(text(job.metadata))) {
        wrong.push(`${entry.name} taken with metadata ${text(job.metadata)}`);
      }
      if (!sameBytes(await job.dataFile.load(), want.data)) {
        wrong.push(`${entry.name} taken with another payload`);
      }
      await job.remove();
      names.push(entry.name);
    }
  }
  return names;
}

/** One line of a summary: how the calls ended, for a fault kind. */
function summarize(kind: FaultKind, trials: Trial[]): string {
  const rejected = trials.filter((t) => t.error !== undefined);
  const errors = new Set(rejected.map((t) => {
    const e = t.error as SpoolError;
    return `${e.name} "${e.operation}"`;
  }));
  const rodeOut = trials.filter((t) => t.error === undefined)
    .map((t) => t.hit!.line.replace(/subject-\w+/g, "N"));
  return `${kind}: ${trials.length} steps, ${rejected.length} rejected (${
    [...errors].join(", ")
  })${rodeOut.length > 0 ? `; rode out ${rodeOut.join(", ")}` : ""}`;
}

// FAULTS_VERBOSE=1 prints what each fault did at each operation.
const verbose = Deno.permissions.querySync({
      name: "env",
      variable: "FAULTS_VERBOSE",
    }).state === "granted" && Deno.env.get("FAULTS_VERBOSE") !== undefined;

for (const scenario of SCENARIOS) {
  Deno.test(`faults: ${scenario.name}, at every step`, async (t) => {
    const clean = await trial(scenario);
    assert.deepEqual(clean.wrong, [], "the clean run");
    const summary: string[] = [];
    for (const kind of FAULT_KINDS) {
      const steps = faultSteps(clean.log, kind);
      if (steps.length === 0) continue;
      await t.step(`${kind}, at each of ${steps.length} steps`, async () => {
        const trials: Trial[] = [];
        const wrong: string[] = [];
        for (let at = 1; at <= steps.length; at++) {
          const result = await trial(scenario, { kind, at });
          trials.push(result);
          const step = steps[at - 1].line.replace(/subject-\w+/g, "N");
          wrong.push(...result.wrong.map((w) => `${step}: ${w}`));
        }
        summary.push(summarize(kind, trials));
        assert.deepEqual(wrong, []);
      });
    }
    if (verbose) console.log(`${scenario.name}\n  ${summary.join("\n  ")}`);
  });
}

// fsyncgate: after a failed fsync the kernel may have dropped the dirty
// pages, and a later fsync reports success without having written them.
// So a caller whose flush failed must be told so, never carried on to the
// next flush.

/** Where a strict enqueue changes each directory it flushes. */
const CHANGES: Record<string, (name: string) => string> = {
  ".registry": (name) => `createExclusive .registry/${name}`,
  ".data": (name) => `writeFile .data/${name}`,
  in: (name) => `rename .tmp/${name} -> in/${name}`,
};

Deno.test("fsyncgate: an enqueue whose flush failed rejects, and that flush is not tried again", async () => {
  const clean = await trial(enqueue("strict", false));
  const flushes = faultSteps(clean.log, "flush");
  assert.ok(flushes.length > 0);
  for (let at = 1; at <= flushes.length; at++) {
    await using context = await freshSpool();
    const { spool, fs } = context;
    fs.arm({ kind: "flush", at });
    const failed = spool.enqueue("in", M1, SUBJECT_DATA, {
      reserve: "subject-",
    });
    await assert.rejects(failed, SpoolError);
    const hit = fs.hit!;
    const again = fs.log.slice(hit.index + 1).filter((c) =>
      c.call === hit.call && c.path === hit.path
    );
    assert.deepEqual(again, [], `${hit.line} was tried again`);
    assert.deepEqual(await spool.list("in"), []);
    // The fault is spent: the next enqueue may succeed, and does.
    const next = await spool.enqueue("in", M1, SUBJECT_DATA, {
      reserve: "subject-",
    });
    assert.deepEqual((await spool.list("in")).map((e) => e.name), [next.name]);
  }
});

/** Runs 8 strict enqueues at once; their names, and when each resolved. */
async function concurrentEnqueues(
  spool: TestSpool,
  fs: FaultyFs,
): Promise<{ name?: string; ackedAt?: number; error?: unknown }[]> {
  return await Promise.all(
    Array.from({ length: 8 }, async () => {
      try {
        const entry = await spool.enqueue("in", M1, SUBJECT_DATA, {
          reserve: "subject-",
        });
        return { name: entry.name, ackedAt: fs.log.length };
      } catch (error) {
        return { error };
      }
    }),
  );
}

Deno.test("fsyncgate: a directory flush shared by concurrent enqueues fails: its callers reject, the others are whole", async () => {
  for (const dir of Object.keys(CHANGES)) {
    // How many flushes of `dir` there are depends on how the enqueues
    // overlap: every one, until the fault is no longer reached.
    let at = 1;
    for (;; at++) {
      await using context = await freshSpool();
      const { spool, fs } = context;
      fs.arm({ kind: "flush", at, where: (p) => p === dir });
      const results = await concurrentEnqueues(spool, fs);
      const hit = fs.hit;
      if (hit === undefined) break;
      const where = `the flush of ${dir} failing at ${at}`;
      const rejected = results.filter((r) => r.error !== undefined);
      assert.ok(rejected.length > 0, `${where}: no enqueue rejected`);
      for (const { error } of rejected) {
        assert.ok(causedBy(error, hit.error), `${where}: ${error}`);
      }
      const acked = results.flatMap((r) => r.name ?? []);
      assert.deepEqual(
        (await spool.list("in")).map((e) => e.name).sort(),
        acked.sort(),
        where,
      );
      assert.deepEqual(halfEntries(context.dir), [], where);
    }
    assert.ok(at > 1, `no flush of ${dir}`);
  }
});

// fsyncgate through the group commit: an enqueue whose registry file (or
// payload, or queue entry) was made before a shared flush of that directory
// started, and which asked for its own flush only after, waits for the next
// flush; if the first one failed, the kernel may have dropped the change and
// the next can succeed without it. Such an enqueue must reject (the group
// commit fails every caller whose mark predates a failed flush).
Deno.test({
  name:
    "fsyncgate: no enqueue resolves whose change the failed flush was the first to cover",
  async fn() {
    const violations: string[] = [];
    for (const [dir, change] of Object.entries(CHANGES)) {
      for (let at = 1; at <= 3; at++) {
        await using context = await freshSpool();
        const { spool, fs } = context;
        fs.arm({ kind: "flush", at, where: (p) => p === dir });
        const results = await concurrentEnqueues(spool, fs);
        if (fs.hit === undefined) continue;
        const failed = fs.hit.index;
        for (const { name, ackedAt } of results) {
          if (name === undefined) continue;
          const changed = fs.log.findIndex((c) => c.line === change(name));
          // Flushes of one directory never overlap (the group commit runs
          // one at a time): the first to start after the change covers it.
          const covered = fs.log.findIndex((c, i) =>
            i > changed && c.line === `syncDir ${dir}`
          );
          if (covered === failed) {
            violations.push(
              `${dir}, flush ${at} failed: an enqueue changed it at call ${changed}, the failed flush started at call ${failed}, and it resolved at call ${ackedAt}`,
            );
          }
        }
      }
    }
    assert.deepEqual(violations, []);
  },
});

/** A save of a held entry, back to its queue with a delay and a failure. */
const RETRY_LATER = { delay: HOUR, failure: new Error("try later") };

/**
 * For each fault of each kind at each step of the retry scenario: a fresh
 * spool whose held entry's save (`RETRY_LATER`) failed at that fault, for
 * `check` (faults the save went through are passed over); `where` names
 * the fault.
 */
async function eachFailedSave(
  check: (
    context: Context,
    job: Awaited<ReturnType<typeof held>>,
    where: string,
  ) => Promise<void>,
): Promise<void> {
  const scenario = SCENARIOS.find((s) => s.name.startsWith("retry"))!;
  const clean = await trial(scenario);
  for (const kind of FAULT_KINDS) {
    const steps = faultSteps(clean.log, kind).length;
    for (let at = 1; at <= steps; at++) {
      await using context = await freshSpool();
      const job = await held(context);
      context.fs.arm({ kind, at });
      if (await job.save("in", RETRY_LATER).then(() => true, () => false)) {
        continue;
      }
      await check(context, job, `${kind} at ${context.fs.hit!.line}`);
    }
  }
}

Deno.test("faults: a save that failed stays held, and its holder can save it again", async () => {
  await eachFailedSave(async (context, job, where) => {
    assert.equal(job.finished, false, where);
    await job.save("in", RETRY_LATER);
    const [entry] = await context.base.list("in");
    assert.ok((await entry.direct.readDue())! > new Date(), where);
    assert.deepEqual(await entry.direct.readMetadata(), M1, where);
  });
});

// A save that records a failure and fails (a fault anywhere in it) must not
// count that failure when its holder saves again: the new history is kept
// only once it is on disk.
Deno.test({
  name:
    "faults: a failed save with a failure, saved again by its holder, counts the failure once",
  async fn() {
    const wrong: string[] = [];
    await eachFailedSave(async (context, job, where) => {
      await job.save("in", RETRY_LATER);
      const [entry] = await context.base.list("in");
      const history = await entry.direct.readHistory();
      if (history.attempts !== 1) {
        wrong.push(`${where}: ${history.attempts} attempts`);
      }
    });
    assert.deepEqual(wrong, []);
  },
});

// The queue's flush after the renames fails, and a consumer has taken an
// entry in between: it cannot be taken back, so it is delivered, and the
// producer is told which, so as not to make it twice.
Deno.test("faults: an enqueue whose queue flush failed after a consumer took an entry names it as delivered", async () => {
  for (const many of [false, true]) {
    await using tmp = await tempDir();
    const dir = tmp.path;
    let taken: string | undefined;
    let armed = false;
    const failing: FileSystem = {
      ...realFileSystem,
      syncDir(path) {
        if (!armed || path !== `${dir}/in`) return realFileSystem.syncDir(path);
        // A consumer took the first entry just before the flush failed.
        taken = [...Deno.readDirSync(path)]
          .filter((e) => e.isFile).map((e) => e.name).sort()[0];
        Deno.linkSync(`${path}/${taken}`, `${path}/.checkout/${taken}`);
        Deno.removeSync(`${path}/${taken}`);
        return Promise.reject(osError("EIO", `fsync ${path}`));
      },
    };
    const spool = await openSpool(failing, dir, SPOOLABLE, {
      createIfMissing: true,
    });
    armed = true;
    const call = many
      ? spool.enqueueMany(
        "in",
        [1, 2, 3].map((n) => ({ metadata: { n }, data: SUBJECT_DATA })),
      )
      : spool.enqueue("in", M1, SUBJECT_DATA);
    const error = await call.catch((e) => e);
    assert.ok(error instanceof PartialEnqueueError, String(error));
    assert.deepEqual(error.delivered, [taken]);
    assert.match(error.message, /delivered all the same/);
    // The others were taken back, whole; the delivered one is the
    // consumer's.
    assert.deepEqual(await spool.list("in"), []);
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/.registry`)].map((e) => e.name),
      [taken],
    );
    assert.ok(Deno.lstatSync(`${dir}/in/.checkout/${taken}`).isFile);
  }
});
