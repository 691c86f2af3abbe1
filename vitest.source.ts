import { defaultClientConditions, defaultServerConditions, type UserConfig } from "vite";

/**
 * The workspace's packages resolve one another through the `@durable/source` export
 * condition (their TypeScript sources), so tests never need a build and never see a stale
 * dist. Published tarballs ignore the condition: consumers get `dist/`. Spread this into every
 * vitest project's config.
 */
export const SOURCE_CONDITION = "@durable/source";

/** Vite resolve settings that put {@link SOURCE_CONDITION} first for client and server (Node) code. */
export const sourceResolve: Pick<UserConfig, "resolve" | "ssr"> = {
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
};
