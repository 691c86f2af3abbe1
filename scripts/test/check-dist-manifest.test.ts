/** check:dist helpers: ranges as changesets writes them, each manifest rule failing alone, and the user environment's Node options. */
import { describe, expect, it } from "vitest";
import { withoutSourceCondition } from "../check-dist-example.ts";
import type { Manifest } from "../check-dist-graph.ts";
import { manifestProblems, satisfies } from "../check-dist-manifest.ts";

describe("satisfies", () => {
  it.each([
    ["0.1.0", "^0.1.0", true],
    ["0.1.5", "^0.1.0", true],
    ["0.2.0", "^0.1.0", false],
    ["0.0.9", "^0.1.0", false],
    ["1.4.0", "^1.2.3", true],
    ["2.0.0", "^1.2.3", false],
    ["0.0.3", "^0.0.3", true],
    ["0.0.4", "^0.0.3", false],
    ["1.2.9", "~1.2.3", true],
    ["1.3.0", "~1.2.3", false],
    ["0.1.0", "0.1.0", true],
    ["0.1.0", "*", false],
    ["0.1.0", ">=0.1.0", false],
  ])("%s in %s → %s", (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe("manifestProblems", () => {
  const core: Manifest = { name: "@durable/core", version: "0.1.0" };
  const good: Manifest = {
    name: "@durable/tables",
    version: "0.1.0",
    license: "MIT",
    files: ["dist", "src", "README.md"],
    exports: { ".": { "@durable/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" } },
    dependencies: { "@durable/core": "^0.1.0", zod: "^4.6.7" },
  };
  const siblings = new Map([
    ["@durable/core", core],
    ["@durable/tables", good],
  ]);
  const check = (m: Manifest) => manifestProblems({ name: m.name, dir: "/x", manifest: m }, siblings);

  it("a complete manifest passes", () => {
    expect(check(good)).toEqual([]);
  });

  it.each<[string, Partial<Manifest>, string]>([
    ["private", { private: true }, '"private": true'],
    ["no license", { license: undefined }, 'no "license"'],
    ["files without dist", { files: ["src"] }, '"files" does not list "dist"'],
    ["files with tests", { files: ["dist", "test"] }, '"files" lists tests'],
    ["a plain export", { exports: { ".": "./dist/index.js" } }, "is a plain path"],
    [
      "default before types",
      { exports: { ".": { default: "./a.js", types: "./a.d.ts" } } },
      '"types" must come before',
    ],
    ["a * range", { dependencies: { "@durable/core": "*" } }, 'dependencies["@durable/core"] is "*"'],
    [
      "a stale range",
      { peerDependencies: { "@durable/core": "^0.0.0" } },
      'peerDependencies["@durable/core"] is "^0.0.0"',
    ],
  ])("%s", (_name, change, message) => {
    const problems = check({ ...good, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("@durable/tables package.json: ");
    expect(problems[0]).toContain(message);
  });
});

describe("withoutSourceCondition", () => {
  it.each([
    ["--conditions=@durable/source", ""],
    ["--max-old-space-size=4096 --conditions=@durable/source", "--max-old-space-size=4096"],
    ["-C @durable/source --enable-source-maps", "--enable-source-maps"],
    ["--conditions=@durable/sources", "--conditions=@durable/sources"],
  ])("%s → %s", (input, expected) => {
    expect(withoutSourceCondition(input)).toBe(expected);
  });
});
