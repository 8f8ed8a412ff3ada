import { randomBytes } from 'node:crypto';

/**
 * Tiki said no. `reason` is Tiki's (invalid_code, invalid_token, invalid_signature) or, for cases Tiki does not
 * document, the emulator's own (invalid_request, invalid_client, payload_too_large, not_found...).
 * `message` never contains a credential.
 */
export class TikiRejection extends Error {
  override readonly name = 'TikiRejection';
  constructor(
    readonly reason: string,
    message: string,
    /** HTTP status, and the envelope's `code`. Tiki answers 400 for every documented reason. */
    readonly status = 400,
    /** For signature mismatches: the payload the emulator expected (already masked). */
    readonly expectedPayload?: string,
    /** For invalid_signature: what was wrong (`signature_mismatch`, `stale_timestamp`...), as the verifier says. */
    readonly signatureProblem?: string,
  ) {
    super(message);
  }
}

export interface TikiEnvelopeError {
  data: null;
  error: {
    code: number;
    reason: string;
    message: string;
    /** Documented "for debugging" (error-code.md); the values are the emulator's own (assumed). */
    metadata: { service_code: string; request_id: string };
  };
}

/** The emulator's `service_code` (Tiki's example shows "00002"; what the codes name is undocumented). */
export const EMULATOR_SERVICE_CODE = '00000';

export function envelopeError(status: number, reason: string, message: string): TikiEnvelopeError {
  const metadata = { service_code: EMULATOR_SERVICE_CODE, request_id: randomBytes(16).toString('hex') };
  return { data: null, error: { code: status, reason, message, metadata } };
}

export function envelopeOf(rejection: TikiRejection): TikiEnvelopeError {
  return envelopeError(rejection.status, rejection.reason, rejection.message);
}
