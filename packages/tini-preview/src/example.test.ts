/**
 * The example Tini App (../example: a TypeScript page with an npm import, a custom component with slots and
 * on* props, an .sjs module, a component of Tiki's design system from npm) opened the way a forker opens theirs:
 * `pnpm preview packages/tini-preview/example`, a real process, then driven in Chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
const ARTIFACTS = path.resolve(HERE, '../test-artifacts');

let browser: Browser;
let preview: ChildProcess;
let url: string;

beforeAll(async () => {
  // Port 0: a free port, so this suite never collides with `pnpm dev` or a parallel one.
  preview = spawn('pnpm', ['preview', 'packages/tini-preview/example'], {
    cwd: REPO,
    env: { ...process.env, MINIAPP_PREVIEW_HOST: '127.0.0.1', MINIAPP_PREVIEW_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /preview: .* at (http:\/\/\S+\/)/.exec(output);
      if (found?.[1]) resolve(found[1]);
    };
    preview.stdout?.on('data', read);
    preview.stderr?.on('data', read);
    preview.once('exit', (code) => reject(new Error(`pnpm preview exited with ${code}:\n${output}`)));
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  // pnpm runs tsx, which runs the preview: the whole group goes.
  if (preview?.pid !== undefined && preview.exitCode === null) process.kill(-preview.pid, 'SIGTERM');
});

async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  await page.goto(url);
  await page.waitForSelector('html[data-tini-ready]');
  return { page, errors };
}

const idle = (page: Page) =>
  page.evaluate(() => (window as unknown as { __tiniPreview: { idle(): unknown } }).__tiniPreview.idle());
const problems = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __tiniPreview: { problems(): string[] } }).__tiniPreview.problems(),
  );

describe('pnpm preview on the example Tini App', () => {
  it('renders every part with no notice, and the component’s lifecycle and events work', async () => {
    const { page, errors } = await open();
    try {
      const screen = page.locator('#tini-screen');
      // The TypeScript page ran, with dayjs bundled in; the sjs module formats; the slots are filled.
      await expect.poll(() => screen.locator('.today').textContent()).toBe('Hôm nay: 08/12/2026');
      expect(await screen.locator('.qty-counter .title').textContent()).toBe('Áo thun · 125.000đ');
      expect(await screen.locator('.qty-counter .note').textContent()).toBe('Giao trong 2 ngày');
      expect(await screen.locator('.unit').textContent()).toBe('(đ)');
      // Tiki's badge, from npm, drew its own template and TCSS.
      expect(
        await screen
          .locator('tini-component[data-tag="tu-badge"] .tu-badge-text-inner')
          .first()
          .textContent(),
      ).toBe('0');
      expect(
        await page.locator('style[data-component="node_modules/@tiki.vn/tini-ui/es/badge/index"]').count(),
      ).toBe(1);
      // didMount ran (its setData shows "Sẵn sàng").
      await expect.poll(() => screen.locator('.qty-counter .state').textContent()).toBe('Sẵn sàng');
      expect(await page.title()).toContain('example');
      expect(await page.locator('#tini-title').textContent()).toBe('Giỏ hàng mẫu');

      // A tap goes to the component's method; its didUpdate calls the page's onChange handler back.
      await screen.locator('.plus').click();
      await screen.locator('.plus').click();
      await idle(page);
      await expect.poll(() => screen.locator('.count').textContent()).toBe('2');
      await expect.poll(() => screen.locator('.total').textContent()).toBe('Tổng: 250.000đ');
      expect(await screen.locator('.tu-badge-text-inner').first().textContent()).toBe('2');
      await screen.locator('.minus').click();
      await expect.poll(() => screen.locator('.total').textContent()).toBe('Tổng: 125.000đ');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.locator('#tini-phone').screenshot({ path: path.join(ARTIFACTS, 'example.png') });

      // Removed from the page: didUnmount calls onRemoved, and the page says so.
      await screen.locator('.toggle').click();
      await expect.poll(() => screen.locator('.removed').textContent()).toBe('Đã bỏ bộ đếm');
      expect(await screen.locator('.qty-counter').count()).toBe(0);
      // tini-style's utility class, from app.tcss's npm @import (and the files it imports in turn).
      expect(await screen.locator('.removed').evaluate((el) => getComputedStyle(el).textAlign)).toBe(
        'center',
      );
      const mounted = await page.evaluate(() =>
        (window as unknown as { __tiniPreview: { components(): { is: string }[] } }).__tiniPreview
          .components()
          .map((c) => c.is),
      );
      expect(mounted).toEqual(['node_modules/@tiki.vn/tini-ui/es/badge/index']);
      // Back again: a fresh instance, counting from 0.
      await screen.locator('.toggle').click();
      await expect.poll(() => screen.locator('.count').textContent()).toBe('0');

      expect(await problems(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
