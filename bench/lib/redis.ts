// A redis-server of the bench's own for the BullMQ peer: on 127.0.0.1, on a
// free port, its append-only file in the scratch directory measured, with
// `appendfsync always` (strict: the file is flushed before a write is
// answered) or `everysec` (relaxed); no RDB snapshots, no AOF rewrites
// during the run. Stopped by the bench (SHUTDOWN NOSAVE, then SIGKILL).

import { output } from "./proc.ts";

/** A running server. */
export interface Redis {
  port: number;
  pid: number;
  fsync: "always" | "everysec";
  /** Empties it (between trials). */
  flush(): Promise<void>;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

const live = new Set<Redis>();

/** Stops every server still running (on failure, interrupt). */
export async function stopAllRedis(): Promise<void> {
  for (const redis of [...live]) await redis.stop();
}

/** A free TCP port on 127.0.0.1 (asked of Node: the quick run has no --allow-net). */
export async function freePort(node: string): Promise<number> {
  const text = await output(node, [
    "-e",
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ]);
  const port = Number(text.trim());
  if (!(port > 0)) throw new Error("no free port found");
  return port;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await output("redis-cli", [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    ...args,
  ])).trim();
}

/**
 * Starts redis-server with its data in `dir`. With `strace`, it runs under
 * `strace -f -c -o STRACE` (the durability check counts its flushes).
 */
export async function startRedis(
  node: string,
  dir: string,
  fsync: "always" | "everysec",
  strace?: string,
): Promise<Redis> {
  Deno.mkdirSync(dir, { recursive: true });
  const port = await freePort(node);
  const args = [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    fsync,
    "--save",
    "",
    "--auto-aof-rewrite-percentage",
    "0",
    "--daemonize",
    "no",
    "--logfile",
    `${dir}/redis.log`,
  ];
  const child = new Deno.Command(
    strace === undefined ? "redis-server" : "strace",
    {
      args: strace === undefined
        ? args
        : ["-f", "-c", "-o", strace, "redis-server", ...args],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    },
  ).spawn();
  let stopped = false;
  const redis: Redis = {
    port,
    pid: child.pid,
    fsync,
    async flush() {
      await cli(port, "FLUSHALL");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(redis);
      await cli(port, "SHUTDOWN", "NOSAVE");
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000)),
      ]);
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone meanwhile.
        }
        await child.status;
      }
    },
  };
  live.add(redis);
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await cli(port, "PING") === "PONG") {
      // Under strace the pid is strace's: sample the server's own.
      const info = await cli(port, "INFO", "server");
      const pid = /process_id:(\d+)/.exec(info)?.[1];
      if (pid !== undefined) redis.pid = Number(pid);
      return redis;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await redis.stop();
  throw new Error(`redis-server did not answer on port ${port}`);
}
