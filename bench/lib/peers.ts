// Finds the Node.js peers (bench/peers/, installed by bench/peers/install.sh):
// which can run here, and their versions. A peer that cannot is skipped with
// a note, never replaced by something else.

import { output, ROOT, succeeds } from "./proc.ts";

/** What the peers section can run. */
export interface NodePeers {
  /** The node binary, if any. */
  node?: string;
  nodeVersion?: string;
  /** Each peer's version, when it can run. */
  qlobberFsq?: string;
  plainjob?: string;
  betterSqlite3?: string;
  bullmq?: string;
  redis?: string;
  /** Why the others cannot. */
  notes: string[];
}

const DIR = `${ROOT}/bench/peers`;

function loads(node: string, code: string): Promise<boolean> {
  return succeeds(node, ["-e", code], DIR);
}

function version(module: string): string | undefined {
  try {
    return JSON.parse(
      Deno.readTextFileSync(`${DIR}/node_modules/${module}/package.json`),
    ).version;
  } catch {
    return undefined;
  }
}

/** Looks for node, the installed modules and redis-server. */
export async function findNodePeers(): Promise<NodePeers> {
  const peers: NodePeers = { notes: [] };
  const install = "(bash bench/peers/install.sh)";
  const nodeVersion = (await output("node", ["--version"])).trim();
  if (nodeVersion === "") {
    peers.notes.push(
      `node is not installed: qlobber-fsq, plainjob and BullMQ are skipped`,
    );
    return peers;
  }
  peers.node = "node";
  peers.nodeVersion = nodeVersion;
  if (version("qlobber-fsq") === undefined) {
    peers.notes.push(
      `the Node peers are not installed ${install}: qlobber-fsq, plainjob and BullMQ are skipped`,
    );
    return peers;
  }
  if (await loads(node(), "require('qlobber-fsq'); require('fs-ext')")) {
    peers.qlobberFsq = version("qlobber-fsq");
  } else {
    peers.notes.push(
      `qlobber-fsq or its fs-ext (flock, for work queues) does not load ${install}: skipped`,
    );
  }
  if (
    await loads(
      node(),
      "require('better-sqlite3')(':memory:').close(); import('plainjob')",
    )
  ) {
    peers.plainjob = version("plainjob");
    peers.betterSqlite3 = version("better-sqlite3");
  } else {
    peers.notes.push(
      `plainjob or better-sqlite3 does not load ${install}: skipped`,
    );
  }
  const redis = (await output("redis-server", ["--version"])).trim();
  const redisCli = (await output("redis-cli", ["--version"])).trim();
  if (redis === "" || redisCli === "") {
    peers.notes.push(
      `redis-server is not installed (apt-get install redis-server): BullMQ is skipped`,
    );
  } else if (await loads(node(), "require('bullmq')")) {
    peers.bullmq = version("bullmq");
    peers.redis = /v=(\S+)/.exec(redis)?.[1] ?? redis;
  } else {
    peers.notes.push(`bullmq does not load ${install}: skipped`);
  }
  return peers;
}

function node(): string {
  return "node";
}
