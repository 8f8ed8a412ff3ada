/**
 * The mini app in the browser preview, for real: the preview server (first, so the server knows its origin for
 * CORS), the world of testing/world.ts built into the folder it serves, and Debian's Chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from '@tini-starter/tini-preview/chromium';
import { type Preview, startPreview } from '@tini-starter/tini-preview/server';
import type { Browser, Page } from 'playwright-core';
import { startWorld, type World } from './world.ts';

export interface PreviewWorld {
  world: World;
  preview: Preview;
  browser: Browser;
  /** A new browser context on the preview, its script loaded and the first page drawn; `watch` sees it first. */
  open(watch?: (page: Page) => void): Promise<Page>;
  close(): Promise<void>;
}

export async function startPreviewWorld(): Promise<PreviewWorld> {
  const distDir = mkdtempSync(path.join(tmpdir(), 'miniapp-preview-'));
  const preview = await startPreview({ root: distDir, name: 'Tini Starter' });
  const world = await startWorld({ distDir, serverEnv: { MINIAPP_PREVIEW_PORT: new URL(preview.url).port } });
  const browser = await launchChromium();
  return {
    world,
    preview,
    browser,
    async open(watch) {
      const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
      const page = await context.newPage();
      watch?.(page);
      await page.goto(preview.url);
      await page.waitForSelector('html[data-tini-ready]');
      return page;
    },
    async close() {
      await browser.close();
      await preview.close();
      await world.close();
    },
  };
}

/** Taps “Đăng nhập với Tiki” and waits for the profile. */
export async function signIn(page: Page): Promise<void> {
  await page.locator('page').getByRole('button', { name: 'Đăng nhập với Tiki', exact: true }).click();
  await page.locator('.profile-name', { hasText: 'Ti Ni' }).waitFor();
}
