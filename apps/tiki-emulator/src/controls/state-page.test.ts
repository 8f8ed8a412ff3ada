import { describe, expect, it } from 'vitest';
import { DEV, login, me, OTHER_APP, postPageForm, startEmulator, tikiClient } from '../testing/harness.ts';

async function page(origin: string) {
  const response = await fetch(`${origin}/__emulator/`);
  return { status: response.status, headers: response.headers, html: await response.text() };
}

describe('GET /__emulator/ (the state page)', () => {
  it('renders apps, customers, live codes and tokens (masked) and the request log', async () => {
    const run = await startEmulator();
    const pending = run.emulator.issueAuthCode({ clientId: DEV.clientId, scopes: ['user_profile'] }).authCode;
    const tokens = await login(run);
    await me(run, tokens.access_token, {
      credentials: { clientId: DEV.clientId, clientSecret: OTHER_APP.clientSecret },
    });
    run.emulator.setFault({ route: 'refresh', kind: 'status', status: 503, times: 2 });

    const { status, headers, html } = await page(run.origin);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    expect(html).toContain('<title>Tiki emulator</title>');
    // Ids and paths wrap only where a cell would overflow, not mid-word everywhere (as break-all did).
    expect(html).toContain('overflow-wrap: anywhere');
    expect(html).not.toContain('break-all');
    expect(html).toContain('State lives in memory');
    expect(html).toContain('Lifetimes: auth code 60 s, access token 3600 s,\nrefresh token 30 d.');
    // Apps by client id, never their secrets.
    expect(html).toContain(`<code>${DEV.clientId}</code>`);
    expect(html).toContain(`<code>${OTHER_APP.clientId}</code>`);
    expect(html).not.toContain(DEV.clientSecret);
    expect(html).not.toContain(OTHER_APP.clientSecret);
    // Customers, with diacritics.
    expect(html).toContain('<td>Ti Ni</td>');
    expect(html).toContain('<td>Nguyễn Thị Minh Khai</td>');
    // Codes and tokens as prefixes only.
    expect(html).toContain(`<code>${pending.slice(0, 6)}…</code>`);
    // Expiries in the unit a person reads: the code in 60 s, the access token in an hour, the refresh in 30 d.
    expect(html).toContain('<td>in 60 s</td>');
    expect(html).toContain('<td>in 60 min</td>');
    expect(html).toContain('<td>in 30 d</td>');
    expect(html).not.toMatch(/in \d{4,} s/);
    expect(html).toContain(`<code>${tokens.access_token.slice(0, 6)}…</code>`);
    expect(html).toContain(`<code>${(tokens.refresh_token ?? '').slice(0, 6)}…</code>`);
    for (const credential of [pending, tokens.access_token, tokens.refresh_token ?? '']) {
      expect(html).not.toContain(credential);
    }
    // Faults and the request log with the verdict and the payload that was expected.
    expect(html).toContain('<td>status 503</td><td>2</td>');
    expect(html).toContain('<code>POST /tiniapp-open-api/oauth/me</code>');
    expect(html).toContain('invalid_signature');
    expect(html).toContain(
      `expected payload (credentials masked): <code>${run.clock.now()}.${DEV.clientId}.{&quot;access_token&quot;:&quot;${tokens.access_token.slice(0, 6)}…&quot;}</code>`,
    );
  });

  it('escapes everything it shows', async () => {
    const run = await startEmulator({
      apps: [{ clientId: '<img src=x onerror=alert(1)>', clientSecret: 's', allowedScopes: ['<b>'] }],
      customers: [{ id: 1, name: '<script>alert("tên")</script>', email: '"a"@example.com' }],
    });
    await fetch(`${run.origin}/<svg onload=alert(1)>`);
    const { html } = await page(run.origin);
    expect(html).not.toMatch(/<script|<img|<svg|<b>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;tên&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;a&quot;@example.com');
    expect(html).toContain('/%3Csvg%20onload=alert(1)%3E');
  });

  it('is not itself written to the request log', async () => {
    const run = await startEmulator();
    await page(run.origin);
    await page(run.origin);
    expect(run.emulator.requests()).toEqual([]);
  });

  it('reloads itself with ?refresh=N and shows only the newest rows of long tables', async () => {
    const run = await startEmulator();
    for (let i = 0; i < 105; i += 1) run.emulator.issueAuthCode({ clientId: DEV.clientId });
    const response = await fetch(`${run.origin}/__emulator/?refresh=5`);
    const html = await response.text();
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    // "?" and not "./": the page is also served at /__emulator, where "./" is the origin's root.
    expect(html).toContain('Reloads every 5 s (<a href="?">stop</a>).');
    expect(html).toContain('5 older rows not shown (see GET /__emulator/state).');
    expect((await page(run.origin)).html).not.toContain('http-equiv');
    expect(await (await fetch(`${run.origin}/__emulator/?refresh=<x>`)).text()).not.toContain('http-equiv');
  });
});

describe('the page’s orders and IPN messages', () => {
  it('lists orders with the payment screen’s buttons, which pay from the page, and the IPN that followed', async () => {
    const run = await startEmulator();
    const order = await tikiClient(run).createOrder({
      customer_id: '2',
      items: [{ name: 'Gói 100 xu', quantity: 3, price: 50_000 }],
      reference_id: 'ord_page',
    });
    let html = (await page(run.origin)).html;
    expect(html).toContain(`<td><code>${order.id}</code></td>`);
    expect(html).toContain('<td>150,000</td>');
    expect(html).toContain('<td>3 × Gói 100 xu</td>');
    expect(html).toContain(`action="/__emulator/orders/${order.id}/pay"`);
    expect(html).toContain('<button type="submit" name="outcome" value="success">Pay</button>');

    const paid = await postPageForm(run, `/orders/${order.id}/pay`, [['outcome', 'success']]);
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('/__emulator/#orders');
    html = (await page(run.origin)).html;
    expect(html).toContain('<span class="good">online_paid</span>');
    expect(html).not.toContain(`action="/__emulator/orders/${order.id}/pay"`);
    expect(html).toContain(`action="/__emulator/orders/${order.id}/cancel"`);
    // No IPN URL in this emulator: the table says none was sent.
    expect(html).toContain('No IPN sent yet');

    const foreign = await postPageForm(run, `/orders/${order.id}/cancel`, [], {
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    const bad = await postPageForm(run, `/orders/${order.id}/pay`, [['outcome', 'maybe']]);
    expect(bad.status).toBe(400);
  });
});
