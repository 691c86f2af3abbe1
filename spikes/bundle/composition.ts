/**
 * What a bundle is made of, from esbuild's metafile: output bytes per input module, grouped by
 * the package it belongs to (zod split by its layers: core, classic, mini, locales), so the lead
 * can see what to act on when a package misses its budget.
 * @module
 */
import type { Metafile } from "esbuild";

/** Output bytes of one group of inputs. */
export interface Part {
  name: string;
  bytes: number;
  /** Share of the bundle's output bytes, in %. */
  pct: number;
}

/**
 * The group an input path belongs to: `zod (core)`, `apache-arrow`, `@durable/tables`, …
 * @param input a metafile input path (relative to the working directory, maybe with a namespace)
 */
export function groupOf(input: string): string {
  const path = input.replace(/^[\w-]+:/, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "node_modules/".length).split("/");
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
    if (name === "zod") {
      const layer = rest[1] === "v4" ? rest[2] : rest[1];
      return `zod (${layer === "locales" ? "locales" : (layer ?? "?")})`;
    }
    return name;
  }
  const ws = /(?:^|\/)(packages|apps)\/([^/]+)\//.exec(path);
  if (ws) return ws[1] === "apps" ? `apps/${ws[2]}` : `@durable/${ws[2]}`;
  return path;
}

/** Output bytes per group, largest first. */
export function composition(meta: Metafile): Part[] {
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(meta.outputs)[0];
  if (!output) return [];
  const total = output.bytes;
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const g = groupOf(input);
    groups.set(g, (groups.get(g) ?? 0) + bytesInOutput);
  }
  return [...groups]
    .map(([name, bytes]) => ({ name, bytes, pct: (100 * bytes) / total }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/** The largest single input modules, largest first. */
export function topInputs(meta: Metafile, n: number): { input: string; bytes: number }[] {
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(meta.outputs)[0];
  if (!output) return [];
  return Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => ({ input: input.replace(/^.*node_modules\//, ""), bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n);
}

/** Output bytes of the inputs of one group (e.g. `apache-arrow`). */
export function groupBytes(meta: Metafile, group: string): number {
  return composition(meta).find((p) => p.name === group)?.bytes ?? 0;
}

/** `zod (core) 41% · @durable/tables 20% · …`, the top `n` groups of a bundle. */
export function summarizeParts(parts: readonly Part[], n = 4): string {
  return parts
    .slice(0, n)
    .map((p) => `${p.name} ${p.pct.toFixed(0)}%`)
    .join(" · ");
}
