// The CLI's streams and machine outputs, through real processes: tail
// following a queue without taking anything, monitor alerts aggregated per
// queue, stats --watch as NDJSON, Prometheus metrics written atomically
// (a reader polling the file never sees a part of one), and what only a
// terminal gets (colour, a progress line), never with NO_COLOR. Processes
// are followed by their output, never by sleeping.

import assert from "node:assert/strict";
import { relative } from "node:path";
import { Spool } from "../../mod.ts";
import { checkout, listCheckoutsUnsafe } from "../../expert.ts";
import { age } from "../_helpers/ages.ts";
import { lines, ROOT, scopedTo } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { cli, startCli } from "../_helpers/cli.ts";

/** Control characters that must never reach a terminal raw. */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/;

const MINUTE = 60_000;
const none = new Uint8Array();

Deno.test("cli tail: prints entries as they arrive, as NDJSON, and takes none", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "other"] });
  const first = await spool.enqueue("q", { n: 1 }, new Uint8Array(3));
  const tail = startCli(dir, ["tail", dir, "q", "--existing", "--json"]);
  try {
    // The entry already there: the first listing is done, watching began.
    const seen = JSON.parse(await tail.line((l) => l.includes(first.name)));
    assert.equal(seen.state, "waiting");
    assert.deepEqual(seen.metadata, { n: 1 });
    assert.equal(seen.dataBytes, 3);
    await spool.enqueue("other", { n: 0 }, none); // another queue: not shown
    const second = await spool.enqueue("q", { n: 2 }, none);
    const arrived = JSON.parse(
      await tail.line((l) => l.includes(second.name), "the arrival"),
    );
    assert.deepEqual(arrived.metadata, { n: 2 });
    assert.ok(arrived.arrivedAt !== null);
    // Both are still waiting: tail only lists.
    assert.deepEqual((await spool.list("q")).map((e) => e.name), [
      first.name,
      second.name,
    ]);
    const result = await tail.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lines(result.stdout).length, 2, "one line per entry");
    for (const line of lines(result.stdout)) JSON.parse(line);
  } finally {
    await tail.stop();
  }

  // People's lines: filtered, hostile names and metadata escaped.
  const human = startCli(dir, [
    "tail",
    dir,
    "q",
    "--existing",
    "--where",
    "pick=yes",
    "--poll",
    "50ms",
  ]);
  try {
    await spool.enqueue("q", { pick: "no" }, none);
    const marker = await spool.enqueue("q", { pick: "yes", n: 3 }, none);
    const line = await human.line((l) => l.includes(marker.name));
    assert.match(
      line,
      new RegExp(`^\\S+Z  ${marker.name}  0 B  \\{"pick":"yes","n":3\\}$`),
    );
    const evil = await spool.enqueue(
      "q",
      { pick: "yes", s: "\u202e\u001b]0;x\u0007" },
      none,
      { reserve: "\u001b[2J\u009b-" },
    );
    const escaped = await human.line((l) => l.includes("\\x1b[2J"));
    assert.doesNotMatch(escaped, RAW_CONTROL);
    assert.ok(escaped.includes(`\\x1b[2J\\x9b-${evil.name.slice(-26)}`));
    const result = await human.stop("SIGINT");
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stdout, /"pick":"no"/);
    assert.match(result.stderr, /^following q in .*; Ctrl-C to stop$/m);
  } finally {
    await human.stop();
  }
});

Deno.test("cli monitor: alerts aggregated per queue and kind, --per-entry for one line each", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const stale: string[] = [];
  for (let i = 0; i < 5; i++) {
    const job = await checkout(spool, await spool.enqueue("q", { i }, none));
    age(`${dir}/q/.checkout/${job.name}`, 15 * MINUTE + i * 1000);
    stale.push(job.name);
  }
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  age(`${dir}/.data/stray`, MINUTE);
  const common = ["--check-every", "50ms", "--alert-after-cycles", "0"];

  const human = startCli(dir, ["monitor", dir, ...common]);
  try {
    const grouped = await human.line((l) => l.includes("too-old"));
    assert.match(
      grouped,
      /^\S+Z start 5 too-old in q\/\.checkout \(oldest modified 15m 4s ago\)$/,
    );
    const single = await human.line((l) => l.includes("orphaned"));
    assert.match(single, /^\S+Z start orphaned \.data\/stray \(modified 1m/);
    const result = await human.stop("SIGTERM");
    assert.equal(lines(result.stdout).length, 2, result.stdout);
  } finally {
    await human.stop();
  }

  const json = startCli(dir, ["monitor", dir, "--json", ...common]);
  try {
    const start = JSON.parse(await json.line((l) => l.includes("too-old")));
    assert.equal(start.event, "start");
    assert.equal(start.count, 5);
    assert.deepEqual(start.where, ["q/.checkout"]);
    assert.deepEqual([start.queue, start.checkout], ["q", true]);
    assert.deepEqual([...start.names].sort(), [...stale].sort());
    assert.ok(start.oldestAgeMs >= 15 * MINUTE + 4000, `${start.oldestAgeMs}`);
    // The consumers' entries go back to the queue: one end for all five.
    for (const job of await listCheckoutsUnsafe(spool, "q")) {
      await job.save("q");
    }
    const end = JSON.parse(
      await json.line((l) => l.includes('"end"') && l.includes("too-old")),
    );
    assert.equal(end.count, 5);
    const result = await json.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await json.stop();
  }

  // One line per problem, as before, with --per-entry.
  for (const name of stale.slice(0, 3)) {
    const job = await checkout(spool, spool.entry("q", name));
    age(`${dir}/q/.checkout/${job.name}`, 15 * MINUTE);
  }
  const each = startCli(dir, ["monitor", dir, "--per-entry", ...common]);
  try {
    await each.lineCount(4, "three checkouts and the stray");
    const result = await each.stop("SIGTERM");
    const starts = lines(result.stdout).filter((l) => l.includes("too-old"));
    assert.equal(starts.length, 3);
    for (const line of starts) {
      assert.match(line, /^\S+Z start too-old q\/\.checkout\/\S+ \(modified/);
    }
  } finally {
    await each.stop();
  }
});

Deno.test("cli stats: --watch --json is NDJSON; --group-by counts per metadata value", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["mail", "done"] });
  for (const to of ["a.com", "b.com", "a.com", "a.com"]) {
    await spool.enqueue("mail", { to: { domain: to } }, none);
  }
  await spool.enqueue("mail", "not an object", none);
  await checkout(
    spool,
    await spool.enqueue("mail", { to: { domain: "b.com" } }, none),
  );

  const watch = startCli(dir, [
    "stats",
    dir,
    "--watch",
    "--json",
    "--interval",
    "20ms",
  ]);
  try {
    await watch.lineCount(3, "three measures");
    const result = await watch.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    for (const line of lines(result.stdout)) {
      const record = JSON.parse(line);
      assert.equal(record.spool, dir);
      assert.ok(!Number.isNaN(Date.parse(record.at)));
      assert.deepEqual(
        record.queues.map((s: { queue: string; waiting: number }) =>
          `${s.queue} ${s.waiting}`
        ),
        ["done 0", "mail 5"],
      );
    }
  } finally {
    await watch.stop();
  }

  const groups = JSON.parse(
    (await cli(dir, ["stats", dir, "--group-by", "to.domain", "--json"]))
      .stdout,
  );
  assert.deepEqual(
    groups.map((g: Record<string, unknown>) =>
      [g.queue, g.field, g.value, g.waiting, g.checkedOut].join(" ")
    ),
    [
      "mail to.domain a.com 3 0",
      "mail to.domain b.com 1 1",
      "mail to.domain  1 0",
    ],
  );
  const table = lines(
    (await cli(dir, [
      "stats",
      dir,
      "--group-by",
      "to.domain",
      "--queue",
      "mail",
    ]))
      .stdout,
  );
  assert.match(
    table[1],
    /^QUEUE\s+to\.domain\s+READY\s+DELAYED\s+QUARANTINED\s+CHECKED-OUT/,
  );
  assert.match(
    table[2],
    /^mail\s+a\.com\s+3\s+0\s+0\s+0\s+\S+\s+3\s+3(\s+0){9}$/,
  );
  assert.match(table[3], /^mail\s+b\.com\s+1\s+0\s+0\s+1\s/);
  assert.match(table[4], /^mail\s+\(none\)\s+1\s/);
  const metrics = (await cli(dir, [
    "stats",
    dir,
    "--prometheus",
    "--group-by",
    "to.domain",
  ])).stdout;
  assert.match(
    metrics,
    /^multispool_entries_by_field\{spool="[^"]+",queue="mail",field="to\.domain",value="a\.com",state="waiting"\} 3$/m,
  );
  const bad = await cli(dir, ["stats", dir, "--group-by", "to..x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--group-by: "to\.\.x" is not a field path/);
});

Deno.test("cli stats --prometheus --output: written atomically, gauges only, absolute spool path, the check's limit flags", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  const spool = await Spool.create(dir, { queues: ["q"] }, {
    durability: "relaxed",
  });
  // Many values of a field make a file of hundreds of KiB: written in
  // place, a reader would catch it half written.
  await spool.enqueueMany(
    "q",
    Array.from({ length: 3000 }, (_, i) => ({
      metadata: { tenant: `tenant-${i}` },
      data: none,
    })),
  );
  const job = await checkout(spool, await spool.enqueue("q", {}, none));
  age(`${dir}/q/.checkout/${job.name}`, 5 * MINUTE);
  await Deno.mkdir(`${root}/textfile`);
  const file = `${root}/textfile/multispool.prom`;
  // A relative DIR: the labels still carry the absolute path.
  const relativeDir = relative(ROOT, dir);
  const writer = startCli(root, [
    "stats",
    relativeDir,
    "--prometheus",
    "--output",
    file,
    "--watch",
    "--interval",
    "1ms",
    "--group-by",
    "tenant",
  ]);
  const versions = new Set<string>();
  let reads = 0;
  try {
    while (versions.size < 8) {
      if (writer.ended()) assert.fail(`stats ended: ${writer.lines()}`);
      assert.ok(++reads < 1_000_000, "gave up reading");
      let text: string;
      try {
        text = await Deno.readTextFile(file);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue; // not yet
        throw error;
      }
      // Whole, every time: from the first HELP to the last sample.
      assert.ok(text.startsWith("# HELP multispool_entries "), "its start");
      const last =
        /multispool_stats_timestamp_seconds\{spool="([^"]*)"\} (\S+)\n$/
          .exec(text);
      assert.ok(last !== null, `a part of the file: ...${text.slice(-80)}`);
      assert.equal(last[1], dir);
      assert.equal(
        text.match(/^multispool_entries_by_field\{/gm)?.length,
        2 * 3001,
      );
      versions.add(last[2]);
    }
    const result = await writer.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /writing .* every 1ms; Ctrl-C to stop/);
  } finally {
    await writer.stop();
  }
  assert.deepEqual(
    [...Deno.readDirSync(`${root}/textfile`)].map((e) => e.name),
    ["multispool.prom"],
    "no temporary file left behind",
  );
  const metrics = await Deno.readTextFile(file);
  assert.deepEqual(
    [
      ...new Set(
        metrics.match(/^# TYPE \S+ (\S+)$/gm)!.map((l) => l.split(" ")[3]),
      ),
    ],
    ["gauge"],
  );
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o644);

  // The same limit flags as check: a 5-minute checkout is too old past 1m.
  const problems = async (...flags: string[]) => {
    await cli(root, ["stats", dir, "--prometheus", "--output", file, ...flags]);
    const text = await Deno.readTextFile(file);
    return /^multispool_problems\{[^}]*kind="too-old"\} (\d+)$/m.exec(text)
      ?.[1];
  };
  assert.equal(await problems(), "0");
  assert.equal(await problems("--max-checked-out-age", "1m"), "1");
  const check = await cli(root, ["check", dir, "--max-checked-out-age", "1m"]);
  assert.equal(check.code, 1, "check agrees");

  for (
    const [args, message] of [
      [["stats", dir, "--output", file], /--output needs --prometheus/],
      [
        ["stats", dir, "--prometheus", "--output", `${root}/nowhere/m.prom`],
        /No such file|not found/i,
      ],
      [["stats", dir, "--prometheus", "--max-age", "zz=1m"], /not a queue/],
    ] as [string[], RegExp][]
  ) {
    const r = await cli(root, args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
  }
});

/** Runs a shell command under `script`, on a pseudo-terminal. */
async function onTerminal(command: string[]): Promise<string | undefined> {
  const quoted = command.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(
    " ",
  );
  let output;
  try {
    output = await new Deno.Command("script", {
      args: ["-qec", quoted, "/dev/null"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).replaceAll("\r\n", "\n");
}

Deno.test("cli on a terminal: colour and a progress line, never with NO_COLOR or when piped", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] }, {
    durability: "relaxed",
  });
  await spool.enqueueMany(
    "a",
    Array.from({ length: 2000 }, (_, i) => ({ metadata: { i }, data: none })),
  );
  await spool.enqueue("a", { s: "\u001b]0;t\u0007" }, none, {
    reserve: "\u001b[2J-",
  });
  const run = (env: string[], ...args: string[]) =>
    onTerminal([
      "env",
      ...env,
      Deno.execPath(),
      "run",
      "--quiet",
      ...scopedTo(dir),
      "cli/main.ts",
      ...args,
    ]);
  const coloured = await run(["-u", "NO_COLOR"], "ls", dir, "a");
  if (coloured === undefined) {
    await t.step({ name: "skipped: no script(1)", ignore: true, fn() {} });
    return;
  }
  assert.ok(coloured.startsWith("\x1b[1mNAME\x1b[22m"), "a bold header");
  // Nothing raw but the colours the command adds.
  // deno-lint-ignore no-control-regex
  const plain = coloured.replace(/\x1b\[\d+m/g, "");
  assert.doesNotMatch(plain, RAW_CONTROL);
  assert.match(plain, /^\\x1b\[2J-/m);

  const noColor = await run(["NO_COLOR=1"], "ls", dir, "a");
  assert.doesNotMatch(noColor!, RAW_CONTROL);
  const piped = await cli(dir, ["ls", dir, "a"]);
  assert.doesNotMatch(piped.stdout, RAW_CONTROL);

  // A progress line while moving, cleared at the end; none with NO_COLOR.
  const moved = await run(["-u", "NO_COLOR"], "mv", dir, "a", "b", "--all");
  assert.ok(moved!.includes("\r\x1b[Kmoving 0/2001 (0%)"), moved);
  assert.ok(moved!.endsWith("\r\x1b[Kmoved 2,001 entries from a to b\n"));
  const back = await run(["NO_COLOR=1"], "mv", dir, "b", "a", "--all");
  assert.equal(back, "moved 2,001 entries from b to a\n");
});
