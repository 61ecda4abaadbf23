// Temporary directories as disposables: `await using dir = await tempDir();`
// then `dir.path`; removed with everything in them at the end of the scope,
// whether the test passed or not.

/** A temporary directory, removed with everything in it when disposed. */
export interface TempDir extends AsyncDisposable {
  /** Its path. */
  readonly path: string;
}

/** Makes a fresh temporary directory for `await using`. */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "multispool-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}
