/**
 * The built mini app in the browser preview (`pnpm dev`'s, packages/tini-preview), driven in Debian's Chromium
 * as a developer taps it: against the real emulator and server, every page drawn from its TXML and TCSS by the
 * preview's renderer and run by the shared Tini host. Each step saves a screenshot in test-artifacts/preview/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewWorld, signIn as signInOn, startPreviewWorld } from './testing/preview-world.ts';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/preview/', import.meta.url));

let previewWorld: PreviewWorld;
let page: Page;
/** Whether a test opened a page that afterEach still has to check and close. */
let opened = false;
let problems: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  previewWorld = await startPreviewWorld();
});
afterAll(() => previewWorld?.close());

async function open(): Promise<void> {
  problems = [];
  opened = true;
  page = await previewWorld.open((opened) => {
    opened.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    opened.on('console', (message) => {
      // The app's own warnings are its business (a canceled payment is logged); errors are not.
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });
}

afterEach(async () => {
  if (!opened) return;
  opened = false;
  const shown = await page.evaluate(() =>
    (globalThis as unknown as { __tiniPreview: { problems(): string[] } }).__tiniPreview.problems(),
  );
  await page.context().close();
  expect([...problems, ...shown]).toEqual([]);
});

const phone = () => page.locator('#tini-phone');
const screenshot = (name: string) => phone().screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
const button = (name: string) => page.locator('page').getByRole('button', { name, exact: true });

const signIn = () => signInOn(page);

describe('the mini app in the browser preview, in Chromium', () => {
  it('signs in with the default consent and shows the profile, then signs out', async () => {
    await open();
    await expect.poll(() => page.locator('#tini-title').textContent()).toBe('Tài khoản Tiki');
    await screenshot('signed-out');
    await signIn();
    expect(await page.locator('.chip').allTextContents()).toHaveLength(2);
    await screenshot('signed-in');

    await button('Đăng xuất').click();
    await button('Đăng nhập với Tiki').waitFor();
    await screenshot('signed-out-again');
  });

  it('signs in with offline refused on the emulator’s consent panel', async () => {
    await open();
    const panel = await page.context().newPage();
    await panel.goto(`${previewWorld.world.emulatorOrigin}/__emulator/`);
    await panel.getByRole('group', { name: 'The user refuses' }).getByLabel('offline').check();
    await Promise.all([
      panel.waitForURL('**/__emulator/#consent'),
      panel.getByRole('button', { name: 'Use for the next consent' }).click(),
    ]);
    await panel.close();
    await signIn();
    expect(await page.locator('.chip').allTextContents()).toHaveLength(1);
    await screenshot('signed-in-without-offline');
  });

  it('buys in the shop: paid and delivered, then the orders list', async () => {
    await open();
    await signIn();
    await button('Mua gói xu').click();
    await expect.poll(() => page.locator('#tini-title').textContent()).toBe('Cửa hàng');
    await page.locator('.product').first().getByRole('button', { name: '+' }).click();
    await expect.poll(() => page.locator('.quantity').first().textContent()).toBe('1');
    await screenshot('shop');
    await button('Thanh toán').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Thanh toán thành công' }).click();
    await expect.poll(() => page.locator('.card-title.good').textContent()).toBe('Thanh toán thành công');
    await expect
      .poll(() => page.locator('page .row').nth(2).textContent(), { timeout: 15_000 })
      .toMatch(/Đã giao|Hoàn tất/);
    await screenshot('paid');

    await button('Đơn hàng của tôi').click();
    await expect.poll(() => page.locator('#tini-title').textContent()).toBe('Đơn hàng của tôi');
    await expect.poll(() => page.locator('page .card').count()).toBeGreaterThan(0);
    await screenshot('orders');
    await page.locator('#tini-back').click();
    await expect.poll(() => page.locator('#tini-title').textContent()).toBe('Cửa hàng');
  });

  it('pays, then cancels on the payment screen', async () => {
    await open();
    await signIn();
    await button('Mua gói xu').click();
    await page.locator('.product').first().getByRole('button', { name: '+' }).click();
    await button('Thanh toán').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Hủy thanh toán' }).click();
    // The cart stays, under the alert that says nothing was paid.
    await expect.poll(() => page.locator('.alert-title').textContent()).toBe('Bạn chưa thanh toán');
    expect(await page.locator('.quantity').first().textContent()).toBe('1');
    await expect.poll(() => previewWorld.world.emulator.orders().at(-1)?.status).toBe('canceled');
    await screenshot('payment-canceled');
  });
});

describe('the README’s screenshot', () => {
  it('is made by screenshot.ts from a real run: a PNG of the signed-in phone', async () => {
    const { takeScreenshot } = await import('../screenshot.ts');
    const file = path.join(ARTIFACTS, 'readme.png');
    await takeScreenshot(file);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // The phone: 375 px and its border, at 1x.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(395);
    expect(png.readUInt32BE(16)).toBeLessThanOrEqual(397);
  });
});
