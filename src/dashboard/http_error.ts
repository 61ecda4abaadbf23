/**
 * The one error type of the dashboard's request handling: a refusal or a
 * failure that becomes an HTTP response with a status and a one-line
 * message. Internal.
 *
 * @module
 */

/**
 * A request the dashboard answers with `status` and `message` (shown to
 * the operator, escaped) instead of a page: a bad path, a missing token, a
 * refused action, an entry a consumer took meanwhile.
 */
export class HttpError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Extra response headers (`Allow` for a 405). */
  readonly headers: Record<string, string>;

  /**
   * @param status The HTTP status.
   * @param message What went wrong, in one line, for the operator.
   * @param headers Extra response headers.
   */
  constructor(
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}
