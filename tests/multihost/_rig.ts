// Shared file systems built on this machine, standing in for several hosts:
// a GlusterFS replica-3 volume, a CephFS file system and an sshfs export,
// each mounted twice. Two mounts of one volume are two clients with their
// own caches, as two hosts would be. Everything is started here and stopped
// by `[Symbol.asyncDispose]`: no mount, daemon, network namespace or file
// outlives the rig.
//
// Needs root, /dev/fuse, and Debian's glusterfs-server, glusterfs-client,
// ceph-mon, ceph-osd, ceph-mds, ceph-fuse, ceph-common, sshfs,
// openssh-server and faketime (`tests/multihost/install.sh` installs them).
// Each file system needs only its own packages.

/** The shared file systems the rig builds. */
export type SharedFsKind = "glusterfs" | "cephfs" | "sshfs";

/** How {@linkcode SharedFs.mountClient} mounts a client. */
export interface ClientOptions {
  /**
   * A libfaketime offset such as "-30m": the client's daemon runs on a
   * clock of its own, as another host's would (GlusterFS and CephFS only:
   * an sshfs daemon sets no times).
   */
  faketime?: string;
  /**
   * Client options, as `ceph-fuse --NAME VALUE` (CephFS only): for example
   * `client_cache_size: "0"`.
   */
  config?: Record<string, string>;
}

/** Two mounts of one shared file system, and how to take it down. */
export interface SharedFs extends AsyncDisposable {
  /** Which file system. */
  readonly kind: SharedFsKind;
  /** Two client mounts of the same directory, as two hosts see it. */
  readonly mounts: readonly [string, string];
  /** Mounts one more client, as one more host. */
  mountClient(options?: ClientOptions): Promise<string>;
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

/**
 * Each file system the rig builds, with the function that builds it, in
 * the order the suite and the benchmark take them.
 */
export function sharedFileSystems(): [SharedFsKind, () => Promise<SharedFs>][] {
  return [["glusterfs", glusterfs], ["cephfs", cephfs], ["sshfs", sshfs]];
}

/** The commands each file system's rig runs (beyond `ip` and `nsenter`). */
const COMMANDS: Record<SharedFsKind, string[]> = {
  glusterfs: ["glusterd", "gluster", "glusterfs"],
  cephfs: [
    "ceph",
    "ceph-mon",
    "ceph-osd",
    "ceph-mds",
    "ceph-fuse",
    "ceph-authtool",
    "monmaptool",
  ],
  sshfs: ["sshfs", "sshd", "ssh-keygen"],
};

/**
 * Why the multi-host suite cannot run here at all, or (with `kind`) why
 * that file system cannot be built here; undefined if it can.
 */
export function whyNotHere(kind?: SharedFsKind): string | undefined {
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
    ...(kind === undefined ? [] : COMMANDS[kind]),
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

/** The tear-downs of the rigs standing now, run on SIGINT or SIGTERM. */
const standing = new Set<() => Promise<void>>();
const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];

async function onSignal(): Promise<void> {
  for (const dispose of [...standing]) await dispose();
  Deno.exit(130);
}

/**
 * `dispose`, run once, and also if the process is told to stop meanwhile:
 * a run ended by `timeout` or a CI job's SIGTERM would otherwise leave
 * daemons, mounts and namespaces behind. (Under `deno test`, SIGINT, as
 * from Ctrl-C, ends the run before any listener of ours is called: stop a
 * run with SIGTERM.)
 */
function guarded(dispose: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    done ??= (async () => {
      try {
        await dispose();
      } finally {
        standing.delete(once);
        if (standing.size === 0) {
          for (const signal of signals) {
            Deno.removeSignalListener(signal, onSignal);
          }
        }
      }
    })();
    return done;
  };
  if (standing.size === 0) {
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  }
  standing.add(once);
  return once;
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
  // Busy (a process of a failed step still in it) or its daemon gone:
  // detached now, released when the last user lets go.
  if (mounted(path)) await tryRun("umount", ["-l", path]);
  if (mounted(path)) await tryRun("fusermount", ["-uz", path]);
}

/**
 * Ends the daemons whose pid files are in `dir`: SIGTERM, then SIGKILL for
 * any still there after `graceMs`.
 */
async function killPidFiles(dir: string, graceMs = 5_000): Promise<void> {
  const pids: number[] = [];
  try {
    for (const item of Deno.readDirSync(dir)) {
      if (!item.name.endsWith(".pid")) continue;
      const pid = Number(Deno.readTextFileSync(`${dir}/${item.name}`).trim());
      if (Number.isInteger(pid) && pid > 1) pids.push(pid);
    }
  } catch {
    // No pid files: nothing was started.
  }
  // A daemon's parent is init, which may reap it late: a zombie has ended.
  const alive = (pid: number) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
      return false;
    }
  };
  const signal = (pid: number, sig: Deno.Signal) => {
    try {
      Deno.kill(pid, sig);
    } catch {
      // Gone already.
    }
  };
  for (const pid of pids) signal(pid, "SIGTERM");
  await until("the daemons to end", () => !pids.some(alive), graceMs)
    .catch(() => {});
  for (const pid of pids.filter(alive)) signal(pid, "SIGKILL");
  await until("the daemons to be killed", () => !pids.some(alive), graceMs)
    .catch(() => {});
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
  const mountClient = async (options: ClientOptions = {}) => {
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
  const dispose = guarded(async () => {
    const sockets = [...socketsOf(base), ...socketsOf(volume)];
    // Every mount point made, also one whose mount was under way when a
    // signal came.
    for (let i = clients; i >= 1; i--) await unmount(`${base}/m${i}`);
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
  });
  const start = async () => {
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
  };
  return await mountedTwice({
    kind: "glusterfs",
    start,
    mounts,
    mountClient,
    async setOption(name, value) {
      await gluster("volume", "set", volume, name, value);
    },
    dispose,
  });
}

/** How {@linkcode cephfs} configures its MDS. */
export interface CephOptions {
  /**
   * MDS options for ceph.conf, over the rig's own. The rig sets
   * `mds_early_reply: "false"` (see {@linkcode CEPH_MDS_DEFAULTS}); pass
   * `{ mds_early_reply: "true" }` for Ceph's own default.
   */
  mds?: Record<string, string>;
}

/**
 * The MDS options the rig sets. With Ceph's default early replies, an MDS
 * answers a link or unlink before its journal entry is written and keeps
 * the names it touched locked until then, but writes its journal only on
 * its next tick (every 5 s) unless something asks sooner: another client's
 * lookup of such a name waits up to 5 s (seen here: two hosts racing for
 * the same entries took 1 s per entry, 40 s for 20; 0.6 s without early
 * replies). Each request then waits for its own journal write instead
 * (a few milliseconds here).
 */
export const CEPH_MDS_DEFAULTS: Readonly<Record<string, string>> = {
  mds_early_reply: "false",
};

/**
 * A CephFS file system of one monitor, one OSD (BlueStore on a sparse 10 GiB
 * file, pools of one replica) and one MDS, with no manager, all keeping
 * their state, logs and sockets in a temporary directory and listening on a
 * documentation address inside a network namespace of their own; mounted
 * twice with ceph-fuse (each mount a client of its own, as each host's
 * would be). No authentication: nothing outside the namespace can reach it.
 * Building it takes about 12 s, taking it down a few.
 */
export async function cephfs(options: CephOptions = {}): Promise<SharedFs> {
  const base = await Deno.makeTempDir({ prefix: "multispool-ceph-" });
  const ns = `msceph${Deno.pid}${Math.floor(Math.random() * 1e6)}`;
  // A documentation-range address (RFC 5737), on the namespace's own `lo`.
  const address = "198.51.100.20";
  const conf = `${base}/ceph.conf`;
  const inNs = (cmd: string, args: string[], env?: Record<string, string>) =>
    run("nsenter", [`--net=/run/netns/${ns}`, cmd, ...args], env);
  // The `ceph` command asks the monitor; without a manager, commands that
  // need one (status of placement groups) would wait for ever: none is used,
  // and the wait is bounded anyway.
  const ceph = (...args: string[]) =>
    inNs("ceph", ["-c", conf, "--connect-timeout", "30", ...args]);
  const mounts: string[] = [];
  let clients = 0;
  const mountClient = async (options: ClientOptions = {}) => {
    const mount = `${base}/m${++clients}`;
    Deno.mkdirSync(mount);
    const config = Object.entries(options.config ?? {}).flatMap((
      [name, value],
    ) => [`--${name}`, value]);
    // Mounted from the namespace with nsenter (not `ip netns exec`, which
    // would mount in a mount namespace of its own): visible to all.
    await inNs(
      "ceph-fuse",
      ["-c", conf, "--id", `m${clients}`, ...config, mount],
      options.faketime === undefined ? {} : skewedClock(options.faketime),
    );
    mounts.push(mount);
    await until(`the mount ${mount}`, () => mounted(mount));
    return mount;
  };
  const dispose = guarded(async () => {
    for (let i = clients; i >= 1; i--) await unmount(`${base}/m${i}`);
    // Each daemon and client left its pid in run/; any that died before
    // writing it still names the directory in its command line.
    await killPidFiles(`${base}/run`);
    killMatching(base);
    await until(
      "the Ceph daemons to end",
      () => processes(base).length === 0,
      10_000,
    ).catch(() => {});
    for (let i = 1; i <= clients; i++) await unmount(`${base}/m${i}`);
    await tryRun("ip", ["netns", "delete", ns]);
    await Deno.remove(base, { recursive: true }).catch(() => {});
  });
  const start = async () => {
    for (const dir of ["mon", "osd/0", "mds/a", "run", "log", "crash"]) {
      Deno.mkdirSync(`${base}/${dir}`, { recursive: true });
    }
    const fsid = crypto.randomUUID();
    Deno.writeTextFileSync(
      conf,
      [
        "[global]",
        `fsid = ${fsid}`,
        `mon host = v2:${address}:3300`,
        `public addr = ${address}`,
        "ms bind ipv6 = false",
        "auth cluster required = none",
        "auth service required = none",
        "auth client required = none",
        "mon allow pool size one = true",
        "mon warn on pool no redundancy = false",
        "osd pool default size = 1",
        "osd pool default min size = 1",
        "osd pool default pg num = 8",
        "osd pool default pgp num = 8",
        "osd crush chooseleaf type = 0",
        // Everything of the cluster's in the temporary directory: nothing
        // in /var/run/ceph, /var/log/ceph or /var/lib/ceph.
        `run dir = ${base}/run`,
        `admin socket = ${base}/run/$name.asok`,
        `pid file = ${base}/run/$name.pid`,
        `log file = ${base}/log/$name.log`,
        `crash dir = ${base}/crash`,
        "mon cluster log to file = false",
        `mon cluster log file = ${base}/log/cluster.log`,
        `keyring = ${base}/keyring`,
        "[mon]",
        `mon data = ${base}/mon/$id`,
        "mon data avail warn = 1",
        "mon data avail crit = 0",
        "[osd]",
        `osd data = ${base}/osd/$id`,
        "osd objectstore = bluestore",
        `bluestore block path = ${base}/osd/$id.block`,
        "bluestore block create = true",
        `bluestore block size = ${10 * 1024 ** 3}`,
        `osd memory target = ${1024 ** 3}`,
        "[mds]",
        `mds data = ${base}/mds/$id`,
        ...Object.entries({ ...CEPH_MDS_DEFAULTS, ...options.mds }).map((
          [name, value],
        ) => `${name.replaceAll("_", " ")} = ${value}`),
        // ceph-fuse 16.2 (and upstream's main): the loser of a rename race
        // leaves the name marked as being renamed, and every later lookup
        // of it through that client blocks until another rename there
        // ends. A spool's claims are links, but a rename-based tool beside
        // it would hit this: with no cache, the name is dropped at the
        // client's next tick. docs/several-hosts.md tells users the same.
        "[client]",
        "client cache size = 0",
        "",
      ].join("\n"),
    );
    await run("ceph-authtool", [
      "--create-keyring",
      `${base}/keyring`,
      "--gen-key",
      "-n",
      "mon.",
      "--cap",
      "mon",
      "allow *",
    ]);
    await run("monmaptool", [
      "--create",
      "--addv",
      "a",
      `[v2:${address}:3300]`,
      "--fsid",
      fsid,
      `${base}/monmap`,
    ]);
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    await run("ip", [
      "netns",
      "exec",
      ns,
      "ip",
      "addr",
      "add",
      `${address}/32`,
      "dev",
      "lo",
    ]);
    await run("ceph-mon", [
      "--mkfs",
      "-i",
      "a",
      "--monmap",
      `${base}/monmap`,
      "-c",
      conf,
    ]);
    await inNs("ceph-mon", ["-i", "a", "-c", conf]);
    const osdUuid = crypto.randomUUID();
    const osd = (await ceph("osd", "new", osdUuid)).trim();
    if (osd !== "0") throw new Error(`expected OSD 0, got ${osd}`);
    await inNs("ceph-osd", [
      "-i",
      "0",
      "--mkfs",
      "--osd-uuid",
      osdUuid,
      "-c",
      conf,
    ]);
    await inNs("ceph-osd", ["-i", "0", "-c", conf]);
    await ceph("osd", "pool", "create", "cephfs_metadata");
    await ceph("osd", "pool", "create", "cephfs_data");
    await ceph("fs", "new", "cephfs", "cephfs_metadata", "cephfs_data");
    await inNs("ceph-mds", ["-i", "a", "-c", conf]);
    await until(
      "the MDS to be active",
      async () => (await ceph("mds", "stat")).includes("up:active"),
      120_000,
    );
  };
  return await mountedTwice({
    kind: "cephfs",
    start,
    mounts,
    mountClient,
    setOption() {
      return Promise.reject(new Error("no volume options for CephFS here"));
    },
    dispose,
  });
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
  const mountClient = async (options: ClientOptions = {}) => {
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
  const dispose = guarded(async () => {
    for (let i = clients; i >= 1; i--) await unmount(`${base}/m${i}`);
    try {
      const pid = Number(Deno.readTextFileSync(`${base}/etc/sshd.pid`).trim());
      Deno.kill(pid, "SIGTERM");
    } catch {
      // Not started.
    }
    killMatching(base);
    await Deno.remove(base, { recursive: true }).catch(() => {});
  });
  const start = async () => {
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
  };
  return await mountedTwice({
    kind: "sshfs",
    start,
    mounts,
    mountClient,
    setOption() {
      return Promise.reject(new Error("sshfs has no volume options"));
    },
    dispose,
  });
}

/** What a builder hands over: how to start, mount, set and take down. */
interface Parts {
  kind: SharedFsKind;
  /** Brings the daemons up. */
  start(): Promise<void>;
  /** The mounts so far, in order (`mountClient` adds to it). */
  mounts: string[];
  mountClient(options?: ClientOptions): Promise<string>;
  setOption(name: string, value: string): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The end of each builder: starts the daemons and mounts two clients, then
 * returns the file system; on a failure on the way, takes it all down and
 * throws.
 */
async function mountedTwice(parts: Parts): Promise<SharedFs> {
  try {
    await parts.start();
    await parts.mountClient();
    await parts.mountClient();
  } catch (error) {
    await parts.dispose();
    throw error;
  }
  return {
    kind: parts.kind,
    mounts: [parts.mounts[0], parts.mounts[1]],
    mountClient: parts.mountClient,
    setOption: parts.setOption,
    [Symbol.asyncDispose]: parts.dispose,
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
