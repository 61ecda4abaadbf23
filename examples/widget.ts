/**
 * The widget spool: the test spool of the original OCaml library, in
 * TypeScript. Three queues, metadata that is either a sprocket (named) or a
 * cog (numbered) stored as an s-expression, payloads that are records, and
 * names that sort by time. Widgets are enqueued in `queue1`, and a reader
 * moves each one on to `queue2` and then `queue3`.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/widget.ts [SPOOL]
 * ```
 *
 * @module
 */

import {
  type DataCodec,
  type MetadataCodec,
  type NameGenerator,
  Spool,
  type Spoolable,
} from "../mod.ts";

/** What kind of widget: a named sprocket or a numbered cog. */
export type Widget = { kind: "Sprocket"; name: string } | {
  kind: "Cog";
  teeth: number;
};

/** Who ordered it. */
export interface Order {
  serialNumber: number;
  customer: string;
}

/** Metadata as `(Sprocket name)` or `(Cog 12)`, as the original stores it. */
export const widgetMetadata: MetadataCodec<Widget> = {
  encode: (w) =>
    w.kind === "Sprocket"
      ? `(Sprocket ${JSON.stringify(w.name)})`
      : `(Cog ${w.teeth})`,
  decode(text) {
    const sprocket = /^\(Sprocket (".*")\)$/.exec(text);
    if (sprocket) return { kind: "Sprocket", name: JSON.parse(sprocket[1]) };
    const cog = /^\(Cog (-?\d+)\)$/.exec(text);
    if (cog) return { kind: "Cog", teeth: Number(cog[1]) };
    throw new SyntaxError(`not a widget: ${text}`);
  },
};

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Payloads as `((serial_number 1) (customer "x"))`. */
export const orderData: DataCodec<Order> = {
  encode: (o) =>
    utf8.encode(
      `((serial_number ${o.serialNumber}) (customer ${
        JSON.stringify(o.customer)
      }))`,
    ),
  decode(bytes) {
    const match = /^\(\(serial_number (\d+)\) \(customer (".*")\)\)$/.exec(
      text.decode(bytes),
    );
    if (!match) throw new SyntaxError("not an order");
    return { serialNumber: Number(match[1]), customer: JSON.parse(match[2]) };
  },
};

/**
 * Names that sort by time: milliseconds since the epoch, zero-padded, then a
 * counter for names made in the same millisecond, then the attempt.
 */
export function timeOrderNames(): NameGenerator<undefined> {
  let last = 0;
  let counter = 0;
  return {
    next(_input, attempt) {
      const now = Date.now();
      counter = now === last ? counter + 1 : 0;
      last = now;
      return `${String(now).padStart(15, "0")}-${
        String(counter).padStart(6, "0")
      }-${attempt}`;
    },
  };
}

/** The widget spool's description. */
export const widgets: Spoolable<
  "queue1" | "queue2" | "queue3",
  Widget,
  Order,
  undefined
> = {
  queues: ["queue1", "queue2", "queue3"],
  metadata: widgetMetadata,
  data: orderData,
  names: timeOrderNames(),
};

if (import.meta.main) {
  const given = Deno.args[0];
  const dir = given ?? await Deno.makeTempDir({ prefix: "widgets-" });
  const spool = await Spool.create(dir, widgets);
  const made: Widget[] = [
    { kind: "Sprocket", name: "left" },
    { kind: "Cog", teeth: 12 },
    { kind: "Sprocket", name: "right" },
  ];
  for (const [i, widget] of made.entries()) {
    await spool.enqueue("queue1", widget, {
      serialNumber: i + 1,
      customer: "ACME",
    });
  }
  // Move every widget queue1 -> queue2 -> queue3, one step at a time.
  for (
    const [from, to] of [["queue1", "queue2"], ["queue2", "queue3"]] as const
  ) {
    await using reader = spool.reader(from);
    await reader.iterAvailable(async (widget, data) => {
      const order = await data.load();
      console.log(
        `${from} -> ${to}: ${
          widgetMetadata.encode(widget)
        } #${order.serialNumber} for ${order.customer}`,
      );
      return { action: "save", queue: to };
    });
  }
  for (const queue of widgets.queues) {
    console.log(`${queue}: ${(await spool.list(queue)).length} widgets`);
  }
  if (given === undefined) await Deno.remove(dir, { recursive: true });
}
