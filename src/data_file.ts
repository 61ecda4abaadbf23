/**
 * Handles on entry payloads.
 *
 * @module
 */

import type { SpoolCore } from "./core.ts";
import { DecodeError, EntryNotFoundError, SpoolError } from "./errors.ts";
import { NotRegularFileError } from "./fs.ts";
import * as protocol from "./protocol/mod.ts";

/**
 * A handle on an entry's payload (`.data/NAME`): nothing is read until asked,
 * so a consumer that only needs the metadata never pays for the payload.
 *
 * @typeParam D The payload type.
 *
 * @example Read a payload whole or as a stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, textData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"], data: textData });
 * const entry = await spool.enqueue("q", {}, "payload");
 * const data = entry.direct.dataFile();
 * assert.equal(await data.load(), "payload");
 * assert.equal(await new Response(data.readable()).text(), "payload");
 * await data.save("replaced");
 * assert.equal((await data.stat()).size, 8);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface DataFile<D> {
  /** The payload file's path. */
  readonly path: string;
  /**
   * Reads and decodes the payload.
   *
   * @throws {EntryNotFoundError} If the payload file is missing.
   * @throws {DecodeError} If the codec rejects it.
   */
  load(): Promise<D>;
  /**
   * Replaces the payload atomically (through `.tmp/` and a rename): a reader
   * sees the old payload or the new one, never a mix. Durable on return in
   * strict mode.
   *
   * @throws {EntryNotFoundError} If the payload file is gone.
   * @throws {EncodeError} If the codec rejects the value.
   */
  save(value: D): Promise<void>;
  /**
   * Stats the payload file.
   *
   * @throws {EntryNotFoundError} If the payload file is missing.
   */
  stat(): Promise<Deno.FileInfo>;
  /**
   * The payload's bytes as a stream, opened on the first read. Read it to
   * the end or cancel it, so that the file is closed. Errors (such as a
   * missing file) arrive through the stream as spool errors.
   */
  readable(): ReadableStream<Uint8Array>;
}

/** Set by {@linkcode DataFileImpl}'s static block: see `damageOf`. */
let damageOfImpl: (dataFile: DataFile<unknown>) => SpoolError | undefined;

/**
 * The first error that showed a payload damaged (missing, or not a regular
 * file) while its handler read it, whatever the handler made of it: readers
 * go by it. Not a property, so that no handler can set it.
 */
export function damageOf(dataFile: DataFile<unknown>): SpoolError | undefined {
  return damageOfImpl(dataFile);
}

/** The library's {@linkcode DataFile}; internal (see `Spool` in spool.ts). */
export class DataFileImpl<D> implements DataFile<D> {
  readonly path: string;
  readonly #core: SpoolCore<string, unknown, D, unknown>;
  readonly #name: string;
  #damage: SpoolError | undefined;

  static {
    damageOfImpl = (dataFile) =>
      dataFile instanceof DataFileImpl ? dataFile.#damage : undefined;
  }

  /**
   * @param core The spool's shared state.
   * @param name The entry name (already validated).
   */
  constructor(core: SpoolCore<string, unknown, D, unknown>, name: string) {
    this.#core = core;
    this.#name = name;
    this.path = core.disk.layout.data(name);
  }

  load(): Promise<D> {
    return this.#noting(() => this.#load());
  }

  async #load(): Promise<D> {
    const codec = this.#core.data;
    const operation = "load data";
    if (codec.decodeStream !== undefined) {
      // Fail now, not on the first read, if there is no payload.
      await this.stat();
      return await this.#decode(() => codec.decodeStream!(this.readable()));
    }
    const bytes = await protocol.readData(this.#core.disk, this.#name);
    return await this.#decode(() => codec.decode(bytes), operation);
  }

  async save(value: D): Promise<void> {
    const content = await this.#core.encodeData(value, "save data", this.path);
    await protocol.writeData(this.#core.disk, this.#name, content);
  }

  stat(): Promise<Deno.FileInfo> {
    return this.#noting(() => {
      const info = protocol.statData(this.#core.disk, this.#name);
      if (!info.isFile) {
        throw new DecodeError("the payload is not a regular file", {
          operation: "stat data",
          path: this.path,
          cause: new NotRegularFileError(this.path),
        });
      }
      return Promise.resolve(info);
    });
  }

  readable(): ReadableStream<Uint8Array> {
    return protocol.readDataStream(
      this.#core.disk,
      this.#name,
      (error) => this.#note(error),
    );
  }

  /** Runs `job`, noting an error that shows the payload damaged. */
  async #noting<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await job();
    } catch (error) {
      this.#note(error);
      throw error;
    }
  }

  #note(error: unknown): void {
    if (this.#damage !== undefined || !(error instanceof SpoolError)) return;
    if (
      error instanceof EntryNotFoundError ||
      (error instanceof DecodeError &&
        error.cause instanceof NotRegularFileError)
    ) this.#damage = error;
  }

  async #decode(
    decode: () => D | Promise<D>,
    operation = "load data",
  ): Promise<D> {
    try {
      return await decode();
    } catch (cause) {
      if (cause instanceof SpoolError) throw cause;
      throw new DecodeError(
        `data codec cannot decode the file: ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { operation, path: this.path, cause },
      );
    }
  }
}
