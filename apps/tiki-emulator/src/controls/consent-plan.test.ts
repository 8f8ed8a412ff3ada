import { describe, expect, it } from 'vitest';
import {
  control,
  DEV,
  ERROR_METADATA,
  exchange,
  postPageForm,
  type Running,
  startEmulator,
} from '../testing/harness.ts';

const ALL = ['user_profile', 'offline'];

/** What the development mini app's consent fallback sends. */
const consentFallback = (run: Running) =>
  control(run, 'POST', '/auth-codes', { clientId: DEV.clientId, scopes: ALL });

const postForm = (run: Running, fields: [string, string][], headers: Record<string, string> = {}) =>
  postPageForm(run, '/consent', fields, headers);

describe('the next consent (POST /__emulator/consent), taken once by the consent fallback', () => {
  it('signs the next consent in as the chosen customer, refusing ("2") and not allowing ("1") the chosen scopes', async () => {
    const run = await startEmulator();
    const set = await control(run, 'POST', '/consent', {
      customerId: 2,
      refuse: ['offline'],
      notAllowed: [],
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      consent: { customerId: 2, refuse: ['offline'], notAllowed: [], cancel: false },
    });
    const answer = await consentFallback(run);
    expect(answer.body).toMatchObject({
      authSuccessScopes: ['user_profile'],
      authErrorScopes: { offline: '2' },
    });
    const grant = await exchange(run, answer.body.authCode as string);
    expect(grant.body.data).toMatchObject({ customer: { id: 2 }, scopes: ['user_profile'] });

    // Once: the consent after it is the default one again.
    expect((await control(run, 'GET', '/consent')).body).toEqual({ consent: null });
    const next = await consentFallback(run);
    expect(next.body).toMatchObject({ authSuccessScopes: ALL, authErrorScopes: {} });
    expect((await exchange(run, next.body.authCode as string)).body.data).toMatchObject({
      customer: { id: 1 },
    });
  });

  it('answers "1" for a scope the app registered but the page does not allow this time', async () => {
    const run = await startEmulator();
    await control(run, 'POST', '/consent', { notAllowed: ['user_profile'] });
    const answer = await consentFallback(run);
    expect(answer.body).toMatchObject({
      authSuccessScopes: ['offline'],
      authErrorScopes: { user_profile: '1' },
    });
  });

  it('answers a cancel with user_cancelled (409) and no code, once', async () => {
    const run = await startEmulator();
    await control(run, 'POST', '/consent', { cancel: true });
    const cancelled = await consentFallback(run);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body).toEqual({
      data: null,
      error: {
        code: 409,
        reason: 'user_cancelled',
        message: 'the user cancelled the consent (the emulator page chose so)',
        metadata: ERROR_METADATA,
      },
    });
    expect(run.emulator.snapshot().codes).toEqual([]);
    expect((await consentFallback(run)).status).toBe(200);
  });

  it('keeps the choice when the emulator refuses the consent request itself (unknown client)', async () => {
    const run = await startEmulator();
    await control(run, 'POST', '/consent', { customerId: 3 });
    const refused = await control(run, 'POST', '/auth-codes', { clientId: 'nobody' });
    expect(refused.status).toBe(400);
    expect((await control(run, 'GET', '/consent')).body).toMatchObject({ consent: { customerId: 3 } });
  });

  it('refuses an unknown customer or a malformed choice, and clears with DELETE', async () => {
    const run = await startEmulator();
    const unknown = await control(run, 'POST', '/consent', { customerId: 99 });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      error: { reason: 'invalid_request', message: 'unknown customer id 99' },
    });
    const malformed = await control(run, 'POST', '/consent', { refuse: 'offline' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { reason: 'invalid_request' } });
    expect((await control(run, 'GET', '/consent')).body).toEqual({ consent: null });

    await control(run, 'POST', '/consent', { cancel: true });
    expect(await control(run, 'DELETE', '/consent')).toMatchObject({ status: 200, body: { consent: null } });
    expect((await consentFallback(run)).status).toBe(200);
  });

  it('notes each choice and its use in the request log', async () => {
    const run = await startEmulator();
    await control(run, 'POST', '/consent', { customerId: 2, refuse: ['offline'] });
    await consentFallback(run);
    const messages = run.emulator.requests().map((entry) => entry.message);
    expect(messages).toEqual([
      'next consent: customer 2 consents, refusing offline ("2")',
      'the page\'s choice: customer 2 consents, refusing offline ("2")',
    ]);
  });
});

describe('the page’s consent form', () => {
  it('sets the choice from the form and goes back to the panel; "Back to the default" clears it', async () => {
    const run = await startEmulator();
    const set = await postForm(run, [
      ['customerId', '3'],
      ['refuse', 'offline'],
      ['notAllowed', 'user_profile'],
      ['action', 'set'],
    ]);
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/__emulator/#consent');
    expect((await control(run, 'GET', '/consent')).body).toEqual({
      consent: { customerId: 3, refuse: ['offline'], notAllowed: ['user_profile'], cancel: false },
    });
    const html = await (await fetch(`${run.origin}/__emulator/`)).text();
    expect(html).toContain(
      'Next consent: <strong>customer 3 consents, refusing offline (&quot;2&quot;), with user_profile not allowed (&quot;1&quot;)</strong>',
    );
    expect(html).toContain('<option value="3" selected>');

    expect((await postForm(run, [['action', 'clear']])).status).toBe(303);
    expect((await control(run, 'GET', '/consent')).body).toEqual({ consent: null });
  });

  it('takes an empty customer as the default one, and the cancel box as a cancel', async () => {
    const run = await startEmulator();
    await postForm(run, [
      ['customerId', ''],
      ['cancel', 'on'],
      ['action', 'set'],
    ]);
    expect((await control(run, 'GET', '/consent')).body).toEqual({
      consent: { refuse: [], notAllowed: [], cancel: true },
    });
  });

  it('refuses a form posted by another site (403 forbidden_origin), changing nothing', async () => {
    const run = await startEmulator();
    const fields: [string, string][] = [
      ['cancel', 'on'],
      ['action', 'set'],
    ];
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: '' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const response = await postForm(run, fields, headers);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { reason: 'forbidden_origin' } });
    }
    expect((await control(run, 'GET', '/consent')).body).toEqual({ consent: null });
  });

  it('refuses a form with a customer that is not a number', async () => {
    const run = await startEmulator();
    const response = await postForm(run, [
      ['customerId', 'two'],
      ['action', 'set'],
    ]);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { reason: 'invalid_request' } });
  });
});
