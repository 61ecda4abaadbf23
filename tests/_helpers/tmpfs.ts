// A small file system that can fill up, for full-disk tests (needs root;
// the tests say so and skip where it cannot be mounted).

/** Mounts a tmpfs of `size` on `dir`; false where that is not allowed. */
export async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Unmounts what {@linkcode mountTmpfs} mounted. */
export async function umount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir], stderr: "null" }).output();
}
