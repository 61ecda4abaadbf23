// Finds a Python interpreter that can import python3-dirq (the Debian
// package installs it for the system python, which may not be first on PATH).

import { output, ROOT, type WorkerSpec } from "./proc.ts";

const CANDIDATES = ["python3", "/usr/bin/python3"];

/** A Python that imports dirq. */
export interface DirqPython {
  python: string;
  version: string;
}

/** The interpreter that imports dirq, or undefined when none does. */
export async function findDirqPython(): Promise<DirqPython | undefined> {
  for (const python of CANDIDATES) {
    const version = await output(python, [
      "-c",
      "import dirq; print(getattr(dirq, 'VERSION', 'unknown'))",
    ]);
    if (version !== "") return { python, version: version.trim() };
  }
  return undefined;
}

/** A dirq peer worker (bench/workers/dirq_peer.py). */
export function dirqWorker(
  python: string,
  args: (string | number)[],
): WorkerSpec {
  return {
    cmd: python,
    args: [`${ROOT}/bench/workers/dirq_peer.py`, ...args.map(String)],
  };
}
