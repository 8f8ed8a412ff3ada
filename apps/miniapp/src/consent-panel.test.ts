/**
 * The emulator's consent panel, used as a developer uses it: a real headless Chromium opens the emulator's page
 * and submits the form; the development build of the mini app then signs in through its consent fallback and
 * must get exactly what was chosen, once.
 */

import { launch } from '@tini-starter/tini-host/node';
import { launchChromium } from '@tini-starter/tini-preview/chromium';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostGivesNoCode } from './testing/auth-codes.ts';
import { startWorld, type World } from './testing/world.ts';

interface Shown {
  phase: string;
  account: { name: string; tikiCustomerId: number; scopes: { name: string }[] } | null;
  error: { title: string; action: string } | null;
}

let world: World;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  world = await startWorld();
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** Opens the emulator's page, lets `choose` fill the panel, submits it and reads the line it shows after. */
async function chooseOnPanel(choose: (page: Page) => Promise<unknown>): Promise<string> {
  await page.goto(`${world.emulatorOrigin}/__emulator/`);
  await choose(page);
  await Promise.all([
    page.waitForURL('**/__emulator/#consent'),
    page.getByRole('button', { name: 'Use for the next consent' }).click(),
  ]);
  return pendingLine();
}

async function pendingLine(): Promise<string> {
  return ((await page.locator('#consent-pending').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Studio without a Tini Console app: the host gives no code, so the development build asks the emulator. */
async function signIn(): Promise<Shown> {
  const app = await launch({ distDir: world.distDir, authCodes: hostGivesNoCode });
  await app.page.idle();
  await app.page.tap('onSignInTap');
  return app.page.data() as unknown as Shown;
}

describe('the emulator page’s consent panel, in Chromium, steers the mini app’s next sign-in', () => {
  it('signs the next consent in as the chosen customer, then the default one again', async () => {
    const pending = await chooseOnPanel((p) =>
      p.getByLabel('Signs in as').selectOption({ label: '2 Nguyễn Thị Minh Khai' }),
    );
    expect(pending).toBe('Next consent: customer 2 consents, then the default again.');

    expect(await signIn()).toMatchObject({
      phase: 'signed_in',
      account: { tikiCustomerId: 2, name: 'Nguyễn Thị Minh Khai' },
    });
    expect(await signIn()).toMatchObject({
      phase: 'signed_in',
      account: { tikiCustomerId: 1, name: 'Ti Ni' },
    });

    await page.reload();
    expect(await pendingLine()).toContain('Next consent: the default');
  });

  it('a refused scope the login needs ("2") shows the refusal; a refused optional one still signs in', async () => {
    await chooseOnPanel((p) =>
      p.getByRole('group', { name: 'The user refuses' }).getByLabel('user_profile').check(),
    );
    expect(await signIn()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Bạn chưa đồng ý chia sẻ thông tin', action: 'sign_in' },
    });

    await chooseOnPanel((p) =>
      p.getByRole('group', { name: 'The user refuses' }).getByLabel('offline').check(),
    );
    const shown = await signIn();
    expect(shown.phase).toBe('signed_in');
    expect(shown.account?.scopes.map((s) => s.name)).toEqual(['user_profile']);
  });

  it('a scope the app may not request ("1") shows what the developer must enable', async () => {
    const pending = await chooseOnPanel((p) =>
      p.getByRole('group', { name: 'The app may not request' }).getByLabel('user_profile').check(),
    );
    expect(pending).toBe(
      'Next consent: the default customer consents, with user_profile not allowed ("1"), then the default again.',
    );
    expect(await signIn()).toMatchObject({ error: { title: 'Ứng dụng chưa được cấp quyền' } });
  });

  it('a cancel shows that the user cancelled, and “Back to the default” drops a choice', async () => {
    await chooseOnPanel((p) => p.getByLabel('The user cancels').check());
    expect(await signIn()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Bạn đã hủy đăng nhập', action: 'sign_in' },
    });

    await chooseOnPanel((p) => p.getByLabel('The user cancels').check());
    await Promise.all([
      page.waitForURL('**/__emulator/#consent'),
      page.getByRole('button', { name: 'Back to the default' }).click(),
    ]);
    expect(await pendingLine()).toContain('Next consent: the default');
    expect(await signIn()).toMatchObject({ phase: 'signed_in', account: { tikiCustomerId: 1 } });
  });
});
