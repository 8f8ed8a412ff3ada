/**
 * Tiki's IPN as a test or the bench sends it: the body ipn.md shapes (ids as strings, an RFC 3339 time with an
 * offset), signed like a POST to Tiki with the app's pair, and the three X-Tiniapp-* headers that carry it.
 */
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '../dev/dev.ts';
import { TIKI_HEADERS } from '../facts/schemas.ts';
import { signBody } from '../signing/sign.ts';

export interface IpnClaim {
  /** Tiki's order id. */
  id: string;
  status: string;
  grand_total: number;
  reference_id: string;
}

export function signedIpn(i: {
  order: IpnClaim;
  messageId: string;
  /** The signature's timestamp, ms. */
  timestamp: number;
  /** `message_created_at`; default the timestamp's instant. */
  createdAt?: string;
  credentials?: { clientId: string; clientSecret: string };
}): { body: string; signature: string; headers: Record<string, string> } {
  const { clientId, clientSecret } = i.credentials ?? {
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
  };
  const body = JSON.stringify({
    message_id: i.messageId,
    message_type: 'notification',
    message_created_at: i.createdAt ?? new Date(i.timestamp).toISOString().replace('Z', '+00:00'),
    order: { tiki_order_id: '', tiki_order_code: '', extra: '', ...i.order },
  });
  const timestamp = String(Math.floor(i.timestamp));
  const signature = signBody({ clientId, clientSecret, timestamp, body });
  return {
    body,
    signature,
    headers: {
      'content-type': 'application/json',
      [TIKI_HEADERS.clientId]: clientId,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signature,
    },
  };
}
