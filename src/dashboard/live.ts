/**
 * Live updates, by Server-Sent Events: while at least one page listens,
 * the spool is measured again and again and every listener is sent each
 * new snapshot, as one `shapes` event of JSON. One measurement serves every
 * listener and every page drawn meanwhile; none is made while no one
 * listens. The pause between two measurements is the refresh interval, or
 * four times the last measurement if that is longer, so that watching a
 * big spool costs at most about a fifth of a core. A page drawn when the
 * last snapshot is older than that pause waits for a new one, unless
 * measuring is slow (a big spool): then it is drawn with the last one
 * (dated), and the next is measured meanwhile for the live updates. Each
 * event also carries the health panel's summary, when there is one.
 * Internal.
 *
 * @module
 */

import { runInBackground } from "../background.ts";
import { measure, type Snapshot } from "./snapshot.ts";
import type { SpoolView } from "./spool_view.ts";

/** How many unsent events a slow listener may have before it is dropped. */
const MAX_BACKLOG = 16;

/**
 * A measurement this slow or slower makes pages take the last snapshot
 * rather than wait for a new one.
 */
const SLOW_MS = 250;

const encoder = new TextEncoder();

interface Listener {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

/** Measures a spool for pages and event streams, sharing the work. */
export class LiveShapes {
  readonly #view: SpoolView;
  readonly #refreshMs: number;
  readonly #listeners = new Set<Listener>();
  readonly #stop = new AbortController();
  #latest: { snapshot: Snapshot; takenAt: number } | undefined;
  #measuring: Promise<Snapshot> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  /** Snapshots sent, and their bytes, since the start (for measurements). */
  readonly sent = { events: 0, bytes: 0 };

  readonly #extra: () => Record<string, unknown>;

  /**
   * @param view The spool.
   * @param refreshMs The shortest pause between two measurements.
   * @param extra What else each event carries (the health summary).
   */
  constructor(
    view: SpoolView,
    refreshMs: number,
    extra: () => Record<string, unknown> = () => ({}),
  ) {
    this.#view = view;
    this.#refreshMs = refreshMs;
    this.#extra = extra;
  }

  /** How many event streams are open. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** The pause after a measurement that took `measureMs`. */
  #pauseAfter(measureMs: number): number {
    return Math.max(this.#refreshMs, 4 * measureMs);
  }

  /** The last snapshot, however old, if there is one. */
  latest(): Snapshot | undefined {
    return this.#latest?.snapshot;
  }

  /**
   * A recent snapshot: the last one if it is not older than the pause
   * that follows it, else a new one (shared with whoever asks meanwhile).
   */
  current(): Promise<Snapshot> {
    const latest = this.#latest;
    if (latest === undefined) return this.#measure();
    const { measureMs } = latest.snapshot;
    if (performance.now() - latest.takenAt < this.#pauseAfter(measureMs)) {
      return Promise.resolve(latest.snapshot);
    }
    if (measureMs < SLOW_MS || this.#stop.signal.aborted) {
      return this.#measure();
    }
    // Slow to measure: the page takes the last one, dated.
    this.#measure().catch(() => {
      // The next page or event tells.
    });
    return Promise.resolve(latest.snapshot);
  }

  /** Waits for a measurement under way, if any, to end. */
  async settled(): Promise<void> {
    await this.#measuring?.catch(() => {});
  }

  #measure(): Promise<Snapshot> {
    if (this.#measuring !== undefined) return this.#measuring;
    const measuring = runInBackground(() =>
      measure(this.#view, this.#stop.signal)
    ).then(
      (snapshot) => {
        this.#latest = { snapshot, takenAt: performance.now() };
        return snapshot;
      },
    ).finally(() => {
      this.#measuring = undefined;
    });
    this.#measuring = measuring;
    return measuring;
  }

  /**
   * A stream of Server-Sent Events: the current snapshot at once, then each
   * new one, until the page goes away or {@linkcode close} is called.
   */
  stream(): ReadableStream<Uint8Array> {
    let listener: Listener | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.#stop.signal.aborted) {
          controller.close();
          return;
        }
        listener = { controller };
        this.#listeners.add(listener);
        // Reconnect after 2 s if the connection drops.
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        if (!this.#running) {
          this.#running = true;
          void this.#round();
        } else if (this.#latest !== undefined) {
          this.#send(listener, this.#event(this.#latest.snapshot));
        }
      },
      cancel: () => {
        if (listener !== undefined) this.#listeners.delete(listener);
      },
    });
  }

  /** Measures, sends, and plans the next round while anyone listens. */
  async #round(): Promise<void> {
    this.#timer = undefined;
    const stopped = () =>
      this.#stop.signal.aborted || this.#listeners.size === 0;
    if (stopped()) {
      this.#running = false;
      return;
    }
    let pause: number;
    try {
      const snapshot = await this.#measure();
      const event = this.#event(snapshot);
      for (const listener of [...this.#listeners]) this.#send(listener, event);
      pause = this.#pauseAfter(snapshot.measureMs);
    } catch (error) {
      if (this.#stop.signal.aborted) {
        this.#running = false;
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const event = `event: failure\ndata: ${JSON.stringify({ message })}\n\n`;
      for (const listener of [...this.#listeners]) this.#send(listener, event);
      pause = this.#refreshMs;
    }
    if (stopped()) {
      this.#running = false;
      return;
    }
    this.#timer = setTimeout(() => this.#round(), pause);
  }

  #event(snapshot: Snapshot): string {
    return `event: shapes\ndata: ${
      JSON.stringify({ ...snapshot, ...this.#extra() })
    }\n\n`;
  }

  #send(listener: Listener, event: string): void {
    const { controller } = listener;
    if ((controller.desiredSize ?? 0) < -MAX_BACKLOG) {
      // A page that does not read its events is not worth a growing queue.
      this.#listeners.delete(listener);
      try {
        controller.close();
      } catch {
        // Already closed.
      }
      return;
    }
    try {
      const bytes = encoder.encode(event);
      controller.enqueue(bytes);
      this.sent.events++;
      this.sent.bytes += bytes.length;
    } catch {
      this.#listeners.delete(listener);
    }
  }

  /** Ends every event stream and stops measuring. */
  close(): void {
    this.#stop.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = false;
    for (const { controller } of this.#listeners) {
      try {
        controller.close();
      } catch {
        // Already closed.
      }
    }
    this.#listeners.clear();
  }
}
