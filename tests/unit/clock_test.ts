// The file system's clock (src/protocol/clock.ts) after a step of this
// host's clock: measured again at once, not up to a minute later.

import assert from "node:assert/strict";
import { type FileSystem, realFileSystem } from "../../src/fs.ts";
import { FileSystemClock } from "../../src/protocol/clock.ts";

/**
 * A file server whose clock runs `serverAheadMs` ahead of this host's true
 * time, and this host's clocks, whose wall clock a test can step.
 */
function world(serverAheadMs: number) {
  let elapsed = 0; // true time since the start
  let step = 0; // how far this host's wall clock was stepped
  const start = Date.UTC(2026, 11, 1);
  const fs: FileSystem = {
    ...realFileSystem,
    createExclusive() {},
    remove() {},
    lstat: () =>
      ({
        mtime: new Date(start + elapsed + serverAheadMs),
      }) as Deno.FileInfo,
  };
  const clocks = {
    wall: () => start + elapsed + step,
    tick: () => elapsed,
  };
  return {
    clock: new FileSystemClock(fs, "/spool/.tmp", clocks),
    server: () => start + elapsed + serverAheadMs,
    pass(ms: number) {
      elapsed += ms;
    },
    stepWall(ms: number) {
      step += ms;
    },
  };
}

Deno.test("clock: after a step of the host's clock, the file system's clock is read again at once", () => {
  for (const stepMs of [3_600_000, -3_600_000, 5_000, -5_000]) {
    const w = world(30 * 60_000);
    assert.equal(w.clock.now().getTime(), w.server());
    w.pass(10_000);
    assert.equal(w.clock.now().getTime(), w.server());
    // NTP (or an administrator) steps this host's clock; the server's
    // clock goes on as it was.
    w.pass(1_000);
    w.stepWall(stepMs);
    assert.equal(
      w.clock.now().getTime(),
      w.server(),
      `a step of ${stepMs} ms`,
    );
    w.pass(1_000);
    assert.equal(w.clock.now().getTime(), w.server());
  }
});

Deno.test("clock: without a step, the offset is measured once a minute", () => {
  const w = world(0);
  let probes = 0;
  const counting = new FileSystemClock(
    {
      ...realFileSystem,
      createExclusive() {
        probes++;
      },
      remove() {},
      lstat: () => ({ mtime: new Date(w.server()) }) as Deno.FileInfo,
    },
    "/spool/.tmp",
    { wall: () => w.server(), tick: () => w.server() },
  );
  for (let i = 0; i < 120; i++) {
    counting.now();
    w.pass(1_000);
  }
  assert.equal(probes, 2);
});
