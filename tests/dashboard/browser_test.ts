// The dashboard in a real browser: headless Chromium from Debian, driven
// by puppeteer-core, against `multispool serve` started as a child process
// on a free loopback port. It walks an operator's path: the overview's
// health panel shows a problem and the repair plan, the depth changes live
// when another process enqueues; the search box finds an entry by name;
// the dead letters are filtered by error and retried in bulk after a
// confirmation that counts them; the repair runs from the panel; an entry
// is moved with its confirmation; a read-only server refuses and a server
// with a token asks for it; no page breaks its Content-Security-Policy.
//
// Run with `deno test --allow-all tests/dashboard/` (CI runs it after
// tests/dashboard/install.sh has installed Chromium). Where Chromium or the
// permissions are missing, it prints why and skips. With
// MULTISPOOL_SCREENSHOTS=DIR, it saves a screenshot of each page there.

import assert from "node:assert/strict";
// A test-only dependency: named here, not in the package's import map.
// deno-lint-ignore no-import-prefix
import type { Browser, Page } from "npm:puppeteer-core@25.16.0";
import { Spool } from "../../mod.ts";
import { runDeno, type RunningChild, startDeno } from "../_helpers/children.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { serveArgs } from "./_helpers.ts";

const CLI = "cli/main.ts";

/** The Chromium to drive: $MULTISPOOL_CHROMIUM, or Debian's. */
function chromiumPath(): string | undefined {
  const candidates = [
    Deno.env.get("MULTISPOOL_CHROMIUM"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ];
  return candidates.find((path) => {
    if (path === undefined || path === "") return false;
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

/** Why the test cannot run here, or undefined if it can. */
async function whyNotHere(): Promise<string | undefined> {
  for (const name of ["run", "net", "env", "read", "write", "sys"] as const) {
    if ((await Deno.permissions.query({ name })).state !== "granted") {
      return `needs --allow-all (deno test --allow-all tests/dashboard/), lacks --allow-${name}`;
    }
  }
  const path = chromiumPath();
  if (path === undefined) {
    return "chromium is not installed (bash tests/dashboard/install.sh installs it)";
  }
  const version = await new Deno.Command(path, {
    args: ["--version"],
    stdout: "null",
    stderr: "piped",
  }).output().catch((error: Error) => error);
  if (version instanceof Error || !version.success) {
    return `${path} does not run: ${
      version instanceof Error
        ? version.message
        : new TextDecoder().decode(version.stderr).trim().split("\n")[0]
    }`;
  }
  return undefined;
}

const why = await whyNotHere();
if (why !== undefined) console.log(`dashboard browser test: SKIPPED, ${why}`);

/** Starts `multispool serve` on a free loopback port; its URL. */
async function serve(
  spool: string,
  flags: string[],
): Promise<{ server: RunningChild; url: string }> {
  const server = startDeno(serveArgs(spool, "--port", "0", ...flags));
  const line = await server.line((l) => l.includes("listening on"));
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
  assert.ok(url, line);
  return { server, url };
}

/** The text of the element `selector` matches. */
function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? "");
}

Deno.test({
  name:
    "dashboard in a browser: live depth, browsing, a confirmed move, a read-only refusal, a token",
  ignore: why !== undefined,
  // puppeteer keeps timers and sockets of its own until the browser closes.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using dir = await tempDir();
    const spoolDir = `${dir.path}/spool`;
    const spool = await Spool.create(spoolDir, {
      queues: ["active", "done", "dead"],
    });
    // Three dead letters (two timed out), as a consumer with a retry
    // policy leaves them; and a file a crashed producer left in .tmp/ an
    // hour ago, for the health panel.
    for (const to of ["ann@x.org", "bob@y.org", "cy@z.org"]) {
      await spool.enqueue("active", { to }, new TextEncoder().encode("hi"));
    }
    {
      await using consumer = spool.reader("active", {
        retry: { maxAttempts: 1, deadLetter: "dead" },
      });
      await consumer.iterAvailable((meta) => {
        const { to } = meta as { to: string };
        throw new Error(
          to === "bob@y.org"
            ? `550 <${to}>: no such user`
            : `421 timeout talking to ${to}`,
        );
      });
    }
    const stale = `${spoolDir}/.tmp/01KBSTALE00000000000000000`;
    await Deno.writeTextFile(stale, "{}");
    const hourAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(stale, hourAgo, hourAgo);
    const shots = Deno.env.get("MULTISPOOL_SCREENSHOTS");
    // deno-lint-ignore no-import-prefix
    const { default: puppeteer } = await import("npm:puppeteer-core@25.16.0");
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath: chromiumPath(),
        headless: true,
        args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
      });
    } catch (error) {
      console.log(
        `dashboard browser test: SKIPPED, chromium cannot run: ${
          (error as Error).message.split("\n")[0]
        }`,
      );
      return;
    }
    const { server, url } = await serve(spoolDir, [
      "--allow-actions",
      "--interval",
      "100ms",
      "--sample-every",
      "100ms",
    ]);
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 720 });
      // What the page's policy refused, and the script's own errors. (The
      // refused requests and the servers this test stops log errors of
      // their own, which are expected.)
      page.on("console", (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) {
          problems.push(message.text());
        }
      });
      page.on("pageerror", (error) => problems.push(String(error)));
      const shoot = async (name: string, fullPage = false) => {
        if (shots) {
          await page.screenshot({ path: `${shots}/${name}.png`, fullPage });
        }
      };
      const go = async (click: () => Promise<unknown>) => {
        await Promise.all([page.waitForNavigation(), click()]);
      };
      const ready = '[data-queue="active"][data-field="ready"]';
      let name = "";

      await t.step(
        "the overview's health panel shows the problem and the repair plan",
        async () => {
          await page.goto(url);
          assert.equal(await page.title(), "Queues · multispool");
          assert.equal(
            await page.$eval(
              "section.health",
              (e) => e.getAttribute("data-state"),
            ),
            "problems",
          );
          assert.equal(
            await textOf(page, '[data-health="problems"]'),
            "1 problem: 1 too-old in .tmp",
          );
          assert.equal(
            await textOf(page, '[data-health="plan"]'),
            "Repair would make 1 change.",
          );
          assert.ok(await page.$('section.health a[href="/health/repair"]'));
        },
      );

      await t.step(
        "the overview shows the depth, and takes it live when another process enqueues",
        async () => {
          assert.equal(await textOf(page, ready), "0");
          assert.equal(
            await textOf(page, '[data-queue="dead"][data-field="ready"]'),
            "3",
          );
          // The script is connected once a first update has come.
          await page.waitForSelector("body[data-updated]");
          const enqueued = await runDeno([
            "run",
            "--allow-read",
            "--allow-write",
            CLI,
            "enqueue",
            spoolDir,
            "active",
            "--metadata",
            '{"to":"<b>ann@example.com</b>"}',
            "--data",
            "Hello from another process",
          ]);
          assert.equal(enqueued.code, 0, enqueued.stderr);
          name = enqueued.stdout.trim();
          // Waits on the page's own changes (a mutation observer), not a timer.
          await page.waitForFunction(
            `document.querySelector(${
              JSON.stringify(ready)
            })?.textContent === "1"`,
            { polling: "mutation" },
          );
          // The numbers shown are the spool's.
          assert.equal((await spool.list("active")).length, 1);
          assert.equal(await textOf(page, '[data-total="entries"]'), "4");
          assert.equal(
            await page.$eval(
              'svg[data-queue="active"] rect',
              (bar) => bar.getAttribute("height"),
            ),
            "36",
          );
          // The clock, as everywhere: ISO 8601, UTC.
          assert.match(
            await textOf(page, "#live"),
            /^live · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
          );
          await shoot("overview");
        },
      );

      await t.step("the search box finds the entry by its name", async () => {
        await page.type('header form.search input[name="name"]', name);
        await go(() => page.click('header form.search button[type="submit"]'));
        assert.equal(
          new URL(page.url()).pathname,
          `/queues/active/entries/${name}`,
        );
        assert.equal(await textOf(page, "dd.name"), name);
        await page.goto(url);
      });

      await t.step(
        "filter the dead letters by error, and retry them in bulk after a confirmation that counts them",
        async () => {
          await go(() => page.click('a[href="/queues/dead"]'));
          await page.type('form.filter input[name="error"]', "timeout");
          await go(() => page.click('form.filter button[type="submit"]'));
          const errors = await page.$$eval(
            "table.entries td.error .message",
            (cells) => cells.map((c) => c.textContent ?? ""),
          );
          assert.equal(errors.length, 2);
          assert.ok(errors.every((e) => /421 timeout/.test(e)), errors.join());
          await shoot("queue", true);
          // The bulk form acts on this filter: retry, to where each failed.
          await page.select('form.bulk select[name="action"]', "retry");
          await go(() => page.click('form.bulk button[type="submit"]'));
          assert.equal(
            await textOf(page, "form.confirm p.question"),
            "Retry 2 entries from dead to active?",
          );
          // Nothing has moved before the confirmation.
          assert.equal((await spool.list("dead")).length, 3);
          await shoot("bulk-confirm");
          await go(() => page.click("#confirm"));
          assert.match(
            await textOf(page, ".notice"),
            /^Retried 2 entries from dead to active \(of 2 confirmed\)\.$/,
          );
          assert.equal((await spool.list("dead")).length, 1);
          assert.equal((await spool.list("active")).length, 3);
        },
      );

      await t.step(
        "repair from the health panel, after its confirmation",
        async () => {
          await page.goto(url);
          await page.waitForSelector("body[data-updated]");
          // The problem, its repair offered, and the retries of the last
          // step in the charts.
          await shoot("overview-health");
          await go(() => page.click('section.health a[href="/health/repair"]'));
          assert.match(
            await textOf(page, "form.confirm"),
            /delete-tmp\s*\.tmp\/01KBSTALE00000000000000000/,
          );
          await Deno.stat(stale);
          await go(() => page.click("#confirm"));
          assert.match(
            await textOf(page, ".notice"),
            /^Repair done: 1 change made\.$/,
          );
          await assert.rejects(Deno.stat(stale), Deno.errors.NotFound);
          await page.goto(url);
          assert.equal(
            await textOf(page, '[data-health="problems"]'),
            "No problems",
          );
          await page.goto(url);
        },
      );

      await t.step("browse to the queue and open the entry", async () => {
        await Promise.all([
          page.waitForNavigation(),
          page.click('a[href="/queues/active"]'),
        ]);
        assert.match(
          await textOf(page, ".pager .position"),
          /entries 1–3 of 3/,
        );
        await Promise.all([
          page.waitForNavigation(),
          page.click(`a[href="/queues/active/entries/${name}"]`),
        ]);
        assert.equal(await textOf(page, "dd.name"), name);
        // Metadata from a producer is text, not markup.
        assert.equal(
          await textOf(page, "pre.metadata"),
          '{\n  "to": "<b>ann@example.com</b>"\n}',
        );
        assert.equal(
          await page.$eval("pre.metadata", (e) => e.children.length),
          0,
        );
        assert.equal(
          await textOf(page, "pre.payload"),
          "Hello from another process",
        );
        await shoot("entry");
      });

      await t.step("move it to done, after the confirmation", async () => {
        await page.select('form.action-move select[name="to"]', "done");
        await Promise.all([
          page.waitForNavigation(),
          page.click('form.action-move button[type="submit"]'),
        ]);
        assert.match(
          await textOf(page, "form.confirm p"),
          new RegExp(`^Move ${name} from active to done\\?`),
        );
        // Nothing has moved before the confirmation.
        assert.equal((await spool.list("active")).length, 3);
        await shoot("confirm");
        await Promise.all([page.waitForNavigation(), page.click("#confirm")]);
        assert.equal(
          new URL(page.url()).pathname,
          `/queues/done/entries/${name}`,
        );
        assert.equal(
          await textOf(page, ".notice"),
          "Moved from active to done.",
        );
        assert.deepEqual((await spool.list("done")).map((e) => e.name), [name]);
        assert.ok(!(await spool.list("active")).some((e) => e.name === name));
        await shoot("moved");
        // The overview after the walk: its charts have the last seconds.
        await page.goto(url);
        await page.waitForSelector("body[data-updated]");
        await shoot("overview-after");
      });

      await t.step(
        "a read-only server offers no action and refuses one",
        async () => {
          const readOnly = await serve(spoolDir, []);
          try {
            await page.goto(`${readOnly.url}queues/done/entries/${name}`);
            assert.equal(await textOf(page, ".mode"), "read-only");
            assert.equal(await page.$("form.action"), null);
            const refused = await page.evaluate(async (target) => {
              const response = await fetch(target, {
                method: "POST",
                headers: {
                  "Content-Type": "application/x-www-form-urlencoded",
                },
                body: "action=remove",
              });
              return { status: response.status, text: await response.text() };
            }, `${readOnly.url}queues/done/entries/${name}`);
            assert.equal(refused.status, 403);
            assert.match(refused.text, /read-only/);
            assert.deepEqual((await spool.list("done")).map((e) => e.name), [
              name,
            ]);
          } finally {
            assert.equal((await readOnly.server.stop()).code, 0);
          }
        },
      );

      await t.step(
        "with a token, the login form lets the browser in",
        async () => {
          const token = "0123456789abcdef0123456789abcdef";
          const guarded = await serve(spoolDir, ["--token", token]);
          try {
            const response = await page.goto(`${guarded.url}queues/done`);
            assert.equal(response?.status(), 401);
            await page.type('input[name="token"]', token);
            await Promise.all([
              page.waitForNavigation(),
              page.click('form.login button[type="submit"]'),
            ]);
            assert.equal(new URL(page.url()).pathname, "/queues/done");
            assert.match(
              await textOf(page, ".pager .position"),
              /entries 1–1 of 1/,
            );
            // The cookie keeps it: the next page needs no token.
            const again = await page.goto(guarded.url);
            assert.equal(again?.status(), 200);
          } finally {
            assert.equal((await guarded.server.stop()).code, 0);
          }
        },
      );

      assert.deepEqual(
        problems,
        [],
        "nothing refused by the Content-Security-Policy, no script error",
      );
      // The server stops cleanly with a page still listening to it.
      await page.goto(url);
      await page.waitForSelector("body[data-updated]");
      const stopped = await server.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
    } finally {
      await server.stop();
      await browser.close();
    }
  },
});
