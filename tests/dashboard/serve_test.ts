// The serve command: safe defaults it refuses to break, clear one-line
// errors, and a clean stop. (Serving pages to a browser is the browser
// test's part.)

import assert from "node:assert/strict";
import { Spool } from "../../mod.ts";
import { runDeno, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { serveArgs } from "./_helpers.ts";

const CLI = "cli/main.ts";

Deno.test("multispool serve: refuses to listen beyond loopback without a token", async () => {
  await using dir = await tempDir();
  await Spool.create(dir.path, { queues: ["q"] });
  for (const host of ["0.0.0.0", "192.0.2.1", "::"]) {
    const { code, stdout, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-write",
      CLI,
      "serve",
      dir.path,
      "--host",
      host,
    ]);
    assert.equal(code, 2, stderr);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      new RegExp(
        `^multispool serve: refusing to listen on ${
          host.replace(/\./g, "\\.")
        } without a token: give --token or set MULTISPOOL_TOKEN`,
      ),
    );
    assert.equal(stderr.trim().split("\n").length, 2, stderr); // and the --help hint
  }
});

Deno.test("multispool serve: bad input is a one-line error and exit 2", async () => {
  await using dir = await tempDir();
  await Spool.create(`${dir.path}/spool`, { queues: ["q"] });
  await Deno.mkdir(`${dir.path}/plain`);
  await Deno.writeTextFile(`${dir.path}/plain/file`, "x");
  const cases: [string[], RegExp][] = [
    [["--token", "short"], /the token must have at least 16 characters/],
    [["--port", "http"], /--port: "http" is not a whole number/],
    [["--port", "70000"], /--port: 70000 is not a port/],
    [["--interval", "soon"], /--interval: "soon" is not a span of time/],
    [["--frobnicate"], /unknown option --frobnicate /],
  ];
  for (const [flags, message] of cases) {
    const { code, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-write",
      CLI,
      "serve",
      `${dir.path}/spool`,
      ...flags,
    ]);
    assert.equal(code, 2, flags.join(" "));
    assert.match(stderr.split("\n")[0], message);
  }
  const notSpool = await runDeno([
    "run",
    "--allow-read",
    "--allow-write",
    CLI,
    "serve",
    `${dir.path}/plain`,
  ]);
  assert.equal(notSpool.code, 2);
  assert.match(notSpool.stderr, /^multispool serve: .*not a spool/);
  assert.equal(notSpool.stderr.trim().split("\n").length, 1);
});

Deno.test("multispool serve --help says how it is safe", async () => {
  const { code, stdout } = await runDeno(["run", CLI, "serve", "--help"]);
  assert.equal(code, 0);
  for (
    const text of [
      "Usage: multispool serve DIR",
      "--allow-actions",
      "--token TOKEN",
      "127.0.0.1",
      "MULTISPOOL_TOKEN",
    ]
  ) assert.ok(stdout.includes(text), text);
});

Deno.test("multispool serve: a port in use is said so, and SIGTERM stops the server", async () => {
  await using dir = await tempDir();
  await Spool.create(dir.path, { queues: ["q"] });
  const args = serveArgs(dir.path);
  const server = startDeno([...args, "--port", "0"]);
  const line = await server.line((l) => l.includes("listening on"));
  const port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1];
  assert.ok(port, line);
  assert.match(line, /\(.*, read-only\)$/);
  const second = await runDeno([...args, "--port", port]);
  assert.equal(second.code, 2);
  assert.match(
    second.stderr,
    new RegExp(
      `^multispool serve: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`,
    ),
  );
  const stopped = await server.stop("SIGTERM");
  assert.equal(stopped.code, 0, stopped.stderr);
});
