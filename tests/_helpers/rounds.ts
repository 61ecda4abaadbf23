// How long the long tests run: a few rounds for CI, more where asked.

/**
 * The number of rounds in `variable`, where the test may read it (run
 * with `--allow-env`); `fallback` otherwise.
 */
export function roundsFrom(variable: string, fallback: number): number {
  const allowed = Deno.permissions.querySync({ name: "env", variable });
  const value = allowed.state === "granted"
    ? Deno.env.get(variable)
    : undefined;
  return value === undefined ? fallback : Number(value);
}
