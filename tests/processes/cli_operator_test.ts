// The operator's commands end to end, through real processes on real
// directories: filters and the arrival column of ls, totals, bulk moves and
// removals (dry runs, counts, 10,000 entries in one process), hold and
// release, checked-out entries refused without --force and with it while
// young, show of a huge payload through a bounded stream, JSON with parsed
// metadata, hostile names and metadata escaped, --version and the installed
// command.

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { checkout } from "../../expert.ts";
import { age } from "../_helpers/ages.ts";
import { lines, ROOT, runDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { cli, help, lsTable, ok } from "../_helpers/cli.ts";

/** Control characters that must never reach a terminal raw. */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/;

const MINUTE = 60_000;
const none = new Uint8Array();

interface Listed {
  name: string;
  arrivedAt: string | null;
  ageMs: number;
  due: string | null;
  metadata: unknown;
  metadataJson: boolean;
}

async function names(dir: string, args: string[]): Promise<string[]> {
  return (JSON.parse(await ok(dir, [...args, "--json"])) as Listed[]).map((
    e,
  ) => e.name);
}

Deno.test("cli ls: filters by age, metadata field, name prefix and due time; arrival column; totals", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  const a = await spool.enqueue("q", { to: { domain: "a.com" }, n: 1 }, none);
  const b = await spool.enqueue(
    "q",
    { to: { domain: "b.com" }, n: 2, urgent: true },
    new Uint8Array(1536),
  );
  const c = await spool.enqueue("q", { to: { domain: "a.com" }, n: 3 }, none, {
    reserve: "mail-",
    delay: 60 * MINUTE,
  });
  age(`${dir}/.registry/${a.name}`, 90 * MINUTE);
  age(`${dir}/.registry/${b.name}`, 20 * MINUTE);
  // A name that holds no time, and metadata that is not JSON.
  const plain = await Spool.create(dir, {
    queues: ["q"],
    names: { next: (_: unknown, attempt: number) => `plain-${attempt}` },
    metadata: { encode: (t: string) => t, decode: (t: string) => t },
  });
  const p = await plain.enqueue("q", "not json {", none);

  assert.deepEqual(await names(dir, ["ls", dir, "q", "--older-than", "1h"]), [
    a.name,
  ]);
  assert.deepEqual(
    await names(dir, ["ls", dir, "q", "--older-than", "10m"]),
    [a.name, b.name],
  );
  assert.deepEqual(
    (await names(dir, ["ls", dir, "q", "--newer-than", "10m"])).sort(),
    [c.name, p.name].sort(),
  );
  assert.deepEqual(
    await names(dir, ["ls", dir, "q", "--where", "to.domain=a.com"]),
    [a.name, c.name],
  );
  assert.deepEqual(
    await names(dir, [
      "ls",
      dir,
      "q",
      "--where",
      "to.domain=a.com",
      "--where",
      "n=3",
    ]),
    [c.name],
  );
  assert.deepEqual(
    await names(dir, ["ls", dir, "q", "--where", "urgent=true"]),
    [b.name],
  );
  assert.deepEqual(
    await names(dir, ["ls", dir, "q", "--where", "to.domain!=a.com"]),
    [b.name, p.name],
    "a missing field (or metadata that is not JSON) differs",
  );
  assert.deepEqual(await names(dir, ["ls", dir, "q", "--prefix", "mail-"]), [
    c.name,
  ]);
  assert.deepEqual(await names(dir, ["ls", dir, "q", "--delayed"]), [c.name]);
  assert.deepEqual(await names(dir, ["ls", dir, "q", "--due"]), [
    a.name,
    b.name,
    p.name,
  ]);

  // JSON: metadata parsed when it is JSON, the text otherwise; arrival.
  const listed: Listed[] = JSON.parse(
    await ok(dir, ["ls", dir, "q", "--json"]),
  );
  const byName = new Map(listed.map((e) => [e.name, e]));
  assert.deepEqual(byName.get(b.name)!.metadata, {
    to: { domain: "b.com" },
    n: 2,
    urgent: true,
  });
  assert.equal(byName.get(b.name)!.metadataJson, true);
  assert.equal(byName.get(p.name)!.metadata, "not json {");
  assert.equal(byName.get(p.name)!.metadataJson, false);
  assert.equal(byName.get(p.name)!.arrivedAt, null);
  // The ULID in a name is its enqueue time, whatever the age in the queue.
  const arrived = Date.parse(byName.get(a.name)!.arrivedAt!);
  assert.ok(Math.abs(arrived - Date.now()) < 10 * MINUTE, "enqueued now");
  assert.ok(byName.get(a.name)!.ageMs >= 90 * MINUTE, "but 90m in the queue");

  // The table: ARRIVED beside AGE ("-" without a time), a totals line.
  const { lines: table, rows, cell } = await lsTable(dir, "q");
  assert.match(cell(rows.get(a.name)!, "ARRIVED"), /^\d{4}-\d\d-\d\dT[\d:]+Z$/);
  assert.equal(cell(rows.get(p.name)!, "ARRIVED"), "-");
  assert.equal(cell(rows.get(a.name)!, "AGE"), "1h 30m");
  assert.equal(cell(rows.get(b.name)!, "DATA"), "1.5 KiB");
  assert.equal(table.at(-1), "-- 4 entries, 1.5 KiB");
  const filtered = lines(
    await ok(dir, ["ls", dir, "q", "--where", "to.domain=a.com"]),
  );
  assert.equal(filtered.at(-1), "-- 2 entries, 0 B");
  assert.equal(
    await ok(dir, ["ls", dir, "q", "--where", "to.domain=c.com"]),
    "(no entries in q match the filters)\n",
  );

  for (
    const [args, message] of [
      [["--older-than", "soon"], /--older-than: "soon" is not a span/],
      [["--where", "nofield"], /--where: expected FIELD=VALUE/],
      [["--where", "a..b=1"], /--where: expected FIELD=VALUE/],
      [["--due", "--delayed"], /give --due or --delayed, not both/],
    ] as [string[], RegExp][]
  ) {
    const r = await cli(dir, ["ls", dir, "q", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
  }
});

Deno.test("cli mv, rm, hold, release: bulk over filters, dry runs first, counts at the end", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, {
    queues: ["active", "frozen", "held"],
  });
  const old: string[] = [];
  const young: string[] = [];
  for (let i = 0; i < 6; i++) {
    const e = await spool.enqueue(
      "active",
      { tenant: i % 2 ? "x" : "y" },
      none,
    );
    if (i < 4) {
      age(`${dir}/.registry/${e.name}`, 2 * 60 * MINUTE);
      old.push(e.name);
    } else young.push(e.name);
  }

  // A dry run: the count and the names, nothing moved.
  const out = lines(
    await ok(dir, [
      "mv",
      dir,
      "active",
      "frozen",
      "--older-than",
      "1h",
      "--dry-run",
    ]),
  );
  assert.deepEqual(out, [
    "would move 4 entries from active to frozen:",
    ...old.map((n) => `  ${n}`),
    "(dry run: nothing was done)",
  ]);
  assert.equal((await spool.list("active")).length, 6);
  const plan = JSON.parse(
    await ok(dir, [
      "rm",
      dir,
      "active",
      "--where",
      "tenant=x",
      "--dry-run",
      "--json",
    ]),
  );
  assert.deepEqual(
    [plan.dryRun, plan.matched, plan.done, plan.names.length],
    [true, 3, 0, 3],
  );

  // The move itself, then a removal by metadata field.
  assert.equal(
    await ok(dir, ["mv", dir, "active", "frozen", "--older-than", "1h"]),
    "moved 4 entries from active to frozen\n",
  );
  assert.deepEqual((await spool.list("frozen")).map((e) => e.name), old);
  assert.deepEqual((await spool.list("active")).map((e) => e.name), young);
  const removed = JSON.parse(
    await ok(dir, ["rm", dir, "frozen", "--where", "tenant=x", "--json"]),
  );
  assert.deepEqual([removed.action, removed.matched, removed.done], [
    "remove",
    2,
    2,
  ]);
  assert.equal((await spool.list("frozen")).length, 2);

  // Hold and release: named forms of the move, to a queue of one's choice.
  assert.equal(
    await ok(dir, ["hold", dir, "active", young[0], "--to", "held"]),
    `held ${young[0]} from active to held\n`,
  );
  assert.equal(
    await ok(dir, ["hold", dir, "frozen", "--all", "--to", "held"]),
    "held 2 entries from frozen to held\n",
  );
  assert.equal((await spool.list("held")).length, 3);
  const released = JSON.parse(
    await ok(dir, [
      "release",
      dir,
      "held",
      "--all",
      "--to",
      "active",
      "--json",
    ]),
  );
  assert.deepEqual([released.action, released.from, released.to], [
    "release",
    "held",
    "active",
  ]);
  assert.equal(released.done, 3);
  assert.equal((await spool.list("active")).length, 4);

  // A filter that matches nothing is not an error.
  assert.equal(
    await ok(dir, ["rm", dir, "active", "--prefix", "nope"]),
    "removed 0 entries from active\n",
  );
  // Several names at once; one not there makes the exit code 1.
  const [n1, n2] = (await spool.list("active")).map((e) => e.name);
  const r = await cli(dir, ["rm", dir, "active", n1, "nope", n2]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stdout,
    `removed ${n1} from active\nremoved ${n2} from active\n`,
  );
  assert.match(r.stderr, /^multispool rm: nope is not in active/);

  for (
    const [args, message] of [
      [["rm", dir, "active"], /give NAMEs, filters .* or --all/],
      [["rm", dir, "active", n1, "--all"], /not both/],
      [["mv", dir, "active", "frozen"], /give NAMEs, filters .* or --all/],
      [["mv", dir, "active"], /missing NAME TO/],
      [["mv", dir, "active", "--all"], /missing TO/],
      [
        ["mv", dir, "active", "frozen", "nope", "--all"],
        /unexpected argument "nope"/,
      ],
      [["mv", dir, "active", "nope", "--all"], /"nope" is not a queue/],
      [["hold", dir, "active", "--all"], /give --to HELD/],
      [
        ["retry", dir, "active", "--all", "--to", "nope"],
        /"nope" is not a queue/,
      ],
      [["rm", dir, "active", "../x"], /invalid entry name/],
    ] as [string[], RegExp][]
  ) {
    const bad = await cli(dir, args);
    assert.equal(bad.code, 2, `${args.join(" ")}: ${bad.stderr}`);
    assert.match(bad.stderr, message, args.join(" "));
  }
});

Deno.test("cli mv --all: 10,000 entries in one process, with a count", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] }, {
    durability: "relaxed",
  });
  const total = 10_000;
  for (let i = 0; i < total; i += 1000) {
    await spool.enqueueMany(
      "a",
      Array.from({ length: 1000 }, (_, j) => ({
        metadata: { i: i + j },
        data: none,
      })),
    );
  }
  const plan = JSON.parse(
    await ok(dir, ["mv", dir, "a", "b", "--all", "--dry-run", "--json"]),
  );
  assert.equal(plan.matched, total);
  assert.equal(
    await ok(dir, ["mv", dir, "a", "b", "--all"]),
    "moved 10,000 entries from a to b\n",
  );
  assert.equal((await spool.list("b")).length, total);
  assert.equal(
    await ok(dir, ["rm", dir, "b", "--all"]),
    "removed 10,000 entries from b\n",
  );
  assert.deepEqual(await spool.list("b"), []);
  assert.equal((await cli(dir, ["check", dir])).code, 0, "nothing left over");
});

Deno.test("cli mv and rm of a checked-out entry: who holds it since when, refused unless --force on a stale checkout", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  const job = await checkout(spool, await spool.enqueue("a", {}, none));
  const name = job.name;

  let r = await cli(dir, ["mv", dir, "a", name, "b"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    new RegExp(
      `^multispool mv: ${name} is checked out of a \\(checked out \\d+m?s ago; no process id is kept on disk\\), left alone: .*--force takes it once the checkout is older than the checkout limit, 10m\\)\n$`,
    ),
  );
  r = await cli(dir, ["rm", dir, "a", name, "--force"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /checked out \d+m?s ago; .*refused even with --force: younger than the checkout limit \(10m\)/,
  );
  const report = JSON.parse(
    (await cli(dir, ["rm", dir, "a", name, "--force", "--json"])).stdout,
  );
  assert.equal(report.checkedOut[0].name, name);
  assert.equal(report.checkedOut[0].taken, false);
  assert.match(report.checkedOut[0].reason, /refused even with force/);
  assert.equal((await spool.list("b")).length, 0);

  // Its consumer died a quarter of an hour ago.
  age(`${dir}/a/.checkout/${name}`, 15 * MINUTE);
  r = await cli(dir, [
    "mv",
    dir,
    "a",
    name,
    "b",
    "--force",
    "--max-checked-out-age",
    "1h",
  ]);
  assert.equal(r.code, 1, "a longer limit still refuses");
  assert.match(r.stderr, /checked out 15m ago/);
  r = await cli(dir, ["mv", dir, "a", name, "b", "--force", "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^would move .* \(taken from a checkout of 15m/);
  assert.equal((await spool.list("b")).length, 0);
  r = await cli(dir, ["mv", dir, "a", name, "b", "--force"]);
  assert.equal(r.code, 0, r.stderr);
  // Its age as the CLI judged it: 15m, and a few seconds on a loaded
  // machine.
  assert.match(
    r.stdout,
    new RegExp(
      `^moved ${name} from a to b \\(taken from a checkout of 15m( \\d+s)?, its consumer presumed dead\\)\n$`,
    ),
  );
  assert.deepEqual((await spool.list("b")).map((e) => e.name), [name]);
  await assert.rejects(job.remove(), "its consumer lost it");
  assert.equal((await cli(dir, ["check", dir])).code, 0);
});

Deno.test("cli mv and rm --force of a claim cut short: the claim is finished, and the entry moved or removed once", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["a", "b"] });
  // Consumers linked the checkout names and were killed before unlinking
  // the waiting ones: each entry is one file in a/ and a/.checkout/.
  const cutShort = async () => {
    const { name } = await spool.enqueue("a", {}, new Uint8Array([1]));
    Deno.linkSync(`${dir}/a/${name}`, `${dir}/a/.checkout/${name}`);
    age(`${dir}/a/${name}`, 15 * MINUTE);
    return name;
  };
  // Its link (change time) cannot be aged by hand: a limit of 0.
  const force = ["--force", "--max-checked-out-age", "0ms"];
  const moved = await cutShort();
  let r = await cli(dir, ["mv", dir, "a", moved, "b", ...force]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^moved ${moved} from a to b`));
  assert.deepEqual(await spool.list("a"), []);
  assert.deepEqual((await spool.list("b")).map((e) => e.name), [moved]);
  const removed = await cutShort();
  r = await cli(dir, ["rm", dir, "a", removed, ...force]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await spool.list("a"), []);
  assert.ok(
    [...Deno.readDirSync(`${dir}/.registry`)].every((f) => f.name === moved),
  );
  r = await cli(dir, ["check", dir, "--work-in-progress", "0ms"]);
  assert.equal(r.code, 0, r.stdout);
});

Deno.test("cli show: a huge payload is streamed, a bounded preview shown, --json of binary never crashes", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["q"] });
  // 64 GiB of payload (a sparse file): reading it whole is impossible.
  const huge = await spool.enqueue("q", {}, none);
  await Deno.truncate(`${dir}/.data/${huge.name}`, 64 * 1024 ** 3);
  let out = lines(await ok(dir, ["show", dir, "q", huge.name]));
  const data = out.findIndex((l) => l.startsWith("data:"));
  assert.equal(
    out[data],
    "data:      64.0 GiB, binary, the first 256 B as hex (--data-only > FILE to save it)",
  );
  assert.equal(
    out[data + 1],
    "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
  );
  assert.equal(out.length, data + 1 + 16 + 1);
  assert.equal(out.at(-1), "[…]");
  const json = JSON.parse(
    await ok(dir, ["show", dir, "q", huge.name, "--json"]),
  );
  assert.equal(json.dataBytes, 64 * 1024 ** 3);
  assert.equal(json.dataShownBytes, 64 * 1024);
  assert.equal(json.dataTruncated, true);
  assert.equal(json.data, null);
  assert.equal(atob(json.dataBase64).length, 64 * 1024);

  // Binary beyond 128 KiB in one JSON string (that crashed before).
  const random = new Uint8Array(3 * 1024 * 1024);
  for (let at = 0; at < random.length; at += 65536) {
    crypto.getRandomValues(random.subarray(at, at + 65536));
  }
  const bin = await spool.enqueue("q", {}, random);
  const whole = JSON.parse(
    await ok(dir, ["show", dir, "q", bin.name, "--json", "--max-bytes", "4M"]),
  );
  assert.equal(whole.dataTruncated, false);
  const decoded = Uint8Array.from(
    atob(whole.dataBase64),
    (c) => c.charCodeAt(0),
  );
  assert.deepEqual(decoded, random);
  const cut = JSON.parse(
    await ok(dir, ["show", dir, "q", bin.name, "--json", "--max-bytes", "1K"]),
  );
  assert.deepEqual(
    [cut.dataShownBytes, cut.dataTruncated, atob(cut.dataBase64).length],
    [1024, true, 1024],
  );

  // Text: the first 4 KiB, a character cut in two left out, escaped.
  const text = "é".repeat(3000) + "\u202efake\rX\n" + "x".repeat(10_000);
  const t = await spool.enqueue("q", {}, new TextEncoder().encode(text));
  out = lines(await ok(dir, ["show", dir, "q", t.name]));
  const head = out.findIndex((l) => l.startsWith("data:"));
  assert.equal(
    out[head],
    "data:      15.6 KiB, text; the first 4.0 KiB shown (--max-bytes N for more, --data-only for all)",
  );
  assert.equal(out[head + 1], "é".repeat(2048));
  assert.equal(out.at(-1), "[…]");
  out = lines(await ok(dir, ["show", dir, "q", t.name, "--max-bytes", "4097"]));
  assert.equal(out[head + 1], "é".repeat(2048), "half a character left out");
  const more = await ok(dir, ["show", dir, "q", t.name, "--max-bytes", "7K"]);
  assert.doesNotMatch(more, RAW_CONTROL);
  assert.match(more, /^é+\\u202efake\\rX$/m);
  // Other control characters make it binary: a hex dump, nothing raw.
  const esc = await spool.enqueue(
    "q",
    {},
    new TextEncoder().encode("\u001b]0;evil\u0007\u001b[2J"),
  );
  const dumped = await ok(dir, ["show", dir, "q", esc.name]);
  assert.doesNotMatch(dumped, RAW_CONTROL);
  assert.match(dumped, /^data: {6}13 B, binary, all as hex/m);
  assert.match(dumped, /\|\.\]0;evil\.\.\[2J\|$/m);
  const all = await ok(dir, ["show", dir, "q", t.name, "--data-only"]);
  assert.equal(all, text, "--data-only streams it all, raw");
  const r = await cli(dir, ["show", dir, "q", t.name, "--max-bytes", "lots"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-bytes: "lots" is not a size/);
});

Deno.test("cli: hostile names and metadata are escaped in every listing, and refused as --prefix", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spool = await Spool.create(dir, { queues: ["in", "out"] });
  const hostile = await spool.enqueue(
    "in",
    { subject: "\u001b]0;title\u0007\u001b[2J\n\u202efake" },
    none,
    { reserve: "\u001b[31mRED\u001b[0m\u009b-" },
  );
  for (
    const args of [
      ["ls", dir, "in"],
      ["ls", dir, "in", "--json"],
      ["show", dir, "in", hostile.name],
      ["show", dir, "in", hostile.name, "--json"],
      ["stats", dir, "--group-by", "subject"],
      ["stats", dir, "--group-by", "subject", "--json"],
      ["stats", dir, "--group-by", "subject", "--prometheus"],
      ["mv", dir, "in", "out", "--all", "--dry-run"],
      ["mv", dir, "in", "out", "--all", "--dry-run", "--json"],
    ]
  ) {
    const out = await ok(dir, args);
    assert.doesNotMatch(out, RAW_CONTROL, args.join(" "));
  }
  const shown = await ok(dir, ["ls", dir, "in"]);
  assert.match(shown, /^\\x1b\[31mRED\\x1b\[0m\\x9b-\S+ /m);
  // The metadata is JSON: its control characters are JSON's escapes, and
  // what JSON leaves raw is escaped for the terminal.
  assert.match(
    shown,
    /\{"subject":"\\u001b\]0;title\\u0007\\u001b\[2J\\n\\u202efake"\}$/m,
  );
  const listed = JSON.parse(await ok(dir, ["ls", dir, "in", "--json"]));
  assert.equal(listed[0].name, hostile.name, "JSON has it as it is");
  let r = await cli(dir, ["mv", dir, "in", hostile.name, "out"]);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  r = await cli(dir, ["rm", dir, "out", hostile.name, hostile.name]);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL);

  r = await cli(dir, ["enqueue", dir, "in", "--prefix", "\u001b[31mRED"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /--prefix: control characters are not allowed in names \(got \\x1b\[31mRED\)/,
  );
  r = await cli(dir, ["enqueue", dir, "in", "--prefix", "a\nb"]);
  assert.equal(r.code, 2);
  assert.deepEqual(await spool.list("in"), []);
});

Deno.test("cli: --version and version print deno.json's version", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  for (const args of [["--version"], ["version"], ["-V"]]) {
    const r = await runDeno(["run", "--quiet", "cli/main.ts", ...args]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `multispool ${version}\n`);
  }
  const help = await runDeno(["run", "--quiet", "cli/main.ts", "--help"]);
  assert.match(help.stdout, /multispool --version/);
});

Deno.test("cli: deno task install:cli makes a working multispool command, serve included, without a misleading note", async () => {
  await using tmp = await tempDir();
  const root = `${tmp.path}/install`;
  const installed = await runDeno(["task", "install:cli"], {
    env: { DENO_INSTALL_ROOT: root },
  });
  assert.equal(installed.code, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /will be ignored|Warning/);
  const command = `${root}/bin/multispool`;
  const run = async (...args: string[]) => {
    const output = await new Deno.Command(command, {
      args,
      cwd: tmp.path, // not the checkout
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  };
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  let r = await run("--version");
  assert.equal(r.stdout, `multispool ${version}\n`, r.stderr);
  const spool = `${tmp.path}/spool`;
  r = await run("init", spool, "--queue", "q");
  assert.equal(r.code, 0, r.stderr);
  r = await run("enqueue", spool, "q", "--data", "hi");
  assert.equal(r.code, 0, r.stderr);
  r = await run("ls", spool, "q");
  assert.match(r.stdout, /^-- 1 entry, 2 B$/m);
  r = await run("--help");
  assert.doesNotMatch(r.stdout, /repository|deno task/);
  // serve has what it needs: it listens, and stops on SIGTERM.
  const serving = new Deno.Command(command, {
    args: ["serve", spool, "--port", "0"],
    cwd: tmp.path,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = serving.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let said = "";
  while (!said.includes("listening on")) {
    const { done, value } = await reader.read();
    if (done) break;
    said += value;
  }
  serving.kill("SIGTERM");
  const errors = new Response(serving.stderr).text();
  while (!(await reader.read()).done) { /* drained */ }
  const { code } = await serving.status;
  assert.match(said, /listening on http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal(code, 0, await errors);
});

Deno.test("cli: --help documents filters, bulk actions, streams and metrics", async () => {
  const helpOf = async (command: string) => {
    const text = await help(command);
    assert.match(text, /Exit codes:/, command);
    return text;
  };
  const filters = [
    /--older-than SPAN/,
    /--newer-than SPAN/,
    /--where FIELD=VALUE/,
    /--prefix TEXT/,
    /--due /,
    /--delayed /,
  ];
  for (const command of ["ls", "tail", "mv", "rm", "hold", "release"]) {
    const text = await helpOf(command);
    for (const flag of filters) assert.match(text, flag, command);
  }
  for (const command of ["mv", "rm", "hold", "release"]) {
    const text = await helpOf(command);
    for (const flag of [/--all /, /--dry-run /, /--force /, /--json /]) {
      assert.match(text, flag, command);
    }
  }
  assert.match(await helpOf("mv"), /checked out 12m ago/);
  assert.match(
    await helpOf("hold"),
    /any queue of the spool that no consumer reads/,
  );
  assert.match(await helpOf("ls"), /ARRIVED, when it was enqueued/);
  assert.match(await helpOf("ls"), /-- 3 entries, 1\.2 KiB/);
  assert.match(await helpOf("tail"), /NDJSON/);
  assert.match(await helpOf("tail"), /never checks an entry out/);
  assert.match(await helpOf("show"), /--max-bytes N/);
  assert.match(await helpOf("show"), /"dataTruncated"/);
  const stats = await helpOf("stats");
  for (
    const flag of [
      /--output FILE/,
      /atomically/,
      /--group-by FIELD/,
      /--max-checked-out-age SPAN/,
      /NDJSON/,
      /all gauges/,
    ]
  ) assert.match(stats, flag);
  const monitor = await helpOf("monitor");
  assert.match(monitor, /--per-entry/);
  assert.match(monitor, /start 37 too-old in active\/\.checkout/);
  assert.match(await helpOf("version"), /^Usage: multispool version /);
});
