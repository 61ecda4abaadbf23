/**
 * A Worker of `worker_pool.ts`: hashes each job's payload and saves the job
 * to `done` with the digest in its metadata, until told to stop. A job that
 * fails is tried again after a backoff, and goes to `failed` after three
 * attempts (`multispool retry` sends it back with a fresh start).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { jsonMetadata, Spool } from "../mod.ts";

const stop = new AbortController();

self.onmessage = async (
  event: MessageEvent<{ dir: string; id: number } | "stop">,
) => {
  if (event.data === "stop") {
    stop.abort();
    return;
  }
  const { dir, id } = event.data;
  const spool = await Spool.load(dir, {
    queues: ["jobs", "done", "failed"],
    metadata: jsonMetadata<{ job: number; sha256?: string; worker?: number }>(),
  }, { durability: "relaxed" });
  await using reader = spool.reader("jobs", {
    retry: { maxAttempts: 3, deadLetter: "failed" },
  });
  await reader.iter(async (metadata, data) => {
    const payload = await data.load() as Uint8Array<ArrayBuffer>;
    const digest = await crypto.subtle.digest("SHA-256", payload);
    const sha256 = [...new Uint8Array(digest)]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    return {
      action: "save",
      queue: "done",
      metadata: { ...metadata, sha256, worker: id },
    };
  }, { signal: stop.signal, concurrency: 2 });
  self.postMessage("stopped");
};
