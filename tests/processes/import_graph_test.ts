// The library's modules import each other without a circle, type-only
// imports included: each file can be read after the ones it imports.

import assert from "node:assert/strict";
import { ROOT } from "../_helpers/children.ts";

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: {
      code?: { specifier: string };
      type?: { specifier: string };
    }[];
  }[];
}

/** The local import graph reachable from `entry`, from `deno info`. */
async function importGraph(entry: string): Promise<Map<string, string[]>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info: DenoInfo = JSON.parse(new TextDecoder().decode(stdout));
  const local = (specifier: string) => specifier.startsWith(`file://${ROOT}/`);
  const graph = new Map<string, string[]>();
  for (const module of info.modules) {
    if (!local(module.specifier)) continue;
    const deps = (module.dependencies ?? []).flatMap((dep) =>
      [dep.code?.specifier, dep.type?.specifier].filter((s) =>
        s !== undefined && local(s)
      ) as string[]
    );
    graph.set(module.specifier, [...new Set(deps)]);
  }
  return graph;
}

/** One import circle of `graph`, as a list of modules, or undefined. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (module: string): string[] | undefined => {
    const at = path.indexOf(module);
    if (at !== -1) return [...path.slice(at), module];
    if (done.has(module)) return undefined;
    path.push(module);
    for (const dep of graph.get(module) ?? []) {
      const circle = visit(dep);
      if (circle !== undefined) return circle;
    }
    path.pop();
    done.add(module);
    return undefined;
  };
  for (const module of graph.keys()) {
    const circle = visit(module);
    if (circle !== undefined) return circle;
  }
  return undefined;
}

Deno.test("import graph: no module imports itself through others", async () => {
  // Every entry point's graph, together: the whole library.
  const entries = Object.values(
    JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).exports,
  ) as string[];
  const graph = new Map<string, string[]>();
  for (const entry of entries) {
    for (const [module, deps] of await importGraph(entry)) {
      graph.set(module, deps);
    }
  }
  assert.ok(graph.size > 30, `${graph.size} modules`);
  for (const entry of entries) {
    assert.ok(graph.has(`file://${ROOT}/${entry.slice(2)}`), entry);
  }
  const circle = findCircle(graph)?.map((m) => m.slice(ROOT.length + 8));
  assert.equal(circle, undefined, `import circle: ${circle?.join(" -> ")}`);
});

Deno.test("import graph: the check finds a circle when there is one", () => {
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", []]]);
  assert.deepEqual(findCircle(graph), ["a", "b", "c", "a"]);
  assert.equal(findCircle(new Map([["a", ["b"]], ["b", []]])), undefined);
});
