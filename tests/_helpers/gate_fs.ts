// A file system that holds an actor at one of its awaits: the first
// asynchronous call (a write, a flush, a listing) that a gate matches waits
// until the test opens the gate, so that the test can act in the window
// between the actor's judgement and its act, on purpose rather than by
// luck. Every call goes to the real file system.

import {
  type FileContent,
  type FileSystem,
  realFileSystem,
  type WrittenFile,
} from "../../src/fs.ts";

/** An await to hold, as the calls that reach it see it. */
export interface Gate {
  /** Resolves once the held call has been reached (and is waiting). */
  reached: Promise<void>;
  /** Lets the held call go on. */
  open(): void;
}

/** Asynchronous calls that can be held, by name. */
export type HeldCall =
  | "writeFile"
  | "createFile"
  | "syncFile"
  | "syncDir"
  | "listFiles"
  | "removeAsync"
  | "linkAsync"
  | "touchAsync"
  | "lstatAsync"
  | "readTextStatAsync";

/** A {@linkcode FileSystem} whose asynchronous calls can be held. */
export class GateFs {
  readonly fs: FileSystem;
  #gates: {
    call: HeldCall;
    match: (path: string) => boolean;
    reached: () => void;
    opened: Promise<void>;
  }[] = [];

  /**
   * @param real The file system that does the work.
   * @param options `callsOffThread: true` sends the protocol's metadata
   * calls (links, stamps, looks, unlinks) to their `...Async` forms, which
   * can then be held too.
   */
  constructor(
    real: FileSystem = realFileSystem,
    options: { callsOffThread?: boolean } = {},
  ) {
    const wait = async (call: HeldCall, path: string) => {
      const i = this.#gates.findIndex((g) => g.call === call && g.match(path));
      if (i < 0) return;
      const [gate] = this.#gates.splice(i, 1);
      gate.reached();
      await gate.opened;
    };
    this.fs = {
      ...real,
      async writeFile(path, content: FileContent, options) {
        await wait("writeFile", path);
        return await real.writeFile(path, content, options);
      },
      async createFile(path, content, options): Promise<WrittenFile> {
        await wait("createFile", path);
        return await real.createFile(path, content, options);
      },
      async syncFile(path) {
        await wait("syncFile", path);
        return await real.syncFile(path);
      },
      async syncDir(path, options) {
        await wait("syncDir", path);
        return await real.syncDir(path, options);
      },
      async listFiles(path, others, keep) {
        await wait("listFiles", path);
        return await real.listFiles(path, others, keep);
      },
      async removeAsync(path) {
        await wait("removeAsync", path);
        return await real.removeAsync(path);
      },
      async linkAsync(from, to) {
        await wait("linkAsync", to);
        return await real.linkAsync(from, to);
      },
      async touchAsync(path, time) {
        await wait("touchAsync", path);
        return await real.touchAsync(path, time);
      },
      async lstatAsync(path) {
        await wait("lstatAsync", path);
        return await real.lstatAsync(path);
      },
      async readTextStatAsync(path) {
        await wait("readTextStatAsync", path);
        return await real.readTextStatAsync(path);
      },
      callsOffThread: options.callsOffThread ?? false,
    };
  }

  /**
   * Holds the next call `call` whose path `match` accepts (once), until
   * the gate is opened.
   */
  hold(call: HeldCall, match: (path: string) => boolean): Gate {
    const reached = Promise.withResolvers<void>();
    const opened = Promise.withResolvers<void>();
    this.#gates.push({
      call,
      match,
      reached: reached.resolve,
      opened: opened.promise,
    });
    return { reached: reached.promise, open: opened.resolve };
  }
}
