/**
 * The import-graph check of `npm run check:dist` over fixture packages (scripts/test/fixtures/
 * check-dist/<case>/packages/*): the four faults the issue names each fail with a message naming
 * the import and the file that imports it, a clean pair of packages passes, and more faults are
 * made from a copy of the clean fixture. The CLI exits non-zero on a fault.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkDist, formatProblem } from "../check-dist-graph.ts";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "fixtures/check-dist");
const NODE_ONLY = ["@durable/core/node"];
const lines = (root: string) => checkDist({ root, nodeOnlyEntries: NODE_ONLY }).map(formatProblem);

describe("fixtures", () => {
  it("clean: Worker entries over a sibling and zod, a Node-only entry using node:fs; comments and strings ignored", () => {
    expect(lines(join(fixtures, "clean"))).toEqual([]);
  });

  it("node-fs: a Worker entry reaching node:fs through another file names that file", () => {
    expect(lines(join(fixtures, "node-fs"))).toEqual([
      'packages/core/dist/read.js imports "node:fs": a Node built-in, reached from the Worker entry @durable/core',
    ]);
  });

  it("bare-crypto: a bare built-in name counts as node:crypto", () => {
    expect(lines(join(fixtures, "bare-crypto"))).toEqual([
      'packages/core/dist/index.js imports "crypto": a Node built-in, reached from the Worker entry @durable/core',
    ]);
  });

  it("sibling-src: a sibling's src/ is not in its exports map", () => {
    expect(lines(join(fixtures, "sibling-src"))).toEqual([
      `packages/rate-limit/dist/index.js imports "@durable/core/src/x.js": a sibling's internals: @durable/core exports only .`,
    ]);
  });

  it("relative-escape: a relative path into a sibling's dist/ leaves the package", () => {
    expect(lines(join(fixtures, "relative-escape"))).toEqual([
      'packages/rate-limit/dist/index.js imports "../../core/dist/x.js": a relative import leaving @durable/rate-limit: import the sibling by its package name',
    ]);
  });
});

describe("faults made from the clean fixture", () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  /** A copy of the clean fixture with one file of @durable/rate-limit's dist replaced. */
  const withFile = (file: string, text: string): string => {
    const root = mkdtempSync(join(tmpdir(), "check-dist-"));
    made.push(root);
    cpSync(join(fixtures, "clean"), root, { recursive: true });
    writeFileSync(join(root, "packages/rate-limit/dist", file), text);
    return root;
  };

  it.each([
    ['import { x } from "@durable/core/dist/index.js";', "a sibling's internals: @durable/core exports only ., ./node"],
    ['import { x } from "@durable/core/internal";', "a sibling's internals: @durable/core exports only ., ./node"],
    [
      'export { readText } from "@durable/core/node";',
      "a Node-only entry, reached from the Worker entry @durable/rate-limit",
    ],
    ['import { x } from "@durable/nope";', "no package of this repository is named @durable/nope"],
    ['import { parse } from "croner";', "an undeclared dependency: add croner to dependencies or peerDependencies"],
    ['import { x } from "./missing.js";', "resolves to no built file"],
    ['import { x } from "./limiter.ts";', "resolves to no built file"],
    ['const fs = await import("fs/promises");', "a Node built-in, reached from the Worker entry @durable/rate-limit"],
  ])("%s → %s", (source, reason) => {
    const out = lines(withFile("limiter.js", source));
    expect(out).toHaveLength(1);
    expect(out[0]).toContain(`packages/rate-limit/dist/limiter.js imports "`);
    expect(out[0]).toContain(reason);
  });

  it("declarations: Node's types and a sibling's internals in a .d.ts fail too", () => {
    const node = lines(withFile("limiter.d.ts", '/// <reference types="node" />\nexport declare const limit: 1;\n'));
    expect(node).toEqual([
      'packages/rate-limit/dist/limiter.d.ts imports "reference types="node"": Node\'s types, reached from the Worker entry @durable/rate-limit',
    ]);
    const internal = lines(withFile("index.d.ts", 'export type { X } from "@durable/core/src/index.ts";\n'));
    expect(internal).toEqual([
      `packages/rate-limit/dist/index.d.ts imports "@durable/core/src/index.ts": a sibling's internals: @durable/core exports only ., ./node`,
    ]);
  });

  it("an export whose built file is missing is named with its package.json", () => {
    const root = withFile("index.js", "");
    rmSync(join(root, "packages/rate-limit/dist/index.js"));
    expect(lines(root)).toEqual([
      "packages/rate-limit/package.json: export .: ./dist/index.js does not exist (did the build run?)",
    ]);
  });
});

describe("CLI", () => {
  /** `check-dist.ts --graph-only` over a fixture, in a child process. */
  const cli = (root: string) =>
    new Promise<{ status: number | null; stderr: string }>((done) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(here, "../check-dist.ts"), "--graph-only", "--root", root],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("close", (status) => done({ status, stderr }));
    });

  it("exits 1 printing the offending import and its file, and 0 on the clean fixture", async () => {
    const [bad, clean] = await Promise.all([cli(join(fixtures, "bare-crypto")), cli(join(fixtures, "clean"))]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('packages/core/dist/index.js imports "crypto": a Node built-in');
    expect(clean).toEqual({ status: 0, stderr: "" });
  }, 30_000);
});
