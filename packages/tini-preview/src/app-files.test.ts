import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appRootOf, readApp } from './app-files.ts';
import { renderTxml, type VNode } from './template/render.ts';
import { sjsLoader } from './template/sjs.ts';

/** A project as Studio opens it: sources under src/, a TypeScript page, packages in node_modules. */
const project = mkdtempSync(path.join(tmpdir(), 'tini-preview-project-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
const files: Record<string, string> = {
  'project.config.json': JSON.stringify({ miniprogramRoot: 'src' }),
  'node_modules/fake-lib/package.json': JSON.stringify({ name: 'fake-lib', main: 'index.js' }),
  'node_modules/fake-lib/index.js': 'exports.shout = (s) => s.toUpperCase() + "!";',
  'node_modules/@fake/ui/package.json': JSON.stringify({ name: '@fake/ui' }),
  'node_modules/@fake/ui/es/tag/index.json': JSON.stringify({ component: true }),
  'node_modules/@fake/ui/es/tag/index.txml': '<text>{{text}}</text>',
  'node_modules/@fake/ui/es/tag/index.js': `import { tidy } from '../_util/tidy'; Component({ props: { text: tidy(' t ') } });`,
  'node_modules/@fake/ui/es/_util/tidy.js': 'export const tidy = (s) => s.trim();',
  'src/app.json': JSON.stringify({ pages: ['pages/index/index', 'pages/broken/index'] }),
  'src/app.js': 'App({});',
  'src/pages/index/index.json': JSON.stringify({ usingComponents: { tag: '@fake/ui/es/tag/index' } }),
  'src/mixins/polite.ts': `export const polite = (s: string): string => s + ' ạ';`,
  'src/pages/index/index.ts': `import { shout } from 'fake-lib';
    import { polite } from '/mixins/polite';
    const greeting: string = polite(shout('xin chào'));
    Page({ data: { greeting } });`,
  'src/pages/index/index.txml': `<import-sjs name="fmt" from="./fmt.sjs"/><import-sjs name="{ twice, unit: u }" from="/utils/num.sjs"/>
    <text>{{fmt.money(price)}} {{twice(2)}}{{u}}</text>`,
  'src/pages/index/fmt.sjs': `import { unit } from '../../utils/num.sjs';
    export default { money: (n) => n.toLocaleString('vi-VN') + unit };`,
  'src/utils/num.sjs': 'export const unit = "đ"; export const twice = (n) => n * 2;',
  'src/pages/broken/index.ts': `import { nothing } from 'not-installed'; Page({ data: { nothing } });`,
  'src/pages/broken/index.txml': '<view/>',
};
for (const [file, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  writeFileSync(path.join(project, file), text);
}

describe('an app folder compiled as Studio compiles it', () => {
  it("opens project.config.json's miniprogramRoot", async () => {
    expect(await appRootOf(project)).toBe(path.join(project, 'src'));
    expect(await appRootOf(path.join(project, 'src'))).toBe(path.join(project, 'src'));
  });

  it('bundles TypeScript pages with npm and app-root imports, and an npm component with its own imports', async () => {
    const app = await readApp(path.join(project, 'src'));
    expect(app.problems).toEqual([
      expect.stringMatching(/pages\/broken\/index\.ts: Could not resolve "not-installed"/),
    ]);
    // The bundled page is a classic script that calls Page() with the npm code inlined.
    let registered: { data: { greeting: string } } | undefined;
    new Function('Page', app.files['pages/index/index.js'] as string)((o: typeof registered) => {
      registered = o;
    });
    expect(registered?.data.greeting).toBe('XIN CHÀO! ạ');
    let component: { props: { text: string } } | undefined;
    new Function('Component', app.files['node_modules/@fake/ui/es/tag/index.js'] as string)(
      (o: typeof component) => {
        component = o;
      },
    );
    expect(component?.props.text).toBe('t');
    expect(app.files['node_modules/@fake/ui/es/tag/index.txml']).toBe('<text>{{text}}</text>');
    expect(Object.keys(app.files).some((f) => f.endsWith('.ts'))).toBe(false);
  });

  it('compiles .sjs modules that <import-sjs> reads, by default and by name, requiring each other', async () => {
    const app = await readApp(path.join(project, 'src'));
    const rendered = renderTxml(
      app.files['pages/index/index.txml'] as string,
      { price: 125000 },
      { file: 'pages/index/index.txml', load: (f) => app.files[f], sjs: sjsLoader(app.sjs) },
    );
    expect(rendered.notices).toEqual([]);
    expect(textOf(rendered.nodes)).toBe('125.000đ 4đ');
  });

  it('shows a notice for an sjs module that is missing or reaches for the app’s APIs', () => {
    const sjs = sjsLoader({ 'a.sjs': 'exports.default = { who: () => typeof my };' });
    const rendered = renderTxml(
      '<import-sjs name="a" from="./a.sjs"/><import-sjs name="b" from="./b.sjs"/><text>{{a.who()}}</text>',
      {},
      { file: 'x.txml', sjs },
    );
    expect(rendered.notices).toEqual(['<import-sjs from="./b.sjs">: b.sjs is not in the app']);
    expect(textOf(rendered.nodes)).toBe('undefined');
  });
});

function textOf(nodes: VNode[]): string {
  return nodes.map((n) => (n.kind === 'text' || n.kind === 'notice' ? n.text : textOf(n.children))).join('');
}
