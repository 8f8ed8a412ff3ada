/**
 * Stands in for `globalThis` inside each bundle (build.mjs injects it with esbuild's `inject`).
 * Tini's logic thread does not provide `globalThis` (@tiki.vn/tini-types declares it `undefined`), yet zod keeps
 * its global configuration on it at load time. A module-scoped object is enough for that, and keeps the
 * bundle from touching a global the host does not have.
 */
const bundleGlobal: Record<string, unknown> = {};

export { bundleGlobal as globalThis };
