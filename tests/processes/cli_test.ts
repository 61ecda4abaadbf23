// The CLI end to end, through real processes: each subcommand's output,
// JSON, exit codes, bad arguments, and the monitor daemon stopped by SIGTERM.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { lines, runDeno, startDeno } from "../_helpers/children.ts";
import { age } from "../_helpers/ages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { cli, help } from "../_helpers/cli.ts";

Deno.test("cli: init, enqueue, ls, show, mv, rm", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const dir = `${root}/spool`;
  let r = await cli(root, ["init", dir, "--queue", "active", "-q", "frozen"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `spool ${dir} ready with queues active, frozen\n`);

  r = await cli(root, [
    "enqueue",
    dir,
    "active",
    "--metadata",
    '{"to":"a@x"}',
  ], { stdin: "body from stdin\n" });
  assert.equal(r.code, 0, r.stderr);
  const first = r.stdout.trim();
  r = await cli(root, [
    "enqueue",
    dir,
    "active",
    "--data",
    "second",
    "--prefix",
    "mail-",
    "--relaxed",
  ]);
  const second = r.stdout.trim();
  assert.match(second, /^mail-[0-9A-Z]{26}$/);

  r = await cli(root, ["ls", dir, "active"]);
  assert.equal(r.code, 0);
  const table = lines(r.stdout);
  assert.match(
    table[0],
    /^NAME\s+ARRIVED\s+AGE\s+DUE\s+ATTEMPTS\s+LAST-ERROR\s+DATA\s+METADATA$/,
  );
  assert.match(
    table[1],
    new RegExp(
      `^${first}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+\\S+\\s+now\\s+0\\s+-\\s+16 B\\s+\\{"to":"a@x"\\}$`,
    ),
  );
  assert.match(
    table[2],
    new RegExp(
      `^${second}\\s+\\S+Z\\s+\\S+\\s+now\\s+0\\s+-\\s+6 B\\s+\\{\\}$`,
    ),
  );
  assert.equal(table[3], "-- 2 entries, 22 B", "a totals line");

  r = await cli(root, ["ls", dir, "active", "--json"]);
  const listed = JSON.parse(r.stdout);
  assert.deepEqual(listed.map((e: { name: string }) => e.name), [
    first,
    second,
  ]);
  assert.equal(listed[0].dataBytes, 16);
  assert.equal(listed[0].state, "waiting");

  r = await cli(root, ["show", dir, "active", first]);
  assert.match(r.stdout, /metadata: {2}\{"to":"a@x"\}/);
  assert.match(r.stdout, /data: {6}16 B\nbody from stdin\n$/);
  r = await cli(root, ["show", dir, "active", first, "--json"]);
  assert.equal(JSON.parse(r.stdout).data, "body from stdin\n");
  r = await cli(root, ["show", dir, "active", first, "--data-only"]);
  assert.equal(r.stdout, "body from stdin\n");

  r = await cli(root, ["mv", dir, "active", first, "frozen"]);
  assert.equal(r.stdout, `moved ${first} from active to frozen\n`);
  r = await cli(root, ["ls", dir, "frozen", "--json"]);
  assert.equal(JSON.parse(r.stdout)[0].name, first);

  r = await cli(root, ["rm", dir, "frozen", first]);
  assert.equal(r.code, 0);
  r = await cli(root, ["rm", dir, "frozen", first]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not in frozen/);
  r = await cli(root, ["show", dir, "frozen", first]);
  assert.equal(r.code, 1);

  // Checked-out entries are listed apart and left alone by mv and rm.
  const spool = await Spool.load(dir, { queues: ["active", "frozen"] });
  const job = await checkout(spool, spool.entry("active", second));
  r = await cli(root, ["ls", dir, "active", "--checked-out", "--json"]);
  assert.equal(JSON.parse(r.stdout)[0].state, "checked out");
  r = await cli(root, ["mv", dir, "active", second, "frozen"]);
  assert.equal(r.code, 1);
  r = await cli(root, ["show", dir, "active", second]);
  assert.match(r.stdout, /queue: {5}active \(checked out\)/);
  await job.remove();
  r = await cli(root, ["ls", dir, "active"]);
  assert.equal(r.stdout, "(no entries in active)\n");
});

Deno.test("cli: enqueue from a data file, binary payloads", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const file = `${dir}/payload.bin`;
  await Deno.writeFile(file, new Uint8Array([0, 1, 2, 255]));
  const r = await cli(dir, ["enqueue", dir, "q", "--data-file", file]);
  assert.equal(r.code, 0, r.stderr);
  const name = r.stdout.trim();
  const shown = await cli(dir, ["show", dir, "q", name]);
  assert.match(shown.stdout, /4 B, binary/);
  const json = JSON.parse(
    (await cli(dir, ["show", dir, "q", name, "--json"])).stdout,
  );
  assert.equal(json.dataBase64, btoa("\x00\x01\x02\xff"));
});

Deno.test("cli: check and repair of a damaged entry moved aside: in quarantine, not a problem", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q", "dead"] });
  const { name } = await spool.enqueue("q", {}, new Uint8Array([1]));
  await Deno.remove(`${dir}/.data/${name}`);
  const now = ["--work-in-progress", "0ms"];
  const repair = () =>
    cli(dir, ["repair", dir, "--apply", "--damaged-to", "dead", ...now]);
  let r = await cli(dir, ["check", dir, ...now]);
  assert.equal(r.code, 1);
  r = await repair();
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, new RegExp(`^moved q/${name} to dead: damaged`));
  r = await cli(dir, ["check", dir, ...now]);
  assert.deepEqual(
    [r.code, r.stdout],
    [0, `${dir}: no problems (1 quarantined: ${name} in dead)\n`],
  );
  // A second repair moves nothing, and leaves nothing alone.
  r = await repair();
  assert.equal(r.code, 0, r.stdout);
  assert.doesNotMatch(r.stdout, /moved|left alone/);
  assert.match(r.stdout, /1 quarantined/);
});

Deno.test("cli: check and repair, with exit codes and JSON", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  let r = await cli(dir, ["check", dir]);
  assert.deepEqual([r.code, r.stdout], [0, `${dir}: no problems\n`]);

  // A stale checkout and an unfinished enqueue.
  const job = await checkout(
    spool,
    await spool.enqueue("q", 1, new Uint8Array()),
  );
  age(`${dir}/q/.checkout/${job.name}`, 30 * 60_000);
  await Deno.writeTextFile(`${dir}/.registry/half`, "");
  await Deno.writeTextFile(`${dir}/.tmp/half`, "{}");
  age(`${dir}/.registry/half`, 15 * 60_000);
  age(`${dir}/.tmp/half`, 15 * 60_000);
  await Deno.writeTextFile(`${dir}/q/stray`, "{}");

  r = await cli(dir, ["check", dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^KIND\s+WHERE\s+NAME\s+AGE\n/);
  r = await cli(dir, ["check", dir, "--json"]);
  const problems = JSON.parse(r.stdout);
  assert.deepEqual(
    problems.map((p: { kind: string; paths: string[] }) =>
      `${p.kind} ${p.paths}`
    ).sort(),
    [
      "orphaned .registry/half",
      "orphaned q/stray",
      "too-old .tmp/half",
      `too-old q/.checkout/${job.name}`,
    ].sort(),
  );
  // A lenient limit hides the stale checkout.
  r = await cli(dir, ["check", dir, "--json", "--max-checked-out-age", "1h"]);
  assert.equal(JSON.parse(r.stdout).length, 3);

  r = await cli(dir, ["repair", dir]);
  assert.equal(r.code, 1, "a problem is left alone");
  assert.match(r.stdout, /would requeue/);
  assert.match(r.stdout, /would delete \.tmp\/half, \.registry\/half/);
  assert.match(r.stdout, /left alone: orphaned q\/stray/);
  assert.match(r.stdout, /dry run: add --apply/);
  r = await cli(dir, ["repair", dir, "--apply", "--json"]);
  const report = JSON.parse(r.stdout);
  assert.equal(report.dryRun, false);
  assert.deepEqual(
    report.actions.map((a: { kind: string }) => a.kind).sort(),
    ["delete-leftovers", "requeue"],
  );
  await Deno.remove(`${dir}/q/stray`);
  r = await cli(dir, ["check", dir]);
  assert.equal(r.code, 0);
  assert.deepEqual((await spool.list("q")).map((e) => e.name), [job.name]);
});

Deno.test("cli: stats as a table, JSON and Prometheus metrics", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const e1 = await spool.enqueue("a", 1, new Uint8Array());
  const e2 = await spool.enqueue("a", 2, new Uint8Array());
  await checkout(spool, await spool.enqueue("b", 3, new Uint8Array()));
  age(`${dir}/.registry/${e1.name}`, 30 * 60_000);
  age(`${dir}/.registry/${e2.name}`, 2000 * 60_000);
  let r = await cli(dir, ["stats", dir]);
  assert.equal(r.code, 0, r.stderr);
  const rows = lines(r.stdout);
  assert.match(
    rows[1],
    /^QUEUE\s+READY\s+DELAYED\s+QUARANTINED\s+CHECKED-OUT\s+OLDEST\s+T\s+5\s+10\s+20\s+40/,
  );
  assert.match(
    rows[2],
    /^a\s+2\s+0\s+0\s+0\s+1d 9h\s+2\s+0\s+0\s+0\s+1\s+0\s+0\s+0\s+0\s+0\s+1$/,
  );
  assert.match(rows[3], /^b\s+0\s+0\s+0\s+1\s+-\s+0(\s+0){10}$/);
  r = await cli(dir, ["stats", dir, "--json"]);
  const shapes = JSON.parse(r.stdout);
  assert.deepEqual(shapes[0].buckets, [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  r = await cli(dir, ["stats", dir, "--prometheus"]);
  const metrics = r.stdout;
  assert.match(metrics, /^# HELP multispool_entries /m);
  assert.match(
    metrics,
    new RegExp(
      `multispool_entries\\{spool="${dir}",queue="b",state="checked_out"\\} 1`,
    ),
  );
  // Snapshots that can go down are gauges: no histogram, no counter.
  assert.doesNotMatch(metrics, /^# TYPE \S+ (histogram|counter)$/m);
  assert.match(
    metrics,
    /multispool_waiting_entries_older_than\{[^}]*queue="a",age_seconds="1200"\} 2/,
  );
  assert.match(
    metrics,
    /multispool_waiting_entries_older_than\{[^}]*queue="a",age_seconds="2400"\} 1/,
  );
  assert.match(
    metrics,
    /multispool_waiting_entries_older_than\{[^}]*queue="a",age_seconds="76800"\} 1/,
  );
  assert.match(metrics, /multispool_problems\{[^}]*kind="orphaned"\} 0/);
  // Every sample line is NAME{labels} VALUE.
  for (const line of lines(metrics).filter((l) => !l.startsWith("#"))) {
    assert.match(line, /^[a-z_]+\{[^}]*\} [0-9.e+-]+$/, line);
  }
});

Deno.test("cli: the monitor daemon prints start and end, and stops on SIGTERM", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(dir, { queues: ["q"] });
  const daemon = startDeno([
    "run",
    "--quiet",
    `--allow-read=${dir}`,
    "--allow-write",
    "cli/main.ts",
    "monitor",
    dir,
    "--json",
    "--per-entry",
    "--work-in-progress",
    "0s",
    "--check-every",
    "50ms",
    "--alert-after-cycles",
    "1",
  ]);
  await Deno.writeTextFile(`${dir}/.data/stray`, "");
  const start = JSON.parse(await daemon.line((l) => l.includes('"start"')));
  assert.equal(start.problem.kind, "orphaned");
  assert.deepEqual(start.problem.paths, [".data/stray"]);
  await Deno.remove(`${dir}/.data/stray`);
  const end = JSON.parse(await daemon.line((l) => l.includes('"end"')));
  assert.equal(end.problem.name, "stray");
  const result = await daemon.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(lines(result.stdout).length, 2);

  // Human lines, and SIGINT works too.
  const human = startDeno([
    "run",
    "--quiet",
    "--allow-read",
    "--allow-write",
    "cli/main.ts",
    "monitor",
    dir,
    "--work-in-progress",
    "0s",
    "--check-every",
    "50ms",
    "--alert-after-cycles",
    "0",
  ]);
  await Deno.writeTextFile(`${dir}/q/stray`, "");
  const line = await human.line((l) => l.includes("start"));
  assert.match(line, /^\S+Z start orphaned q\/stray \(modified \S+ ago\)$/);
  const stopped = await human.stop("SIGINT");
  assert.equal(stopped.code, 0);
  assert.match(
    stopped.stderr,
    /monitoring .* every 50ms, alerting after 0 cycles/,
  );
});

Deno.test("cli: bad arguments and bad directories exit 2 with one line, no stack trace", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Spool.create(`${dir}/spool`, { queues: ["q"] });
  await Deno.writeTextFile(`${dir}/file`, "");
  const cases: [string[], RegExp][] = [
    [[], /^$/],
    [["bogus"], /unknown command "bogus"/],
    [["ls"], /missing DIR/],
    [["ls", `${dir}/spool`, "q", "extra"], /unexpected argument "extra"/],
    [
      ["ls", `${dir}/spool`, "nope"],
      /"nope" is not a queue of .* \(queues: q\)/,
    ],
    [
      ["ls", `${dir}/missing`, "q"],
      /Cannot find queues at ".*missing": not found/,
    ],
    [["check", `${dir}/file`], /not a directory/],
    [["check", dir], /not a spool/],
    [["init", dir, "--queue", "q"], /non-empty directory/],
    [["init", `${dir}/new`], /give at least one --queue/],
    [["init", `${dir}/new`, "--queue", "../x"], /invalid queue name "..\/x"/],
    [
      ["enqueue", `${dir}/spool`, "q", "--metadata", "{oops"],
      /--metadata is not JSON/,
    ],
    [
      ["enqueue", `${dir}/spool`, "q", "--data", "a", "--data-file", "b"],
      /not both/,
    ],
    [
      ["monitor", `${dir}/spool`, "--check-every", "10"],
      /not a span of time/,
    ],
    [
      ["monitor", `${dir}/spool`, "--alert-after-cycles", "x"],
      /not a whole number/,
    ],
    [["check", `${dir}/spool`, "--max-age", "q"], /expected QUEUE=SPAN/],
    [["check", `${dir}/spool`, "--max-age", "zz=1m"], /not a queue/],
    [["stats", `${dir}/spool`, "--json", "--prometheus"], /not both/],
    [
      ["ls", `${dir}/spool`, "q", "--nope"],
      /unknown option --nope \(an argument that starts with "-" goes after "--": -- --nope\)$/m,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await cli(dir, args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.match(r.stderr, message, args.join(" "));
  }
  // Without the permission, the error names the flag to add.
  const denied = await runDeno([
    "run",
    "--quiet",
    "--no-prompt",
    "cli/main.ts",
    "check",
    `${dir}/spool`,
  ]);
  assert.equal(denied.code, 2);
  assert.match(denied.stderr, /--allow-read/);
});

Deno.test("cli: --help everywhere, with exit codes documented", async () => {
  const top = await runDeno(["run", "--quiet", "cli/main.ts", "--help"]);
  assert.equal(top.code, 0);
  const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) =>
    m[1]
  );
  assert.deepEqual(commands, [
    "init",
    "ls",
    "show",
    "tail",
    "enqueue",
    "mv",
    "rm",
    "hold",
    "release",
    "retry",
    "flush",
    "check",
    "repair",
    "monitor",
    "stats",
    "serve",
    "version",
  ]);
  assert.match(top.stdout, /Exit codes:/);
  for (const command of commands) {
    const text = await help(command);
    assert.match(text, new RegExp(`^Usage: multispool ${command} `), command);
    assert.match(text, /Exit codes:/, command);
  }
});
