import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { busyPortMessage } from './dev-port.ts';

describe('the port check pnpm dev makes', () => {
  it('says nothing for a free port, and names the port and its variable for a busy one', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const busy = { what: 'server', host: '127.0.0.1', port, variables: { port: 'PORT', host: 'HOST' } };
      expect(await busyPortMessage(busy)).toBe(
        `server: 127.0.0.1:${port} is already in use (another pnpm dev?); stop it or set PORT to a free port`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
    expect(
      await busyPortMessage({
        what: 'server',
        host: '127.0.0.1',
        port,
        variables: { port: 'PORT', host: 'HOST' },
      }),
    ).toBeNull();
    expect(
      await busyPortMessage({
        what: 'server',
        host: '127.0.0.1',
        port: 0,
        variables: { port: 'PORT', host: 'HOST' },
      }),
    ).toBeNull();
  });

  it('says why when the host cannot be listened on at all', async () => {
    const message = await busyPortMessage({
      what: 'tiki-emulator',
      host: '203.0.113.1',
      port: 4010,
      variables: { port: 'TIKI_EMULATOR_PORT', host: 'TIKI_EMULATOR_HOST' },
    });
    expect(message).toMatch(
      /^tiki-emulator: cannot listen on 203\.0\.113\.1:4010 \(EADDRNOTAVAIL\); check TIKI_EMULATOR_HOST$/,
    );
  });
});
