// A small file system that can fill up, for full-disk tests (needs root;
// the tests say so and skip where it cannot be mounted).

/**
 * Mounts a tmpfs of `size` (with at most `inodes` inodes, if given) on
 * `dir`; false where that is not allowed (not root, or no mount in this
 * sandbox).
 */
export async function mountTmpfs(
  dir: string,
  size: string,
  inodes?: number,
): Promise<boolean> {
  const options = inodes === undefined
    ? `size=${size}`
    : `size=${size},nr_inodes=${inodes}`;
  try {
    const { success } = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Unmounts what {@linkcode mountTmpfs} mounted; false if it could not. */
export async function umount(dir: string): Promise<boolean> {
  const { success } = await new Deno.Command("umount", {
    args: [dir],
    stderr: "null",
  }).output();
  return success;
}
