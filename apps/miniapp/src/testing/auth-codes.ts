/** `my.getAuthCode` answers for the test host, played by the real emulator. */
import type { Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import type { AuthCodeProvider } from '@tini-starter/tini-host/node';

/** The consent sheet: `customerId` accepts, refusing the scopes in `deny`. */
export function consentBy(
  emulator: Emulator,
  choice: { customerId?: number; deny?: string[]; clientId?: string } = {},
): AuthCodeProvider {
  return (scopes) => ({
    success: {
      ...emulator.issueAuthCode({
        clientId: choice.clientId ?? DEV_CLIENT_ID,
        scopes,
        ...(choice.customerId === undefined ? {} : { customerId: choice.customerId }),
        ...(choice.deny === undefined ? {} : { deny: choice.deny }),
      }),
    },
  });
}

/** The answer of the type package's spelling (Alipay's): `authSuccessScope` / `authErrorScope`. */
export function consentInOldSpelling(emulator: Emulator, customerId: number): AuthCodeProvider {
  return (scopes) => {
    const answer = emulator.issueAuthCode({ clientId: DEV_CLIENT_ID, customerId, scopes });
    return {
      success: {
        authCode: answer.authCode,
        authSuccessScope: answer.authSuccessScopes,
        authErrorScope: answer.authErrorScopes,
      },
    };
  };
}

/** Tini Studio without a Tini Console app id: the host fails. */
export const hostFails: AuthCodeProvider = () => ({
  fail: { error: 11, errorMessage: 'app not registered' },
});

/** A host that answers success with no code at all. */
export const hostGivesNoCode: AuthCodeProvider = () => ({
  success: { authSuccessScopes: [], authErrorScopes: {} },
});
