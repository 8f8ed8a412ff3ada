/**
 * `.sjs` modules for `<import-sjs>`. Tiki's SJS is a subset of JavaScript written as ES modules; the preview
 * server compiles each file to CommonJS with esbuild (server.ts), and this evaluates them on first use, each
 * once, with `require` between `.sjs` files of the app. As on Tini, a module sees none of the app's APIs: `my`,
 * `getApp`, the page globals and the browser's window are shadowed. The preview runs SJS as JavaScript, so
 * something Tiki's SJS rejects may still work here (Studio stays the reference).
 */
import { resolvePath } from './render.ts';

/** Names an SJS module must not reach (Tiki: "isolated from the other JavaScript files and the APIs"). */
const SHADOWED = [
  'my',
  'getApp',
  'getCurrentPages',
  'App',
  'Page',
  'Component',
  'window',
  'document',
  'globalThis',
  'self',
  'fetch',
  'XMLHttpRequest',
  'localStorage',
];

/** A loader over compiled modules by path in the app (`pages/index/format.sjs`). */
export function sjsLoader(compiled: Record<string, string>): (file: string) => Record<string, unknown> {
  const loaded = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const known = loaded.get(file);
    if (known) return known.exports;
    const code = compiled[file];
    if (code === undefined) throw new Error(`${file} is not in the app`);
    const module = { exports: {} as Record<string, unknown> };
    // Set before it runs, so that two modules that require each other see each other's exports so far.
    loaded.set(file, module);
    const require = (specifier: string) => {
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
        throw new Error(`${file}: an .sjs module can only import other .sjs files, not "${specifier}"`);
      }
      return load(resolvePath(file, specifier.endsWith('.sjs') ? specifier : `${specifier}.sjs`));
    };
    try {
      const run = new Function('module', 'exports', 'require', ...SHADOWED, code);
      run(module, module.exports, require);
    } catch (error) {
      loaded.delete(file);
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return module.exports;
  };
  return load;
}
