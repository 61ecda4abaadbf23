/**
 * A small mail spool, in the style of the original library's SMTP spool.
 * Messages wait in `active`; a delivery loop makes passes over it and tries
 * the messages that are due. A temporary failure is retried later with
 * exponential backoff recorded in the metadata; after too many attempts the
 * message is `frozen` for a person to look at. A permanent failure puts it in
 * `quarantine`. Delivered messages go to `removed`, kept for a while in case
 * they have to be recovered.
 *
 * The pass looks at each message's metadata without checking it out
 * (`entry.direct.readMetadata()`), and checks out only those that are due:
 * messages waiting for their next attempt are never moved.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/mail_spool.ts [SPOOL]
 * ```
 *
 * Delivery is simulated (seeded, so a run is repeatable): no network here.
 *
 * @module
 */

import { jsonMetadata, Spool, textData } from "../mod.ts";

/** What the spool knows of a message besides its body. */
export interface Envelope {
  from: string;
  to: string;
  attempts: number;
  /** When the next attempt is due, in milliseconds since the epoch. */
  nextAttemptAt: number;
  lastError?: string;
}

type Queue = "active" | "frozen" | "removed" | "quarantine";

/** The backoff after `attempts` failed attempts: base * 2^(attempts-1). */
export function backoffMs(attempts: number, baseMs: number): number {
  return baseMs * 2 ** (attempts - 1);
}

/** A fake mail server: fails now and then, and never knows `nobody@`. */
function deliverer(seed: number) {
  let state = seed >>> 0;
  // mulberry32: small, seeded, good enough for a simulation.
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (envelope: Envelope): "ok" | "retry" | "reject" =>
    envelope.to.startsWith("nobody@")
      ? "reject"
      : random() < 0.6
      ? "retry"
      : "ok";
}

/** One pass over `active`: tries every message that is due. */
export async function deliveryPass(
  spool: Spool<Queue, Envelope, string>,
  deliver: (envelope: Envelope) => "ok" | "retry" | "reject",
  options: { maxAttempts: number; baseBackoffMs: number },
): Promise<string[]> {
  const log: string[] = [];
  for (const entry of await spool.list("active")) {
    // Peek without a lock: not due yet means not touched at all.
    const envelope = await entry.direct.readMetadata().catch(() => undefined);
    if (envelope === undefined || envelope.nextAttemptAt > Date.now()) continue;
    await spool.tryWithEntry(entry, (envelope, _body) => {
      const result = deliver(envelope);
      const attempts = envelope.attempts + 1;
      if (result === "ok") {
        log.push(`${envelope.to}: delivered after ${attempts} attempt(s)`);
        return {
          action: "save",
          queue: "removed",
          metadata: { ...envelope, attempts },
        };
      }
      if (result === "reject") {
        log.push(`${envelope.to}: rejected, quarantined`);
        return {
          action: "save",
          queue: "quarantine",
          metadata: { ...envelope, attempts, lastError: "550 no such user" },
        };
      }
      if (attempts >= options.maxAttempts) {
        log.push(`${envelope.to}: ${attempts} failures, frozen`);
        return {
          action: "save",
          queue: "frozen",
          metadata: { ...envelope, attempts, lastError: "421 try again later" },
        };
      }
      const wait = backoffMs(attempts, options.baseBackoffMs);
      log.push(
        `${envelope.to}: attempt ${attempts} failed, retry in ${wait} ms`,
      );
      return {
        action: "save",
        queue: "active",
        metadata: {
          ...envelope,
          attempts,
          nextAttemptAt: Date.now() + wait,
          lastError: "421 try again later",
        },
      };
    });
  }
  return log;
}

if (import.meta.main) {
  const given = Deno.args[0];
  const dir = given ?? await Deno.makeTempDir({ prefix: "mail-spool-" });
  const spool = await Spool.create(dir, {
    queues: ["active", "frozen", "removed", "quarantine"],
    metadata: jsonMetadata<Envelope>(),
    data: textData,
  });
  const recipients = [
    "alice@example.com",
    "bob@example.com",
    "nobody@example.com",
    "carol@example.com",
    "dave@example.com",
  ];
  for (const to of recipients) {
    await spool.enqueue(
      "active",
      {
        from: "noreply@example.com",
        to,
        attempts: 0,
        nextAttemptAt: 0,
      },
      `Subject: hello\r\n\r\nHello ${to}\r\n`,
      { reserve: "msg-" },
    );
  }
  const deliver = deliverer(42);
  const options = { maxAttempts: 4, baseBackoffMs: 50 };
  // The scheduler: a pass every 20 ms until nothing is active.
  while ((await spool.list("active")).length > 0) {
    for (const line of await deliveryPass(spool, deliver, options)) {
      console.log(line);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const queue of spool.queues) {
    console.log(`${queue}: ${(await spool.list(queue)).length}`);
  }
  if (given === undefined) await Deno.remove(dir, { recursive: true });
}
