/**
 * A Tini App folder as the preview page needs it, compiled the way Tini Studio compiles a project: each entry
 * script (`app`, every page of app.json, every custom component its pages and components use) bundled by
 * esbuild into one classic script, whether it is written in JavaScript or TypeScript and whatever npm packages it
 * imports; every `.sjs` module turned into CommonJS for the page to evaluate (template/sjs.ts); and the
 * templates, styles and JSON as they are.
 *
 * A component named by an npm path in usingComponents (`@tiki.vn/tini-ui/es/badge/index`) is looked up in the
 * node_modules folders from the app's folder upwards, as Node resolves a package, and its package's templates,
 * styles, JSON and sjs are served under `node_modules/<package>/`. That Studio resolves them this way is an
 * assumption: Tiki documents the form of the path, not the lookup.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { componentPathOf, NPM_FOLDER, resolvePath } from './template/render.ts';

export interface AppSnapshot {
  /** Templates, styles, JSON and bundled scripts (`pages/index/index.js`), by path in the app. */
  files: Record<string, string>;
  /** `.sjs` modules compiled to CommonJS, by path in the app. */
  sjs: Record<string, string>;
  /** What could not be compiled or found: shown in the page's problem bar. */
  problems: string[];
}

/** Files read as they are; scripts are bundled from their entries instead. */
const AS_IS = new Set(['.json', '.txml', '.tcss']);
const SCRIPT_EXTENSIONS = ['.ts', '.js'];

/** The folder Studio opens as the app: project.config.json's `miniprogramRoot`, or the folder itself. */
export async function appRootOf(folder: string): Promise<string> {
  const config = path.join(folder, 'project.config.json');
  if (!existsSync(config)) return path.resolve(folder);
  const parsed = JSON.parse(await readFile(config, 'utf8')) as { miniprogramRoot?: unknown };
  const root = typeof parsed.miniprogramRoot === 'string' ? parsed.miniprogramRoot : '.';
  return path.resolve(folder, root);
}

export async function readApp(root: string): Promise<AppSnapshot> {
  const files: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  await collect(root, '', files, sources);
  const appJson = files['app.json'];
  if (appJson === undefined) return { files, sjs: {}, problems };

  // Every entry: the app, its pages, and the components they use (followed through components' own JSON).
  const entries = new Map<string, string>(); // path in the app -> folder it is read from
  const packages = new Map<string, string | undefined>(); // npm package name -> its folder
  /** A package's templates, styles and JSON, served under node_modules/ once something names it. */
  const usePackage = async (name: string, from: string): Promise<string | undefined> => {
    if (packages.has(name)) return packages.get(name);
    const folder = findPackage(root, name);
    packages.set(name, folder);
    if (folder === undefined)
      problems.push(`${from}: no package ${name} in node_modules (from the app's folder up)`);
    else await collect(folder, `${NPM_FOLDER}${name}/`, files, sources);
    return folder;
  };
  const queue: string[] = ['app'];
  try {
    const pages = (JSON.parse(appJson) as { pages?: unknown }).pages;
    if (Array.isArray(pages)) queue.push(...pages.map(String));
  } catch (error) {
    problems.push(`app.json: not JSON (${error instanceof Error ? error.message : error})`);
  }
  while (queue.length > 0) {
    const entry = queue.shift() as string;
    if (entries.has(entry)) continue;
    let base = root;
    if (entry.startsWith(NPM_FOLDER)) {
      const name = packageName(entry.slice(NPM_FOLDER.length));
      const folder = await usePackage(name, entry);
      if (folder === undefined) {
        entries.set(entry, '');
        continue;
      }
      // The node_modules folder that holds the package: the entry's path below it names the script.
      base = folder.slice(0, folder.length - name.length - 1);
    }
    entries.set(entry, base);
    const json = files[`${entry}.json`];
    if (json === undefined || entry === 'app') continue;
    try {
      const using = (JSON.parse(json) as { usingComponents?: Record<string, unknown> }).usingComponents ?? {};
      for (const target of Object.values(using)) queue.push(componentPathOf(`${entry}.json`, String(target)));
    } catch {
      // The renderer shows a notice for a JSON it cannot read.
    }
  }

  // Packages a TCSS `@import`s by a bare name with no file of that name beside it (tcss.ts reads them so),
  // then the packages those packages' TCSS imports in turn.
  const checked = new Set<string>();
  const unchecked = () => Object.keys(files).filter((f) => f.endsWith('.tcss') && !checked.has(f));
  for (let batch = unchecked(); batch.length > 0; batch = unchecked()) {
    for (const file of batch) {
      checked.add(file);
      for (const [, src = ''] of (files[file] ?? '').matchAll(/@import\s+(?:url\()?\s*["']([^"']+)["']/g)) {
        if (/^(\.|\/)/.test(src) || files[resolvePath(file, src)] !== undefined) continue;
        await usePackage(packageName(src), file);
      }
    }
  }

  // Bundling in parallel: one esbuild run per entry, as each becomes a script of its own.
  await Promise.all(
    [...entries].map(async ([entry, base]) => {
      if (base === '') return;
      const inApp = entry.startsWith(NPM_FOLDER) ? entry.slice(NPM_FOLDER.length) : entry;
      const source = SCRIPT_EXTENSIONS.map((ext) => path.join(base, `${inApp}${ext}`)).find((f) =>
        existsSync(f),
      );
      if (source === undefined) {
        problems.push(`${entry}: no ${inApp}.ts or ${inApp}.js to run`);
        return;
      }
      try {
        files[`${entry}.js`] = await bundle(source, root);
      } catch (error) {
        problems.push(`${path.relative(root, source)}: ${buildMessage(error)}`);
      }
    }),
  );

  const sjs: Record<string, string> = {};
  await Promise.all(
    Object.entries(sources).map(async ([file, source]) => {
      try {
        const compiled = await esbuild.transform(source, {
          loader: 'js',
          format: 'cjs',
          target: 'es2019',
          sourcefile: file,
        });
        sjs[file] = compiled.code;
      } catch (error) {
        problems.push(`${file}: ${buildMessage(error)}`);
      }
    }),
  );
  return { files, sjs, problems };
}

/**
 * One entry as a classic script: imports bundled in, TypeScript stripped, run by the host as Studio would. An
 * import that starts with `/` is from the app's root, as Tiki's mixins page writes `import x from '/mixins/x'`.
 */
async function bundle(entry: string, root: string): Promise<string> {
  const fromAppRoot: esbuild.Plugin = {
    name: 'tini-app-root',
    setup(build) {
      build.onResolve({ filter: /^\// }, (args) =>
        args.kind === 'entry-point' ||
        args.path.startsWith('//') ||
        args.path.startsWith(`${root}${path.sep}`)
          ? undefined
          : build.resolve(`.${args.path}`, { resolveDir: root, kind: args.kind }),
      );
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    plugins: [fromAppRoot],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

function buildMessage(error: unknown): string {
  const errors = (error as { errors?: esbuild.Message[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => e.text).join('; ');
  return error instanceof Error ? error.message : String(error);
}

/** `@scope/name/es/x` -> `@scope/name`; `name/es/x` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function findPackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Templates, styles, JSON and sjs of a folder, under `prefix`; node_modules and hidden folders left out. */
async function collect(
  folder: string,
  prefix: string,
  files: Record<string, string>,
  sjs: Record<string, string>,
): Promise<void> {
  async function walk(dir: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) await walk(full);
        continue;
      }
      const ext = path.extname(entry.name);
      if (!AS_IS.has(ext) && ext !== '.sjs') continue;
      if ((await stat(full)).size > 2_000_000) continue;
      const file = prefix + path.relative(folder, full).split(path.sep).join('/');
      const text = await readFile(full, 'utf8');
      if (ext === '.sjs') sjs[file] = text;
      else files[file] = text;
    }
  }
  await walk(folder);
}
