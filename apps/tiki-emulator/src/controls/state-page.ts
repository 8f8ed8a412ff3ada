import { isPaidOnline } from '@tini-starter/tiki-platform/order-status';
import { KNOWN_TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import type { EmulatorOrder } from '../state/orders.ts';
import { DEFAULT_CUSTOMER_ID, type StateSnapshot } from '../state/state.ts';
import type { IpnRecord } from '../tiki/ipn-sender.ts';
import { type ConsentPlan, describeConsentPlan } from './consent-plan.ts';
import type { Fault } from './faults.ts';
import { describeFault } from './faults.ts';
import { escapeHtml } from './html.ts';
import type { RequestLogEntry } from './request-log.ts';

export interface StatePageInput {
  state: StateSnapshot;
  faults: Fault[];
  requests: RequestLogEntry[];
  clockAdjustable: boolean;
  /** What the next consent answers (the panel), or null for the default. */
  consent: ConsentPlan | null;
  /** Where the panel's form posts. */
  consentAction: string;
  orders: EmulatorOrder[];
  ipn: IpnRecord[];
  /** Where the controls are mounted (the pay buttons post under it). */
  controlBasePath: string;
  /** Seconds between automatic reloads (the page's ?refresh=N), or none. */
  refreshSeconds?: number;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d2433; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; vertical-align: top; }
th { background: #eef1f6; font-weight: 600; } tr:nth-child(even) td { background: #f8f9fb; }
code { font: 12.5px ui-monospace, monospace; overflow-wrap: anywhere; } .muted { color: #6b7385; }
td { max-width: 32rem; }
form.consent { display: grid; gap: .6rem; max-width: 48rem; } fieldset { border: 1px solid #d0d5dd; padding: .4rem .75rem; }
fieldset label { margin-right: 1rem; white-space: nowrap; } .pending { background: #eef4ff; padding: .5rem .75rem; }
.bad { color: #b42318; } .good { color: #067647; } .note { background: #fffbe6; padding: .5rem .75rem; }
`;

/** Tables show the newest rows only: a load run leaves thousands behind, and the page must stay readable. */
export const PAGE_ROWS = 100;

function table(headers: string[], allRows: string[][], empty: string): string {
  if (allRows.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  const rows = allRows.slice(0, PAGE_ROWS);
  const more =
    allRows.length > rows.length
      ? `<p class="muted">${escapeHtml(allRows.length - rows.length)} older rows not shown (see GET /__emulator/state).</p>`
      : '';
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}

const text = (value: unknown): string => escapeHtml(value);
const code = (value: unknown): string => `<code>${escapeHtml(value)}</code>`;
const list = (values: string[]): string =>
  values.length === 0 ? '<span class="muted">none</span>' : text(values.join(' '));

/** 'in 45 s', 'in 60 min', 'in 30 d', '2 h ago': the unit a person reads at a glance. */
function relative(ms: number, now: number): string {
  const seconds = Math.round((ms - now) / 1000);
  const span = humanSpan(Math.abs(seconds));
  return seconds >= 0 ? `in ${span}` : `${span} ago`;
}

function humanSpan(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** 60 s, 3600 s, 30 d: lifetimes as a developer configures them. */
function duration(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  return `${ms / 1000} s`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkboxes(name: string, scopes: readonly string[], checked: readonly string[]): string {
  return scopes
    .map(
      (scope) =>
        `<label><input type="checkbox" name="${name}" value="${escapeHtml(scope)}"${checked.includes(scope) ? ' checked' : ''}> ${code(scope)}</label>`,
    )
    .join('\n');
}

/**
 * The consent panel: the development mini app's next my.getAuthCode (through POST /__emulator/auth-codes) gets
 * what is chosen here, once. The form posts to the emulator itself and comes back to #consent.
 */
function consentPanel(input: StatePageInput): string {
  const { state, consent } = input;
  const scopes = [...new Set([...KNOWN_TIKI_SCOPES, ...state.apps.flatMap((app) => app.allowedScopes)])];
  const fallback = state.customers.find((c) => c.id === DEFAULT_CUSTOMER_ID);
  const options = [
    `<option value="">the default${fallback === undefined ? '' : `: ${text(fallback.id)} ${text(fallback.name)}`}</option>`,
    ...state.customers.map(
      (c) =>
        `<option value="${escapeHtml(c.id)}"${consent?.customerId === c.id ? ' selected' : ''}>${text(c.id)} ${text(c.name)}</option>`,
    ),
  ].join('');
  const now =
    consent === null
      ? 'the default: the default customer consents to every scope the app may request.'
      : `<strong>${text(describeConsentPlan(consent))}</strong>, then the default again.`;
  return `<p class="pending" id="consent-pending">Next consent: ${now}</p>
<form class="consent" method="post" action="${escapeHtml(input.consentAction)}">
<label>Signs in as <select name="customerId">${options}</select></label>
<fieldset><legend>The user refuses (authErrorScopes "2")</legend>
${checkboxes('refuse', scopes, consent?.refuse ?? [])}
</fieldset>
<fieldset><legend>The app may not request (authErrorScopes "1")</legend>
${checkboxes('notAllowed', scopes, consent?.notAllowed ?? [])}
</fieldset>
<label><input type="checkbox" name="cancel"${consent?.cancel === true ? ' checked' : ''}> The user cancels: closes the consent sheet</label>
<div><button type="submit" name="action" value="set">Use for the next consent</button>
<button type="submit" name="action" value="clear">Back to the default</button></div>
</form>
<p class="muted">Applies to the development mini app's consent fallback (POST /__emulator/auth-codes), once. Also as JSON: POST /__emulator/consent.</p>`;
}

const PAY_OUTCOMES = [
  ['success', 'Pay'],
  ['cancel', 'Cancel'],
  ['abandon', 'Abandon (canceled in 4 h)'],
] as const;

/** Orders, newest first; an unpaid one has the payment screen's buttons (Console's sandbox switch, in effect). */
function ordersTable(input: StatePageInput): string {
  const now = input.state.now;
  return table(
    [
      'order id',
      'status',
      'total (VND)',
      'reference id',
      'client id',
      'customer',
      'items',
      'updated',
      'payment screen',
    ],
    input.orders
      .slice()
      .reverse()
      .map((order) => [
        code(order.id),
        order.status === 'completed' || order.status === 'online_paid'
          ? `<span class="good">${text(order.status)}</span>`
          : order.status === 'canceled'
            ? `<span class="bad">${text(order.status)}</span>`
            : text(order.status),
        text(order.grand_total.toLocaleString('en-US')),
        code(order.reference_id),
        code(order.clientId),
        text(order.customerId),
        text(order.items.map((item) => `${item.quantity} × ${item.name}`).join(', ')),
        text(relative(order.updatedAt, now)) +
          (order.cancelAt === null
            ? ''
            : `<div class="muted">canceled ${text(relative(order.cancelAt, now))}</div>`),
        order.status === 'draft' && !order.paymentUsed
          ? `<form method="post" action="${escapeHtml(`${input.controlBasePath}/orders/${order.id}/pay`)}">${PAY_OUTCOMES.map(
              ([outcome, label]) =>
                `<button type="submit" name="outcome" value="${outcome}">${label}</button>`,
            ).join(' ')}</form>` +
            // COD is the app's choice (my.makePayment's paymentMethod): this button plays an app that asked.
            `<form method="post" action="${escapeHtml(`${input.controlBasePath}/orders/${order.id}/pay`)}"><input type="hidden" name="paymentMethod" value="cod"><button type="submit" name="outcome" value="cod">Cash on delivery (as if the app asked for it)</button></form>`
          : order.status === 'completed' || order.status === 'canceled'
            ? ''
            : (order.status === 'processing'
                ? `<form method="post" action="${escapeHtml(`${input.controlBasePath}/orders/${order.id}/ship`)}"><button type="submit">Ship (on_delivery)</button></form>`
                : '') +
              `<form method="post" action="${escapeHtml(`${input.controlBasePath}/orders/${order.id}/cancel`)}"><button type="submit">Cancel at Tiki${isPaidOnline(order) ? ' (refund)' : ''}</button></form>`,
      ]),
    'No order yet: POST /order (the server creates one at checkout).',
  );
}

function ipnTable(input: StatePageInput): string {
  const now = input.state.now;
  return table(
    ['message id', 'order', 'status sent', 'to', 'delivery', 'attempts (status)', 'next attempt'],
    input.ipn
      .slice()
      .reverse()
      .map((m) => [
        code(m.messageId),
        code(m.orderId),
        text(m.status),
        code(m.url),
        m.state === 'delivered'
          ? '<span class="good">delivered</span>'
          : `<span class="bad">${text(m.state)}</span>`,
        text(m.attempts.map((a) => (a.status === 0 ? 'none' : String(a.status))).join(', ')),
        m.nextAttemptAt === null ? '' : text(relative(m.nextAttemptAt, now)),
      ]),
    'No IPN sent yet (one goes out when an order is paid or canceled on the payment screen).',
  );
}

/** The human view of the emulator: what is registered, what is live, and what came in (credentials masked). */
export function renderStatePage(input: StatePageInput): string {
  const { state, faults, requests } = input;
  const now = state.now;
  const apps = table(
    ['client id', 'name', 'allowed scopes'],
    state.apps.map((app) => [code(app.clientId), text(app.name ?? ''), list(app.allowedScopes)]),
    'No app registered.',
  );
  const customers = table(
    ['id', 'name', 'email', 'phone'],
    state.customers.map((c) => [text(c.id), text(c.name), text(c.email ?? ''), text(c.phone_number ?? '')]),
    'No customer.',
  );
  const codes = table(
    ['code', 'status', 'client id', 'customer', 'scopes', 'expires'],
    state.codes
      .slice()
      .reverse()
      .map((c) => [
        code(c.code),
        c.status === 'live'
          ? '<span class="good">live</span>'
          : `<span class="muted">${text(c.status)}</span>`,
        code(c.clientId),
        text(c.customerId),
        list(c.scopes),
        text(relative(c.expiresAt, now)),
      ]),
    'No auth code issued yet: call my.getAuthCode (POST /__emulator/auth-codes).',
  );
  const tokens = table(
    ['kind', 'token', 'family', 'client id', 'customer', 'scopes', 'expires'],
    state.tokens
      .slice()
      .reverse()
      .map((t) => [
        text(t.kind),
        code(t.token),
        text(t.family),
        code(t.clientId),
        text(t.customerId),
        list(t.scopes),
        text(relative(t.expiresAt, now)),
      ]),
    'No live token.',
  );
  const revoked = state.families.filter((f) => f.revoked !== null);
  const families = table(
    ['family', 'client id', 'customer', 'revoked because'],
    revoked
      .slice()
      .reverse()
      .map((f) => [
        text(f.id),
        code(f.clientId),
        text(f.customerId),
        `<span class="bad">${text(f.revoked)}</span>`,
      ]),
    'No revoked token family.',
  );
  const faultRows = table(
    ['route', 'fault', 'remaining'],
    faults.map((f) => [text(f.route), text(describeFault(f)), text(f.times ?? 'until cleared')]),
    'No fault injected.',
  );
  const log = table(
    ['#', 'at', 'request', 'route', 'status', 'verdict', 'client id', 'details'],
    requests
      .slice()
      .reverse()
      .map((r) => [
        text(r.id),
        text(iso(r.at)),
        code(`${r.method} ${r.path}`),
        text(r.operation !== undefined && r.operation !== r.route ? `${r.route} (${r.operation})` : r.route),
        text(r.status === 0 ? 'dropped' : r.status),
        r.verdict === 'ok' ? '<span class="good">ok</span>' : `<span class="bad">${text(r.verdict)}</span>`,
        r.clientId === undefined ? '' : code(r.clientId),
        [
          r.message === undefined ? '' : text(r.message),
          r.fault === undefined ? '' : `<div class="muted">fault: ${text(r.fault)}</div>`,
          r.requestId === undefined ? '' : `<div class="muted">request id: ${code(r.requestId)}</div>`,
          r.expectedPayload === undefined
            ? ''
            : `<div>expected payload (credentials masked): ${code(r.expectedPayload)}</div>`,
        ].join(''),
      ]),
    'No request yet.',
  );
  const l = state.lifetimes;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${
    input.refreshSeconds === undefined
      ? ''
      : `\n<meta http-equiv="refresh" content="${escapeHtml(input.refreshSeconds)}">`
  }
<title>Tiki emulator</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Tiki emulator</h1>
<p class="muted">Emulator clock: ${text(iso(now))}${input.clockAdjustable ? ' (adjustable: POST /__emulator/clock)' : ''}.
Lifetimes: auth code ${text(duration(l.authCodeMs))}, access token ${text(duration(l.accessTokenMs))},
refresh token ${text(duration(l.refreshTokenMs))}.
${input.refreshSeconds === undefined ? 'Reload to refresh, or open <a href="?refresh=5">?refresh=5</a>.' : `Reloads every ${text(input.refreshSeconds)} s (<a href="?">stop</a>).`}</p>
<p class="note">State lives in memory and is lost on restart. Codes and tokens are shown as a prefix only.</p>
<h2 id="consent">Next consent</h2>
${consentPanel(input)}
<h2>Apps</h2>
${apps}
<h2>Customers</h2>
${customers}
<h2>Auth codes</h2>
${codes}
<h2>Live tokens</h2>
${tokens}
<h2>Revoked token families</h2>
${families}
<h2 id="orders">Orders</h2>
${ordersTable(input)}
<h2>IPN messages</h2>
${ipnTable(input)}
<h2>Faults</h2>
${faultRows}
<h2>Requests (newest first, last ${text(requests.length)})</h2>
${log}
</body>
</html>
`;
}
