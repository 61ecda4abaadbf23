/**
 * The worker of `scoped_worker.ts`: consumes `incoming`, moving each entry to
 * `done`, until told to stop. It runs with read and write access to the
 * spool directory only.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { Spool } from "../mod.ts";

const stop = new AbortController();
let handled = 0;

self.onmessage = async (event: MessageEvent<{ dir: string } | "stop">) => {
  if (event.data === "stop") {
    stop.abort();
    return;
  }
  const { dir } = event.data;
  // Show the sandbox: anything outside the spool is out of reach.
  try {
    await Deno.readTextFile("/etc/hostname");
    self.postMessage("could read /etc/hostname (not sandboxed!)");
  } catch (error) {
    self.postMessage(
      `cannot read /etc/hostname: ${(error as Error).constructor.name}`,
    );
  }
  const spool = await Spool.load(dir, {
    queues: ["incoming", "done", "failed"],
  });
  // A job that fails is tried again after a backoff, then set aside.
  await using reader = spool.reader("incoming", {
    retry: { maxAttempts: 3, deadLetter: "failed" },
  });
  await reader.iter(() => {
    handled++;
    return { action: "save", queue: "done" };
  }, { signal: stop.signal });
  self.postMessage(`handled ${handled} jobs`);
  self.postMessage("stopped");
};
