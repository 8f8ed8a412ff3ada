/**
 * The preview server and its page in Chromium, on a small app written for each test: what it serves, what it
 * refuses, and the notice a page shows for TXML the preview does not render.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { PreviewError, startPreview } from './server.ts';

let browser: Browser;
const folders: string[] = [];
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A built app (what Studio opens) from its files. */
function app(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tini-preview-app-'));
  folders.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const ONE_PAGE = {
  'app.json': JSON.stringify({ pages: ['pages/index/index'], window: { defaultTitle: 'Thử' } }),
  'app.js': 'App({});',
  'pages/index/index.js': `Page({ data: { n: 0 }, onAdd(e) { this.setData({ n: this.data.n + e.currentTarget.dataset.step }); } });`,
  'app.tcss': '.box { width: 375rpx; }',
  'pages/index/index.txml': `<view class="box"><text class="n">{{n}}</text><button data-step="{{2}}" onTap="onAdd">+2</button></view>`,
};

describe('the preview server', () => {
  it('listens on loopback only', async () => {
    await expect(startPreview({ root: app(ONE_PAGE), host: '0.0.0.0' })).rejects.toThrow(PreviewError);
  });

  it('serves the app’s files and nothing outside them; says so when there is no app yet', async () => {
    const preview = await startPreview({ root: app(ONE_PAGE) });
    try {
      const files = (await (await fetch(`${preview.url}__preview/files`)).json()) as {
        files: Record<string, string>;
      };
      expect(Object.keys(files.files).sort()).toEqual(Object.keys(ONE_PAGE).sort());
      expect((await fetch(`${preview.url}__preview/app/app.js`)).status).toBe(200);
      expect((await fetch(`${preview.url}__preview/app/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await fetch(preview.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await preview.close();
    }
    const empty = await startPreview({ root: app({}) });
    try {
      const answer = await fetch(`${empty.url}__preview/files`);
      expect(answer.status).toBe(404);
      expect(await answer.text()).toMatch(/No app\.json in .*: is the app built/);
    } finally {
      await empty.close();
    }
  });

  it('draws the page, rpx against 750 units, and delivers a tap with its data-*', async () => {
    const preview = await startPreview({ root: app(ONE_PAGE) });
    const page = await browser.newPage();
    try {
      await page.goto(preview.url);
      await page.waitForSelector('html[data-tini-ready]');
      expect(await page.locator('#tini-title').textContent()).toBe('Thử');
      expect(await page.locator('.box').evaluate((e) => e.getBoundingClientRect().width)).toBe(187.5);
      await page.getByRole('button', { name: '+2' }).click();
      await expect.poll(() => page.locator('.n').textContent()).toBe('2');
      expect(await page.locator('tini-notice').count()).toBe(0);
    } finally {
      await page.close();
      await preview.close();
    }
  });

  it('shows a notice naming a tag, an attribute and an event it does not render', async () => {
    const root = app({
      ...ONE_PAGE,
      'pages/index/index.txml': `<view><map latitude="1"></map><view colour="red" onSwipe="x">kept</view></view>`,
    });
    const preview = await startPreview({ root });
    const page = await browser.newPage();
    try {
      await page.goto(preview.url);
      await page.waitForSelector('html[data-tini-ready]');
      expect(await page.locator('tini-notice').allTextContents()).toEqual([
        'Preview: <map>: the preview does not render this tag',
        'Preview: <view colour>: the preview does not know this attribute',
        'Preview: <view onSwipe>: the preview does not deliver "swipe" events',
      ]);
      expect(await page.locator('#tini-problems li').count()).toBe(3);
      expect(await page.getByText('kept').isVisible()).toBe(true);
    } finally {
      await page.close();
      await preview.close();
    }
  });

  it('reloads the page when the app’s folder changes', async () => {
    const root = app(ONE_PAGE);
    const preview = await startPreview({ root });
    const page = await browser.newPage();
    try {
      await page.goto(preview.url);
      await page.waitForSelector('html[data-tini-ready]');
      await Promise.all([
        page.waitForEvent('load'),
        writeFileSync(path.join(root, 'pages/index/index.txml'), '<text class="n">rebuilt</text>'),
      ]);
      await page.waitForSelector('html[data-tini-ready]');
      expect(await page.locator('.n').textContent()).toBe('rebuilt');
    } finally {
      await page.close();
      await preview.close();
    }
  });
});
