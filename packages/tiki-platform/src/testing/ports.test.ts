import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, newConnectionOutcome } from './ports.ts';

describe('freePort', () => {
  it('gives a port below the ephemeral range that a child can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('newConnectionOutcome', () => {
  it('says connected while a server listens, and ECONNREFUSED once it has closed', async () => {
    const port = await freePort();
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${port}`;
    expect(await newConnectionOutcome(origin)).toBe('connected');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await newConnectionOutcome(origin)).toBe('ECONNREFUSED');
  });
});
