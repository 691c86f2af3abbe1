/**
 * Matches a capability path (`/meta/color`) against the routes capabilities declare.
 * @module
 */
import type { Route } from "@durable/core";
import { PlatformError } from "@durable/core";

/** A matched route and its decoded path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  /** The capability that declared the route. */
  owner: string;
}

interface CompiledRoute {
  route: Route;
  segments: string[];
  owner: string;
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** The routes of every capability of one DO, checked for clashes once at start. */
export class RouteTable {
  readonly #routes: CompiledRoute[] = [];

  /**
   * Adds a capability's routes.
   * @throws when a route with the same method and shape exists already
   */
  add(owner: string, routes: readonly Route[]): void {
    for (const route of routes) {
      const segments = split(route.path);
      const shape = segments.map((s) => (s.startsWith(":") ? ":" : s)).join("/");
      const clash = this.#routes.find(
        (r) =>
          r.route.method === route.method && r.segments.map((s) => (s.startsWith(":") ? ":" : s)).join("/") === shape,
      );
      if (clash) throw new Error(`route ${route.method} ${route.path} of ${owner} clashes with ${clash.route.path}`);
      this.#routes.push({ route, segments, owner });
    }
  }

  /**
   * Finds the route for `method` and `path`. Literal segments win over parameters.
   * @throws {NOT_FOUND} 404 when no route has this path
   * @throws {METHOD_NOT_ALLOWED} 405 (with `Allow`) when the path exists for other methods
   */
  match(method: string, path: string): RouteMatch {
    const parts = split(path);
    const candidates: { route: Route; params: Record<string, string>; literals: number; owner: string }[] = [];
    for (const { route, segments, owner } of this.#routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      const ok = segments.every((seg, i) => {
        const part = parts[i] ?? "";
        if (seg.startsWith(":")) {
          try {
            params[seg.slice(1)] = decodeURIComponent(part);
          } catch {
            return false;
          }
          return true;
        }
        literals++;
        return seg === part;
      });
      if (ok) candidates.push({ route, params, literals, owner });
    }
    if (candidates.length === 0) throw new PlatformError("NOT_FOUND", `no route for ${path}`, { status: 404 });
    const forMethod = candidates.filter((c) => c.route.method === method).sort((a, b) => b.literals - a.literals);
    const best = forMethod[0];
    if (!best) {
      const allow = [...new Set(candidates.map((c) => c.route.method))].join(", ");
      throw new PlatformError("METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
        status: 405,
        headers: { allow },
      });
    }
    return { route: best.route, params: best.params, owner: best.owner };
  }
}
