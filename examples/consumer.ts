/**
 * A consumer process that needs nothing but the spool: it moves every entry
 * of one queue to another, printing a line per entry, until interrupted
 * (SIGINT or SIGTERM) or, with `--until-empty`, until the queue is empty.
 *
 * ```sh
 * deno run --allow-read=SPOOL --allow-write=SPOOL examples/consumer.ts SPOOL FROM TO [--until-empty]
 * ```
 *
 * @module
 */

import { abortOnSignals, Spool } from "../mod.ts";

const args = Deno.args.filter((arg) => !arg.startsWith("--"));
const untilEmpty = Deno.args.includes("--until-empty");
if (args.length !== 3) {
  console.error(
    "usage: consumer.ts SPOOL FROM_QUEUE TO_QUEUE [--until-empty]",
  );
  Deno.exit(2);
}
const [dir, from, to] = args;

const spool = await Spool.load(dir, { queues: [from, to] });
using stop = abortOnSignals(); // SIGINT or SIGTERM: finish, then stop

await using reader = spool.reader(from);
let moved = 0;
const handler = (metadata: unknown, _data: unknown, job: { name: string }) => {
  console.log(`${job.name} ${from} -> ${to} ${JSON.stringify(metadata)}`);
  moved++;
  return { action: "save" as const, queue: to };
};
if (untilEmpty) await reader.iterAvailable(handler, { signal: stop.signal });
else await reader.iter(handler, { signal: stop.signal });
console.log(`moved ${moved} entries`);
