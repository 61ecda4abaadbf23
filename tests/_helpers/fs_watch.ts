// Waiting for the file system to reach a state, by watching it: the
// condition is checked once the watch is in place and again after every
// event, so no change can slip between a check and the wait.

/**
 * Resolves once `condition` holds, checking it after each change under
 * `paths`. Gives up after `limitMs`: a guard against a test that would hang,
 * not a timing assertion.
 */
export async function watchUntil(
  paths: string[],
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 60_000,
): Promise<void> {
  // WATCH BEFORE CHECKING: a change made after the check raises an event.
  using watcher = Deno.watchFs(paths, { recursive: false });
  if (await condition()) return;
  const guard = setTimeout(() => watcher.close(), limitMs);
  try {
    for await (const _ of watcher) {
      if (await condition()) return;
    }
  } finally {
    clearTimeout(guard);
  }
  throw new Error(`gave up waiting for ${what}`);
}
