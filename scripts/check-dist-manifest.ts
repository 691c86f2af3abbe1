/**
 * The manifest half of `npm run check:dist`: what every publishable package.json must say so
 * that `npm install @durable/x` works outside this repository.
 * @module
 */
import type { Manifest, PackageInfo } from "./check-dist-graph.ts";

/** True when `version` satisfies `range` (`x.y.z`, `^x.y.z` or `~x.y.z`; the forms changesets writes). */
export function satisfies(version: string, range: string): boolean {
  const m = /^([\^~]?)(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (m === null || v === null) return false;
  const [want, have] = [m.slice(2).map(Number), v.slice(1).map(Number)] as [number[], number[]];
  const [a = 0, b = 0, c = 0] = want;
  const [x = 0, y = 0, z = 0] = have;
  const atLeast = x > a || (x === a && (y > b || (y === b && z >= c)));
  if (m[1] === "") return x === a && y === b && z === c;
  if (m[1] === "~") return atLeast && x === a && y === b;
  // Caret: the left-most non-zero part stays fixed.
  if (a > 0) return atLeast && x === a;
  if (b > 0) return atLeast && x === 0 && y === b;
  return x === 0 && y === 0 && z === c;
}

/**
 * Problems of one package's manifest, each naming the field.
 * @param pkg the package
 * @param siblings every package of the repository, by name (for internal dependency ranges)
 */
export function manifestProblems(pkg: PackageInfo, siblings: ReadonlyMap<string, Manifest>): string[] {
  const m = pkg.manifest;
  const out: string[] = [];
  if (m.private === true) out.push(`"private": true (it could not be published)`);
  if (!m.license) out.push(`no "license"`);
  if (!m.files?.includes("dist")) out.push(`"files" does not list "dist"`);
  if (m.files?.some((f) => /(^|\/)tests?(\/|$)/.test(f))) out.push(`"files" lists tests`);
  for (const [subpath, entry] of Object.entries(m.exports ?? {})) {
    if (typeof entry === "string") {
      out.push(`exports["${subpath}"] is a plain path: give it "types" and "default" conditions`);
      continue;
    }
    const keys = Object.keys(entry);
    const at = (k: string) => keys.indexOf(k);
    if (at("types") < 0 || at("default") < 0) out.push(`exports["${subpath}"] needs "types" and "default"`);
    else if (at("types") > at("default")) out.push(`exports["${subpath}"]: "types" must come before "default"`);
  }
  for (const field of ["dependencies", "peerDependencies"] as const) {
    for (const [name, range] of Object.entries(m[field] ?? {})) {
      const sibling = siblings.get(name);
      if (sibling === undefined) continue;
      if (!satisfies(sibling.version ?? "", range)) {
        out.push(
          `${field}["${name}"] is "${range}", which ${sibling.version} (the sibling's version) does not satisfy`,
        );
      }
    }
  }
  return out.map((p) => `${pkg.name} package.json: ${p}`);
}
