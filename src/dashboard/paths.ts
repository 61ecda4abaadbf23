/**
 * The dashboard's URLs, under the path it is mounted at. Every name in a
 * path is percent-encoded here, and nowhere else. Internal.
 *
 * @module
 */

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
  queue(queue: string, query: Record<string, string | undefined> = {}): string {
    return `${this.base}/queues/${encodeURIComponent(queue)}${queryOf(query)}`;
  }

  /** An entry's page (where its actions are posted too), with a query. */
  entry(
    queue: string,
    name: string,
    query: Record<string, string | undefined> = {},
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
}

/** `?a=1&b=2` for the defined values, or `""`. */
function queryOf(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, value);
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
