// The CLI and delayed entries, through real processes: enqueue --delay and
// --at, due times and attempts in ls and show (with hostile text escaped),
// ready and delayed counts in stats, and flush. Due times are checked
// against each other and against bounds taken around the command, never
// against how long anything took.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { checkout, tryCheckout } from "../../expert.ts";
import { lines } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { cli, help, lsTable, ok } from "../_helpers/cli.ts";

/** What `ls --json` and `show --json` say about an entry. */
interface Listed {
  name: string;
  state: string;
  due: string | null;
  attempts: number | null;
}

/** Control characters that must never reach a terminal raw. */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/;

const MINUTE = 60_000;

Deno.test("cli: enqueue --delay and --at, then ls shows due times and attempts", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const ready = (await ok(dir, ["enqueue", dir, "q"])).trim();
  const before = Date.now();
  const delayed = (await ok(dir, ["enqueue", dir, "q", "--delay", "10m"]))
    .trim();
  const after = Date.now();
  const at = (await ok(dir, [
    "enqueue",
    dir,
    "q",
    "--at",
    "2100-01-01T01:00+01:00",
  ])).trim();
  const past = (await ok(dir, [
    "enqueue",
    dir,
    "q",
    "--at",
    "2001-01-01T00:00:00Z",
  ])).trim();
  const zero = (await ok(dir, ["enqueue", dir, "q", "--delay", "0s"])).trim();

  const listed: Listed[] = JSON.parse(
    await ok(dir, ["ls", dir, "q", "--json"]),
  );
  const byName = new Map(listed.map((e) => [e.name, e]));
  assert.deepEqual(listed.map((e) => e.name), [
    ready,
    delayed,
    at,
    past,
    zero,
  ]);
  for (const e of listed) {
    assert.equal(e.attempts, 0, e.name);
    assert.equal(e.state, "waiting");
  }
  assert.equal(byName.get(ready)!.due, null);
  assert.equal(byName.get(past)!.due, null, "a time already past is now");
  assert.equal(byName.get(zero)!.due, null);
  assert.equal(byName.get(at)!.due, "2100-01-01T00:00:00.000Z");
  const due = Date.parse(byName.get(delayed)!.due!);
  assert.ok(
    due >= before + 10 * MINUTE && due <= after + 10 * MINUTE,
    `due ${new Date(due).toISOString()} is ten minutes after the enqueue`,
  );

  // The table: "now" when ready, "in ..." while delayed, columns aligned.
  const { lines: table, rows, cell } = await lsTable(dir, "q");
  assert.equal(table.at(-1), "-- 5 entries, 0 B", "a totals line");
  assert.equal(cell(rows.get(ready)!, "DUE"), "now");
  assert.match(cell(rows.get(delayed)!, "DUE"), /^in \d+m( \d+s)?$/);
  assert.match(cell(rows.get(at)!, "DUE"), /^in \d+d( \d+h)?$/);
  assert.equal(cell(rows.get(past)!, "DUE"), "now");
  for (const row of rows.values()) {
    assert.equal(cell(row, "ATTEMPTS"), "0");
    assert.equal(cell(row, "DATA"), "0 B");
  }

  // Checked out: no due time; its attempts are still read.
  const spool = await Spool.load(dir, { queues: ["q"] });
  const job = await checkout(spool, spool.entry("q", ready));
  await job.save("q", { failure: new Error("boom") });
  const again = await checkout(spool, spool.entry("q", ready));
  const held: Listed[] = JSON.parse(
    await ok(dir, ["ls", dir, "q", "--checked-out", "--json"]),
  );
  assert.deepEqual(
    held.map(({ name, state, due, attempts }) => ({
      name,
      state,
      due,
      attempts,
    })),
    [{ name: ready, state: "checked out", due: null, attempts: 1 }],
  );
  await again.remove();
});

Deno.test("cli: show prints due time, attempts and failures, control characters escaped", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["in", "retry"] });
  // A hostile name (ESC is a valid name character) and a hostile handler.
  const entry = await spool.enqueue("in", { to: "a@x" }, new Uint8Array(), {
    reserve: "evil\u001b[2J-",
  });
  const hostile = "x\u001b]0;evil\u0007";
  let job = await checkout(spool, entry);
  await job.save("retry", { failure: new Error("451 greylisted") });
  job = await checkout(spool, spool.entry("retry", entry.name));
  const before = Date.now();
  await job.save("retry", { delay: 60_000, failure: new Error(hostile) });
  const after = Date.now();
  const shownName = entry.name.replace("\u001b", "\\x1b");

  const human = await ok(dir, ["show", dir, "retry", entry.name]);
  assert.doesNotMatch(human, RAW_CONTROL, "nothing raw reaches the terminal");
  const out = lines(human);
  assert.equal(out[0], `name:      ${shownName}`);
  assert.equal(out[1], "queue:     retry (waiting)");
  assert.match(out[2], /^arrived: {3}\S+Z \(\S+ ago\)$/);
  assert.match(out[4], /^due: {7}\S+Z \(in \d+s\)$/);
  assert.equal(out[5], "attempts:  2");
  assert.equal(out[6], "failures:  oldest first");
  assert.match(out[7], /^ {2}\S+Z {2}in {5}error {2}Error: 451 greylisted$/);
  assert.match(
    out[8],
    /^ {2}\S+Z {2}retry {2}error {2}Error: x\\x1b\]0;evil\\x07$/,
  );
  assert.equal(out[9], 'metadata:  {"to":"a@x"}');

  const json = JSON.parse(
    await ok(dir, ["show", dir, "retry", entry.name, "--json"]),
  );
  assert.equal(json.name, entry.name);
  assert.equal(json.attempts, 2);
  const due = Date.parse(json.due);
  assert.ok(due >= before + 60_000 && due <= after + 60_000, json.due);
  assert.deepEqual(
    json.failures.map((f: { queue: string; kind: string; message: string }) =>
      `${f.queue} ${f.kind} ${f.message}`
    ),
    ["in error Error: 451 greylisted", `retry error Error: ${hostile}`],
  );
  for (const f of json.failures) {
    assert.ok(Date.parse(f.at) <= after, f.at);
  }

  // ls: the name escaped, the attempts read from the history.
  const table = await ok(dir, ["ls", dir, "retry"]);
  assert.doesNotMatch(table, RAW_CONTROL);
  assert.match(
    table,
    new RegExp(
      `^evil\\\\x1b\\[2J-\\S+\\s+\\S+Z\\s+\\S+\\s+in \\d+s\\s+2\\s+error \\S+ ago: Error: x\\\\x1b`,
      "m",
    ),
  );

  // An entry that never failed: due now, no failures line.
  const plain = await spool.enqueue("in", {}, new Uint8Array());
  const shown = lines(await ok(dir, ["show", dir, "in", plain.name]));
  assert.equal(shown[4], "due:       now");
  assert.equal(shown[5], "attempts:  0");
  assert.match(shown[6], /^metadata:/);
  const plainJson = JSON.parse(
    await ok(dir, ["show", dir, "in", plain.name, "--json"]),
  );
  assert.deepEqual(
    [plainJson.due, plainJson.attempts, plainJson.failures],
    [null, 0, []],
  );

  // Metadata stored raw with control characters is escaped too, and so are
  // C1 controls and bidirectional overrides in JSON output.
  const raw = (await ok(dir, [
    "enqueue",
    dir,
    "in",
    "--raw-metadata",
    "--metadata",
    "a\u001b[31mb\u009b1m\u202ec",
  ])).trim();
  const rawShown = await ok(dir, ["show", dir, "in", raw]);
  assert.doesNotMatch(rawShown, RAW_CONTROL);
  assert.match(rawShown, /^metadata: {2}a\\x1b\[31mb\\x9b1m\\u202ec$/m);
  const rawJson = await ok(dir, ["show", dir, "in", raw, "--json"]);
  assert.doesNotMatch(rawJson, RAW_CONTROL);
  assert.equal(JSON.parse(rawJson).metadata, "a\u001b[31mb\u009b1m\u202ec");
  assert.doesNotMatch(await ok(dir, ["ls", dir, "in"]), RAW_CONTROL);
});

Deno.test("cli: stats counts delayed entries apart from ready ones", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const none = new Uint8Array();
  await spool.enqueue("a", 1, none);
  await spool.enqueue("a", 2, none);
  await spool.enqueue("a", 3, none, { delay: 10 * MINUTE });
  await spool.enqueue("b", 4, none, { at: new Date(Date.now() + 60 * MINUTE) });
  await checkout(spool, await spool.enqueue("b", 5, none));

  const rows = lines(await ok(dir, ["stats", dir]));
  assert.match(
    rows[1],
    /^QUEUE\s+READY\s+DELAYED\s+QUARANTINED\s+CHECKED-OUT\s+OLDEST\s+T\s/,
  );
  assert.match(rows[2], /^a\s+2\s+1\s+0\s+0\s+\S+\s+3\s+3(\s+0){9}$/);
  assert.match(rows[3], /^b\s+0\s+1\s+0\s+1\s+\S+\s+1\s+1(\s+0){9}$/);

  const shapes = JSON.parse(await ok(dir, ["stats", dir, "--json"]));
  assert.deepEqual(
    shapes.map((s: Record<string, unknown>) => [
      s.queue,
      s.waiting,
      s.ready,
      s.delayed,
      s.checkedOut,
    ]),
    [["a", 3, 2, 1, 0], ["b", 1, 0, 1, 1]],
  );

  const metrics = await ok(dir, ["stats", dir, "--prometheus"]);
  const sample = (name: string, labels: string) =>
    new RegExp(`^${name}\\{spool="${dir}",${labels}\\} (\\S+)$`, "m")
      .exec(metrics)?.[1];
  assert.match(metrics, /^# TYPE multispool_delayed_entries gauge$/m);
  assert.equal(sample("multispool_delayed_entries", 'queue="a"'), "1");
  assert.equal(sample("multispool_delayed_entries", 'queue="b"'), "1");
  // The existing gauge keeps its meaning: every entry in the queue.
  assert.equal(
    sample("multispool_entries", 'queue="a",state="waiting"'),
    "3",
  );
  assert.equal(
    sample("multispool_entries", 'queue="b",state="checked_out"'),
    "1",
  );
  for (const line of lines(metrics).filter((l) => !l.startsWith("#"))) {
    assert.match(line, /^[a-z_]+\{[^}]*\} [0-9.e+-]+$/, line);
  }
});

Deno.test("cli: flush makes delayed entries due: named ones, a queue, all", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const none = new Uint8Array();
  const later = { delay: 60 * MINUTE };
  const a1 = await spool.enqueue("a", 1, none, later);
  const a2 = await spool.enqueue("a", 2, none, later);
  const a3 = await spool.enqueue("a", 3, none);
  const b1 = await spool.enqueue("b", 4, none, later);
  const held = await checkout(spool, await spool.enqueue("b", 5, none));
  // A failed attempt stays counted when the entry is made due.
  await (await checkout(spool, a3)).save("a", {
    delay: 60 * MINUTE,
    failure: new Error("x"),
  });
  const dues = async (queue: string) =>
    Object.fromEntries(
      (JSON.parse(await ok(dir, ["ls", dir, queue, "--json"])) as Listed[])
        .map((e) => [e.name, e.due === null ? "now" : "later"]),
    );
  assert.equal(await tryCheckout(spool, a1), undefined, "not due yet");

  // One entry.
  assert.equal(
    await ok(dir, ["flush", dir, "a", a1.name]),
    "made 1 entry due now (a 1)\n",
  );
  assert.deepEqual(await dues("a"), {
    [a1.name]: "now",
    [a2.name]: "later",
    [a3.name]: "later",
  });
  assert.equal(
    await ok(dir, ["flush", dir, "a", a1.name]),
    "made 0 entries due now\n",
    "due already: nothing to do",
  );
  const taken = await tryCheckout(spool, a1);
  assert.ok(taken !== undefined, "a consumer can take it now");
  await taken.save("a");

  // A queue, as JSON.
  const report = JSON.parse(await ok(dir, ["flush", dir, "a", "--json"]));
  assert.equal(report.madeDue, 2);
  assert.deepEqual(report.queues, { a: 2 });
  assert.deepEqual(
    report.entries.map((e: { name: string }) => e.name),
    [a2.name, a3.name],
  );
  for (const e of report.entries) assert.ok(Date.parse(e.wasDue) > Date.now());
  assert.deepEqual(report.notFound, []);
  assert.deepEqual(await dues("b"), { [b1.name]: "later" });
  assert.equal(
    (JSON.parse(await ok(dir, ["show", dir, "a", a3.name, "--json"]))).attempts,
    1,
  );

  // All queues.
  await spool.enqueue("a", 6, none, later);
  assert.equal(
    await ok(dir, ["flush", dir]),
    "made 2 entries due now (a 1, b 1)\n",
  );
  assert.ok(Object.values(await dues("b")).every((d) => d === "now"));
  assert.ok(Object.values(await dues("a")).every((d) => d === "now"));

  // Unknown or checked-out names: each is named, the others still done.
  const a4 = await spool.enqueue("a", 7, none, later);
  const r = await cli(dir, ["flush", dir, "a", "nope", a4.name]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "made 1 entry due now (a 1)\n");
  assert.equal(
    r.stderr,
    "multispool flush: nope is not waiting in a (checked out, moved, or removed)\n",
  );
  const gone = await cli(dir, ["flush", dir, "b", held.name, "--json"]);
  assert.equal(gone.code, 1);
  assert.deepEqual(JSON.parse(gone.stdout).notFound, [held.name]);
  await held.remove();
});

Deno.test("cli: mv keeps a delayed entry's due time, rm removes it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const none = new Uint8Array();
  const entry = await spool.enqueue("a", 1, none, { delay: 60 * MINUTE });
  const due = `${(await entry.direct.readDue())!.toISOString().slice(0, 19)}Z`;
  assert.equal(
    await ok(dir, ["mv", dir, "a", entry.name, "b"]),
    `moved ${entry.name} from a to b, due ${due}\n`,
  );
  const moved = spool.entry("b", entry.name);
  assert.equal(
    `${(await moved.direct.readDue())?.toISOString().slice(0, 19)}Z`,
    due,
  );
  assert.equal(await tryCheckout(spool, moved), undefined, "still not due");
  assert.equal(
    await ok(dir, ["rm", dir, "b", entry.name]),
    `removed ${entry.name} from b\n`,
  );
  assert.deepEqual(await spool.list("b"), []);
  // A ready entry moves as before, due now in its new queue.
  const ready = await spool.enqueue("a", 2, none);
  assert.equal(
    await ok(dir, ["mv", dir, "a", ready.name, "b"]),
    `moved ${ready.name} from a to b\n`,
  );
  assert.equal(await spool.entry("b", ready.name).direct.readDue(), undefined);
});

Deno.test("cli: bad scheduling flags exit 2 with one line", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(`${dir}/spool`, { queues: ["q"] });
  const spool = `${dir}/spool`;
  const cases: [string[], RegExp][] = [
    [
      ["enqueue", spool, "q", "--delay", "1m", "--at", "2100-01-01T00:00Z"],
      /^multispool enqueue: give --delay or --at, not both$/m,
    ],
    [
      ["enqueue", spool, "q", "--delay", "soon"],
      /--delay: "soon" is not a span/,
    ],
    [["enqueue", spool, "q", "--delay=-5m"], /--delay: "-5m" is not a span/],
    [
      ["enqueue", spool, "q", "--delay", "-5m"],
      /^multispool enqueue: Option '--delay' argument is ambiguous\. Did/m,
    ],
    [["enqueue", spool, "q", "--delay"], /argument missing/],
    [
      ["enqueue", spool, "q", "--at", "tomorrow"],
      /--at: "tomorrow" is not an ISO 8601 time/,
    ],
    [["enqueue", spool, "q", "--at", "2100-13-01"], /is not an ISO 8601 time/],
    [
      ["enqueue", spool, "q", "--at", "2100-02-30T00:00Z"],
      /is not an ISO 8601 time/,
    ],
    [["flush"], /^multispool flush: missing DIR$/m],
    [["flush", spool, "nope"], /"nope" is not a queue of/],
    [["flush", spool, "q", "../x"], /invalid entry name "..\/x"/],
    [["flush", spool, "--apply"], /unknown option --apply /],
    [["flush", `${dir}/missing`], /not found/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(dir, args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
  assert.deepEqual(
    await (await Spool.load(spool, { queues: ["q"] })).list("q"),
    [],
    "nothing was enqueued",
  );
});

Deno.test("cli: --help documents the scheduling flags and flush", async () => {
  const enqueue = await help("enqueue");
  assert.match(enqueue, /\[--delay SPAN \| --at TIME\]/);
  assert.match(enqueue, /^ {2}--delay SPAN /m);
  assert.match(enqueue, /^ {2}--at TIME /m);
  assert.match(await help("ls"), /"due".*\n.*"attempts"/);
  assert.match(await help("show"), /"failures"/);
  assert.match(await help("stats"), /multispool_delayed_entries/);
  const flush = await help("flush");
  assert.match(flush, /^Usage: multispool flush DIR \[QUEUE \[NAME \.\.\.\]\]/);
  assert.match(flush, /Exit codes: 0 done/);
  assert.match(await help("mv"), /keeps its due time/);
});
