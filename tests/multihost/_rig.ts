// Shared file systems built on this machine, standing in for several hosts:
// a GlusterFS replica-3 volume and an sshfs export, each mounted twice. Two
// mounts of one volume are two clients with their own caches, as two hosts
// would be. Everything is started here and stopped by `[Symbol.asyncDispose]`:
// no mount, daemon or network namespace outlives the rig.
//
// Needs root, /dev/fuse, and Debian's glusterfs-server, glusterfs-client,
// sshfs, openssh-server and faketime (`tests/multihost/install.sh` installs
// them).

/** Two mounts of one shared file system, and how to take it down. */
export interface SharedFs extends AsyncDisposable {
  /** "glusterfs" or "sshfs". */
  readonly kind: "glusterfs" | "sshfs";
  /** Two client mounts of the same directory, as two hosts see it. */
  readonly mounts: readonly [string, string];
  /**
   * Mounts one more client. With `faketime` (a libfaketime offset such as
   * "-30m"), its daemon runs on a clock of its own, as another host's would
   * (GlusterFS only: an sshfs daemon sets no times).
   */
  mountClient(options?: { faketime?: string }): Promise<string>;
  /** Sets a volume option (GlusterFS only). */
  setOption(name: string, value: string): Promise<void>;
}

/** Where Debian's libfaketime is, for `LD_PRELOAD` (`$LIB`: the loader's). */
const LIBFAKETIME = "/usr/$LIB/faketime/libfaketime.so.1";

/**
 * The environment that runs a process on a clock `offset` away from this
 * machine's (a libfaketime offset such as "-30m"), as on another host.
 * Preloaded directly rather than through the `faketime` command, which
 * would stand between the test and the process it signals.
 */
export function skewedClock(offset: string): Record<string, string> {
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: offset };
}

/** Why the multi-host suite cannot run here, or undefined if it can. */
export function whyNotHere(): string | undefined {
  if (Deno.build.os !== "linux") return "not Linux";
  let uid: number | null;
  try {
    uid = Deno.uid();
  } catch {
    return "run with --allow-all (mounts and namespaces)";
  }
  if (uid !== 0) return "not root (mounts and namespaces need root)";
  try {
    Deno.statSync("/dev/fuse");
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      return "run with --allow-all (mounts and namespaces)";
    }
    return "no /dev/fuse (FUSE is not available)";
  }
  const missing = [
    "glusterd",
    "gluster",
    "glusterfs",
    "sshfs",
    "sshd",
    "ssh-keygen",
    "ip",
    "nsenter",
  ].filter((cmd) => which(cmd) === undefined);
  try {
    Deno.statSync(LIBFAKETIME.replace("$LIB", "lib/x86_64-linux-gnu"));
  } catch {
    missing.push("libfaketime");
  }
  if (missing.length > 0) {
    return `missing ${
      missing.join(", ")
    } (run tests/multihost/install.sh as root)`;
  }
  return undefined;
}

function which(cmd: string): string | undefined {
  for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    try {
      Deno.statSync(`${dir}/${cmd}`);
      return `${dir}/${cmd}`;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** Runs a command to completion; throws with its output if it fails. */
async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text}`);
  }
  return text;
}

async function tryRun(cmd: string, args: string[]): Promise<void> {
  await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
    .output()
    .catch(() => {});
}

function mounted(path: string): boolean {
  return Deno.readTextFileSync("/proc/self/mountinfo").split("\n")
    .some((line) => line.split(" ")[4] === path);
}

/** Waits, checking every few milliseconds, until `ready()` or a deadline. */
async function until(
  what: string,
  ready: () => boolean | Promise<boolean>,
  deadlineMs = 60_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The command lines (arguments) of processes that mention `marker`. */
function processes(marker: string): { pid: number; args: string[] }[] {
  const found: { pid: number; args: string[] }[] = [];
  for (const item of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(item.name) || Number(item.name) === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${item.name}/cmdline`);
      if (cmdline.includes(marker)) {
        found.push({ pid: Number(item.name), args: cmdline.split("\0") });
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Kills every process whose command line mentions `marker`. */
function killMatching(marker: string): void {
  for (const { pid } of processes(marker)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/**
 * The sockets that processes mentioning `marker` were told to listen on
 * (`-S PATH`: glusterd puts its bricks' and self-heal daemon's in
 * /var/run/gluster, and leaves them there).
 */
function socketsOf(marker: string): string[] {
  return processes(marker).flatMap(({ args }) => {
    const at = args.indexOf("-S");
    return at >= 0 && args[at + 1]?.endsWith(".socket") ? [args[at + 1]] : [];
  });
}

async function unmount(path: string): Promise<void> {
  if (!mounted(path)) return;
  await tryRun("umount", [path]);
  if (mounted(path)) await tryRun("umount", ["-l", path]);
}

/**
 * A GlusterFS volume (replica 3, three bricks on this machine) served by a
 * glusterd that keeps its state in a temporary directory and listens on a
 * documentation address inside a network namespace of its own, mounted
 * twice from the host's namespace.
 */
export async function glusterfs(): Promise<SharedFs> {
  const base = await Deno.makeTempDir({ prefix: "multispool-gluster-" });
  const id = `${Deno.pid}${Math.floor(Math.random() * 1e6)}`;
  const ns = `msmh${id}`;
  const volume = `msv${id}`;
  // A documentation-range address (RFC 5737), on the namespace's own `lo`:
  // glusterd refuses localhost, and nothing outside this machine is reached.
  const address = "198.51.100.10";
  const socket = `${base}/run/glusterd.socket`;
  const gluster = (...args: string[]) =>
    run("gluster", ["--mode=script", `--glusterd-sock=${socket}`, ...args]);
  const mounts: string[] = [];
  let clients = 0;
  const mountClient = async (options: { faketime?: string } = {}) => {
    const mount = `${base}/m${++clients}`;
    Deno.mkdirSync(mount);
    const glusterfsArgs = [
      `--net=/run/netns/${ns}`,
      "glusterfs",
      `--volfile-server=${address}`,
      `--volfile-id=${volume}`,
      `--log-file=${base}/log/client${clients}.log`,
      mount,
    ];
    await run(
      "nsenter",
      glusterfsArgs,
      options.faketime === undefined ? {} : skewedClock(options.faketime),
    );
    mounts.push(mount);
    await until(`the mount ${mount}`, () => mounted(mount));
    return mount;
  };
  const dispose = async () => {
    const sockets = [...socketsOf(base), ...socketsOf(volume)];
    for (const mount of mounts.reverse()) await unmount(mount);
    await gluster("volume", "stop", volume, "force").catch(() => {});
    await gluster("volume", "delete", volume).catch(() => {});
    killMatching(base);
    await unmount(`${base}/bricks`);
    killMatching(volume);
    await tryRun("ip", ["netns", "delete", ns]);
    for (
      const path of [
        `/var/run/gluster/vols/${volume}`,
        `/var/run/gluster/shd/${volume}`,
        ...sockets,
      ]
    ) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
    const brickLogs = "/var/log/glusterfs/bricks";
    const logMarker = base.slice(1).replaceAll("/", "-");
    try {
      for (const item of Deno.readDirSync(brickLogs)) {
        if (item.name.startsWith(logMarker)) {
          await Deno.remove(`${brickLogs}/${item.name}`).catch(() => {});
        }
      }
    } catch {
      // No brick logs.
    }
    await Deno.remove(base, { recursive: true }).catch(() => {});
  };
  try {
    for (const dir of ["state", "log", "run", "bricks"]) {
      Deno.mkdirSync(`${base}/${dir}`);
    }
    // Bricks in memory: what is measured is the protocol over the network
    // file system, not this machine's disk (tmpfs keeps the trusted.*
    // extended attributes GlusterFS needs).
    await run("mount", [
      "-t",
      "tmpfs",
      "-o",
      "size=2g",
      "tmpfs",
      `${base}/bricks`,
    ]);
    await run("ip", ["netns", "add", ns]);
    const inNs = (...args: string[]) =>
      run("ip", ["netns", "exec", ns, ...args]);
    await inNs("ip", "link", "set", "lo", "up");
    await inNs("ip", "addr", "add", `${address}/32`, "dev", "lo");
    Deno.writeTextFileSync(
      `${base}/glusterd.vol`,
      [
        "volume management",
        "    type mgmt/glusterd",
        `    option working-directory ${base}/state`,
        "    option transport-type socket",
        "    option transport.socket.listen-port 24007",
        `    option transport.socket.bind-address ${address}`,
        `    option glusterd-sockfile ${socket}`,
        "    option ping-timeout 0",
        "    option event-threads 1",
        "end-volume",
        "",
      ].join("\n"),
    );
    await run("nsenter", [
      `--net=/run/netns/${ns}`,
      "glusterd",
      "-f",
      `${base}/glusterd.vol`,
      `--log-file=${base}/log/glusterd.log`,
      "-p",
      `${base}/run/glusterd.pid`,
    ]);
    await until("glusterd", async () => {
      try {
        await gluster("volume", "list");
        return true;
      } catch {
        return false;
      }
    });
    await gluster(
      "volume",
      "create",
      volume,
      "replica",
      "3",
      ...["b1", "b2", "b3"].map((b) => `${address}:${base}/bricks/${b}`),
      "force",
    );
    await gluster("volume", "start", volume);
    await mountClient();
    await mountClient();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    kind: "glusterfs",
    mounts: [mounts[0], mounts[1]],
    mountClient,
    async setOption(name, value) {
      await gluster("volume", "set", volume, name, value);
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * A directory exported by an sshd listening on 127.0.0.1 (keys and
 * configuration in a temporary directory), mounted twice with sshfs.
 */
export async function sshfs(): Promise<SharedFs> {
  const base = await Deno.makeTempDir({ prefix: "multispool-sshfs-" });
  const port = freePort();
  const mounts: string[] = [];
  let clients = 0;
  const key = `${base}/etc/client_key`;
  const mountClient = async (options: { faketime?: string } = {}) => {
    const mount = `${base}/m${++clients}`;
    Deno.mkdirSync(mount);
    const args = [
      "-p",
      String(port),
      "-o",
      `IdentityFile=${key},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,LogLevel=ERROR`,
      `root@127.0.0.1:${base}/export`,
      mount,
    ];
    // The server stamps what sshfs creates; a skewed client clock shows only
    // in the times a process sets itself, so a skewed sshfs daemon adds
    // nothing: skew the processes instead.
    if (options.faketime !== undefined) {
      throw new Error("skew the processes on an sshfs mount, not the mount");
    }
    await run("sshfs", args);
    mounts.push(mount);
    await until(`the mount ${mount}`, () => mounted(mount));
    return mount;
  };
  const dispose = async () => {
    for (const mount of mounts.reverse()) await unmount(mount);
    try {
      const pid = Number(Deno.readTextFileSync(`${base}/etc/sshd.pid`).trim());
      Deno.kill(pid, "SIGTERM");
    } catch {
      // Not started.
    }
    killMatching(base);
    await Deno.remove(base, { recursive: true }).catch(() => {});
  };
  try {
    Deno.mkdirSync(`${base}/etc`);
    Deno.mkdirSync(`${base}/export`);
    await run("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-f",
      `${base}/etc/host_key`,
    ]);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    Deno.copyFileSync(`${key}.pub`, `${base}/etc/authorized_keys`);
    Deno.writeTextFileSync(
      `${base}/etc/sshd_config`,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${base}/etc/host_key`,
        `AuthorizedKeysFile ${base}/etc/authorized_keys`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        `PidFile ${base}/etc/sshd.pid`,
        "Subsystem sftp internal-sftp",
        "",
      ].join("\n"),
    );
    Deno.mkdirSync("/run/sshd", { recursive: true });
    await run("/usr/sbin/sshd", [
      "-f",
      `${base}/etc/sshd_config`,
      "-E",
      `${base}/etc/sshd.log`,
    ]);
    await until("sshd", () => {
      try {
        Deno.statSync(`${base}/etc/sshd.pid`);
        return true;
      } catch {
        return false;
      }
    });
    await mountClient();
    await mountClient();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    kind: "sshfs",
    mounts: [mounts[0], mounts[1]],
    mountClient,
    setOption() {
      return Promise.reject(new Error("sshfs has no volume options"));
    },
    [Symbol.asyncDispose]: dispose,
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
