// Scratch file systems of the benchmark's own, so that figures do not depend
// on the state of the root disk (on these machines ext4 *without* a journal,
// whose inode allocator slows to ~1 ms a file for minutes after many
// deletions: see BENCHMARKS.md). As root, a run makes a journaled ext4 and
// an XFS (where mkfs.xfs exists), each on a loop-mounted image file, and a
// tmpfs (the CPU cost alone); it unmounts and deletes them at the end, also
// on failure or interrupt. Each is named in every table measured on it.

import { output } from "./proc.ts";

/** The kinds of scratch file system a run can make. */
export type ScratchKind = "ext4" | "xfs" | "tmpfs";

/** All kinds, in the order a run measures them. */
export const SCRATCH_KINDS: readonly ScratchKind[] = ["ext4", "xfs", "tmpfs"];

/** A mounted scratch file system, or a directory given with --dir. */
export interface Scratch {
  /** How tables name it: "ext4 (journaled, loop image)", ... */
  label: string;
  /** Where spools go: a directory on it. */
  dir: string;
  /** Block devices whose counters say what the disk did (loop and backing). */
  devices: string[];
  /** Unmounts and deletes it; idempotent. */
  remove(): Promise<void>;
}

/**
 * Image size: room for every section's files with 1 KiB payloads (on ext4,
 * each metadata file takes a 4 KiB block: the drain section's 3.85 million
 * entries take 16 GB). Sparse: only what is written takes room on the disk.
 */
const IMAGE_SIZE = "40G";
/**
 * Inodes: the drain section keeps 3.85 million entries at once (its
 * backlogs, then a 1,000,000-entry one), three files each.
 */
const INODES = "12000000";

async function run(cmd: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(cmd, {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr}`);
  }
}

async function which(cmd: string): Promise<boolean> {
  return (await output("sh", ["-c", `command -v ${cmd}`])).trim() !== "";
}

/** Why scratch file systems cannot be made here, or undefined if they can. */
export async function whyNoScratch(): Promise<string | undefined> {
  if (Deno.uid?.() !== 0) return "not root (mount needs it)";
  for (const tool of ["mount", "umount", "losetup", "mkfs.ext4"]) {
    if (!await which(tool)) return `${tool} is not installed`;
  }
  return undefined;
}

/** Whether this kind can be made here (XFS needs mkfs.xfs). */
export async function canMake(kind: ScratchKind): Promise<boolean> {
  return kind !== "xfs" || await which("mkfs.xfs");
}

/** The block device (e.g. vda) holding `path`, from `df`. */
async function deviceOf(path: string): Promise<string | undefined> {
  const source = (await output("findmnt", ["-no", "SOURCE", "-T", path]))
    .trim();
  const match = /^\/dev\/(\w+)/.exec(source);
  return match?.[1];
}

const live = new Set<Scratch>();

/** Removes every scratch file system still mounted (on failure, interrupt). */
export async function removeAllScratch(): Promise<void> {
  for (const scratch of [...live]) await scratch.remove();
}

/**
 * Makes and mounts a scratch file system of `kind`. The image file goes in
 * `imageDir` (on the root disk; created sparse, deleted at the end).
 */
export async function makeScratch(
  kind: ScratchKind,
  imageDir = "/var/tmp",
): Promise<Scratch> {
  const tag = `multispool-bench-${kind}-${Deno.pid}`;
  const mountPoint = `/mnt/${tag}`;
  const image = `${imageDir}/${tag}.img`;
  Deno.mkdirSync(mountPoint, { recursive: true });
  let mounted = false;
  let removed = false;
  const scratch: Scratch = {
    label: "",
    dir: `${mountPoint}/bench`,
    devices: [],
    async remove() {
      if (removed) return;
      removed = true;
      live.delete(scratch);
      if (mounted) {
        try {
          await run("umount", [mountPoint]);
        } catch {
          // Busy (a process still in it): detach it lazily.
          await run("umount", ["-l", mountPoint]).catch(() => {});
        }
      }
      await Deno.remove(image).catch(() => {});
      await Deno.remove(mountPoint).catch(() => {});
    },
  };
  live.add(scratch);
  try {
    if (kind === "tmpfs") {
      await run("mount", [
        "-t",
        "tmpfs",
        "-o",
        `size=12G,nr_inodes=${INODES}`,
        "tmpfs",
        mountPoint,
      ]);
      mounted = true;
      scratch.label = "tmpfs";
    } else {
      await run("truncate", ["-s", IMAGE_SIZE, image]);
      if (kind === "ext4") {
        // mkfs.ext4's default has a journal (has_journal), data=ordered.
        await run("mkfs.ext4", ["-q", "-F", "-N", INODES, image]);
      } else {
        await run("mkfs.xfs", ["-q", "-f", image]);
      }
      await run("mount", ["-o", "loop", image, mountPoint]);
      mounted = true;
      const loop = await deviceOf(mountPoint);
      const backing = await deviceOf(imageDir);
      scratch.devices = [loop, backing].filter((d) => d !== undefined);
      scratch.label = kind === "ext4"
        ? `ext4, journaled (loop image on ${backing ?? "?"})`
        : `XFS (loop image on ${backing ?? "?"})`;
    }
    Deno.mkdirSync(scratch.dir);
    return scratch;
  } catch (error) {
    await scratch.remove();
    throw error;
  }
}

/** A directory given with --dir (or the default temp dir): nothing to remove. */
export async function givenDir(dir: string): Promise<Scratch> {
  const type = (await output("findmnt", ["-no", "FSTYPE", "-T", dir])).trim();
  const device = await deviceOf(dir);
  let label = type || "unknown file system";
  if (type === "ext4" && device !== undefined) {
    const journals = await output("ls", ["-1", "/proc/fs/jbd2"]);
    const journaled = journals.split("\n").some((line) =>
      line.startsWith(`${device}-`)
    );
    label = `ext4, ${journaled ? "journaled" : "no journal"}`;
  }
  return {
    label: `${label} (${dir}${device === undefined ? "" : ` on ${device}`})`,
    dir,
    devices: device === undefined ? [] : [device],
    remove: () => Promise.resolve(),
  };
}
