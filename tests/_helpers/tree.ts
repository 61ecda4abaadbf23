// A directory tree as lines, to compare a spool's files exactly.

/**
 * The tree under `dir`, one line per directory (`a/`) or file (`a/b`);
 * files at most 200 bytes long show their text after ` = `.
 */
export function tree(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    const items = [...Deno.readDirSync(rel ? `${dir}/${rel}` : dir)];
    for (const item of items) {
      const path = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory) {
        lines.push(`${path}/`);
        walk(path);
      } else {
        const size = Deno.statSync(`${dir}/${path}`).size;
        lines.push(
          size === 0
            ? path
            : size <= 200
            ? `${path} = ${Deno.readTextFileSync(`${dir}/${path}`)}`
            : `${path} (${size} bytes)`,
        );
      }
    }
  };
  walk("");
  return lines.sort();
}

/**
 * The tree of a spool with no entries: its own directories, then each
 * queue's with its `.checkout/`, as `tree` lists them.
 */
export function emptySpool(...queues: string[]): string[] {
  return [
    ".data/",
    ".registry/",
    ".tmp/",
    ...queues.flatMap((queue) => [`${queue}/`, `${queue}/.checkout/`]),
  ];
}
