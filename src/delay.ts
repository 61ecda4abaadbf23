/**
 * The one abortable delay of the library, in the manner of the Deno
 * standard library's `async/delay.ts`. Internal.
 *
 * @module
 */

/** Options for {@linkcode delay}. */
export interface DelayOptions {
  /** Ends the wait early: the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Resolves after `ms` milliseconds; rejects with the signal's reason as
 * soon as it is aborted (at once if it already is).
 *
 * @param ms How long to wait.
 * @param options A signal that ends the wait.
 * @returns A promise that resolves after `ms` milliseconds.
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Resolves when `signal` is aborted (at once if it already is); never
 * rejects. For waits that have no timer.
 *
 * @param signal The signal.
 * @returns A promise that resolves on abort.
 */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
