/**
 * Writing a file that readers only ever see whole, as node_exporter's
 * textfile collector needs: the text goes to a temporary file in the same
 * directory, is flushed, and the temporary file is renamed over the
 * target.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * Replaces `path` with `text` atomically: a reader sees the old content or
 * the new, never a part. The temporary file is a dot file ending in
 * `.tmp` (not `.prom`), in the same directory, so that the rename does not
 * cross file systems and a collector reading `*.prom` ignores it.
 *
 * @param path The file to write.
 * @param text Its new content.
 * @throws {Deno.errors.NotFound} If the directory does not exist (and the
 * other errors of opening, writing and renaming a file).
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  const bytes = new TextEncoder().encode(text);
  const file = await Deno.open(tmp, {
    write: true,
    createNew: true,
    mode: 0o644,
  });
  try {
    try {
      for (let at = 0; at < bytes.length;) {
        at += await file.write(bytes.subarray(at));
      }
      // On disk before the rename: a crash cannot leave an empty file
      // under the final name.
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
