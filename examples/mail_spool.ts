/**
 * A small mail spool, in the style of the original library's SMTP spool.
 * Messages wait in `active`; a reader delivers each one when it is due. A
 * temporary failure is a retry: the spool records it in the message's
 * history and brings the message back after a backoff, and after too many
 * attempts moves it to `frozen` (the dead letters) for a person to look at.
 * A permanent failure puts it in `quarantine`. Delivered messages go to
 * `removed`, kept for a while in case they have to be recovered.
 *
 * Nothing here schedules by hand: the due times live in the spool (each
 * waiting message's file is dated with its next attempt, as in Postfix's
 * deferred queue), so they survive restarts and are seen by every process;
 * `multispool ls` shows them, and `multispool flush` makes them due now.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/mail_spool.ts [SPOOL]
 * ```
 *
 * Delivery is simulated (each recipient's fate is fixed, so a run is
 * repeatable): no network here.
 *
 * @module
 */

import {
  abortOnSignals,
  backoffDelay,
  jsonMetadata,
  type RetryPolicy,
  Spool,
  textData,
} from "../mod.ts";

/** What the spool knows of a message besides its body. */
export interface Envelope {
  from: string;
  to: string;
  lastError?: string;
}

type Queue = "active" | "frozen" | "removed" | "quarantine";

/** What a delivery attempt gave. */
export type Delivery = "ok" | "retry" | "reject";

/**
 * A fake mail server: `nobody@` is unknown; the others answer "try again
 * later" as many times as the number before the `@` says (`carol` never
 * gets through).
 */
export function fakeServer(to: string, attempt: number): Delivery {
  if (to.startsWith("nobody@")) return "reject";
  const busy: Record<string, number> = { alice: 0, bob: 2, carol: 99, dave: 1 };
  return attempt <= (busy[to.split("@")[0]] ?? 0) ? "retry" : "ok";
}

/** Four attempts, 50, 100 then 200 ms apart; then frozen. */
export const retry: RetryPolicy<Queue> = {
  maxAttempts: 4,
  backoff: [50, 100, 200],
  deadLetter: "frozen",
};

/**
 * Delivers what is and will be in `active` until every message of `total`
 * has found its place (delivered, quarantined or frozen), or a signal.
 */
export async function deliverAll(
  spool: Spool<Queue, Envelope, string>,
  deliver: (to: string, attempt: number) => Delivery,
  total: number,
  log: (line: string) => void,
): Promise<void> {
  const done = new AbortController();
  using interrupted = abortOnSignals();
  const stop = AbortSignal.any([done.signal, interrupted.signal]);
  let settled = 0;
  const settle = () => {
    if (++settled === total) done.abort();
  };
  await using reader = spool.reader("active", { retry });
  await reader.iter(async (envelope, _body, job) => {
    const attempt = (await job.history()).attempts + 1;
    const result = deliver(envelope.to, attempt);
    if (result === "ok") {
      log(`${envelope.to}: delivered at attempt ${attempt}`);
      settle();
      return { action: "save", queue: "removed" };
    }
    if (result === "reject") {
      log(`${envelope.to}: rejected, quarantined`);
      settle();
      return {
        action: "save",
        queue: "quarantine",
        metadata: { ...envelope, lastError: "550 no such user" },
      };
    }
    if (attempt >= retry.maxAttempts) {
      log(`${envelope.to}: ${attempt} failures, frozen`);
      settle();
    } else {
      const wait = backoffDelay(retry.backoff!, attempt);
      log(`${envelope.to}: attempt ${attempt} failed, retry in ${wait} ms`);
    }
    // The policy decides: back to `active` after the backoff, or frozen.
    return { action: "retry", error: "421 try again later" };
  }, { signal: stop });
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
      { from: "noreply@example.com", to },
      `Subject: hello\r\n\r\nHello ${to}\r\n`,
      { reserve: "msg-" },
    );
  }
  await deliverAll(spool, fakeServer, recipients.length, console.log);
  for (const queue of spool.queues) {
    console.log(`${queue}: ${(await spool.list(queue)).length}`);
  }
  const [frozen] = await spool.list("frozen");
  const history = await frozen.direct.readHistory();
  console.log(
    `frozen after ${history.attempts} attempts, last error: ${
      history.failures.at(-1)?.message
    }`,
  );
  if (given === undefined) await Deno.remove(dir, { recursive: true });
}
