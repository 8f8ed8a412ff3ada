import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launch } from './node.ts';

/** A two-page app written as built scripts: each page logs its lifecycle to the host's console log. */
const dist = mkdtempSync(path.join(tmpdir(), 'tini-host-stack-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));
const files: Record<string, string> = {
  'app.json': JSON.stringify({ pages: ['pages/a/index', 'pages/b/index'] }),
  'app.js': 'App({});',
};
for (const name of ['a', 'b']) {
  files[`pages/${name}/index.js`] = `
    const log = (what) => console.log('${name}.' + what);
    Page({
      data: { n: 0 },
      onLoad(query) { log('load ' + JSON.stringify(query)); },
      onShow() { log('show ' + getCurrentPages().length); },
      onHide() { log('hide'); },
      onUnload() { log('unload'); },
      go() { my.navigateTo({ url: '/pages/b/index?from=${name}' }); },
      swap() { my.redirectTo({ url: '/pages/a/index' }); },
      back() { my.navigateBack({ delta: 5 }); },
      bump(event) { this.setData({ n: this.data.n + 1, last: event.currentTarget.dataset.id }); },
    });`;
}
for (const [file, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
  writeFileSync(path.join(dist, file), text);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the page stack', () => {
  it('navigateTo pushes, redirectTo replaces, navigateBack pops no further than the first page', async () => {
    let changes = 0;
    const app = await launch({
      distDir: dist,
      authCodes: () => ({ fail: { error: 11, errorMessage: 'no' } }),
      onChange: () => {
        changes += 1;
      },
    });
    await app.page.tap('go');
    await settle();
    expect(app.pages().map((p) => p.route)).toEqual(['pages/a/index', 'pages/b/index']);
    await app.pages()[1]?.tap('swap');
    await settle();
    expect(app.pages().map((p) => p.route)).toEqual(['pages/a/index', 'pages/a/index']);
    await app.pages()[1]?.tap('back');
    await settle();
    expect(app.pages().map((p) => p.route)).toEqual(['pages/a/index']);
    expect(app.log.navigations).toEqual(['/pages/b/index?from=a', '/pages/a/index']);
    expect(changes).toBe(3);

    await app.page.dispatch('bump', { type: 'tap', targetDataset: {}, currentTargetDataset: { id: 7 } });
    expect(app.page.data()).toEqual({ n: 1, last: 7 });
    expect(changes).toBe(4);
  });

  it('runs each lifecycle in order, every instance with its own data', async () => {
    const app = await launch({
      distDir: dist,
      authCodes: () => ({ fail: { error: 11, errorMessage: 'no' } }),
    });
    await app.page.tap('bump');
    await app.page.tap('go');
    await settle();
    expect(app.pages()[1]?.data()).toEqual({ n: 0 });
    await app.pages()[1]?.tap('back');
    await settle();
    expect(app.page.data()).toMatchObject({ n: 1 });
    expect(app.log.console.map((line) => line.text)).toEqual([
      'a.load {}',
      'a.show 1',
      'a.hide',
      'b.load {"from":"a"}',
      'b.show 2',
      'b.unload',
      'a.show 1',
    ]);
  });
});
