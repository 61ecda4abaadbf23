/**
 * Steps that make quick calls (see `QuickCalls`), written once and run at
 * the cost of a plain function while the calls are made in line: a step is
 * a generator that yields each call's answer or promise, and is sent the
 * answer back. {@linkcode runSteps} runs it without a single await until a
 * call answers with a promise (its calls are on the thread pool), and from
 * there awaits each. An await costs a microtask even for an answer already
 * there: a look at every entry of a big queue, with each of its calls
 * awaited, made the operator's `shapes` 7 to 10 % slower; run as steps, it
 * costs what a plain function does.
 *
 * @module
 */

/** Steps that end with an `R`: a generator of calls' answers or promises. */
export type Steps<R> = Generator<unknown, R, unknown>;

/**
 * Runs `steps`: synchronously while every call answers at once, else to a
 * promise.
 */
export function runSteps<R>(steps: Steps<R>): R | Promise<R> {
  let next = steps.next();
  while (!next.done) {
    if (next.value instanceof Promise) return finish(steps, next.value);
    next = steps.next(next.value);
  }
  return next.value;
}

/** Runs the rest of `steps`, from a call that answered with a promise. */
async function finish<R>(
  steps: Steps<R>,
  pending: Promise<unknown>,
): Promise<R> {
  for (;;) {
    let next: IteratorResult<unknown, R>;
    let settled: { value: unknown } | { error: unknown };
    try {
      settled = { value: await pending };
    } catch (error) {
      settled = { error };
    }
    next = "error" in settled
      ? steps.throw(settled.error)
      : steps.next(settled.value);
    while (!next.done && !(next.value instanceof Promise)) {
      next = steps.next(next.value);
    }
    if (next.done) return next.value;
    pending = next.value as Promise<unknown>;
  }
}
