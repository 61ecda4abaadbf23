/**
 * The dashboard's URLs, under the path it is mounted at. Every name in a
 * path is percent-encoded here, and nowhere else. Internal.
 *
 * @module
 */

/** A query: a value per key, several for a repeated field. */
export type Query = Record<string, string | readonly string[] | undefined>;

/** Builds the dashboard's URLs. */
export class Paths {
  /** The path the dashboard is mounted at (`""` at the root). */
  readonly base: string;

  /** @param base The path the dashboard is mounted at. */
  constructor(base: string) {
    this.base = base;
  }

  /** The overview. */
  home(): string {
    return `${this.base}/`;
  }

  /** A file of the dashboard's own (script, style sheet, icon). */
  asset(name: string): string {
    return `${this.base}/static/${name}`;
  }

  /** The event stream of live updates. */
  events(): string {
    return `${this.base}/events`;
  }

  /** The login form. */
  login(): string {
    return `${this.base}/login`;
  }

  /** A queue's entry browser, with a query. */
  queue(queue: string, query: Query = {}): string {
    return `${this.base}/queues/${encodeURIComponent(queue)}${queryOf(query)}`;
  }

  /** An entry's page (where its actions are posted too), with a query. */
  entry(
    queue: string,
    name: string,
    query: Query = {},
  ): string {
    return `${this.base}/queues/${encodeURIComponent(queue)}/entries/${
      encodeURIComponent(name)
    }${queryOf(query)}`;
  }

  /** An entry's payload, whole, as a download. */
  payload(queue: string, name: string): string {
    return `${this.entry(queue, name)}/payload`;
  }

  /** The confirmation of an action on an entry. */
  confirm(queue: string, name: string): string {
    return `${this.entry(queue, name)}/confirm`;
  }

  /**
   * An entry by its name alone: the page it has wherever it is now (a
   * link that follows it from queue to queue).
   */
  named(name: string): string {
    return `${this.base}/entries/${encodeURIComponent(name)}`;
  }

  /** The search by name, with a query. */
  search(query: Query = {}): string {
    return `${this.base}/search${queryOf(query)}`;
  }

  /** The health page: the monitor's problems and the repair plan. */
  health(): string {
    return `${this.base}/health`;
  }

  /** The repair: its confirmation (GET), and where it is posted. */
  repair(): string {
    return `${this.base}/health/repair`;
  }

  /** A bulk action on a queue: its confirmation (GET), where it is posted. */
  bulk(queue: string, query: Query = {}): string {
    return `${this.base}/queues/${encodeURIComponent(queue)}/bulk${
      queryOf(query)
    }`;
  }
}

/** `?a=1&b=2` for the defined values (a list: repeated), or `""`. */
function queryOf(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === "string") params.set(key, value);
    else for (const each of value ?? []) params.append(key, each);
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
