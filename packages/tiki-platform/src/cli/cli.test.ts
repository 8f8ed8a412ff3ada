import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { POST_VECTOR, VECTOR_CREDENTIALS, VECTOR_TIMESTAMP } from '../testing/vectors.ts';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const args = [
  '--key',
  VECTOR_CREDENTIALS.clientId,
  '--timestamp',
  VECTOR_TIMESTAMP,
  '--body',
  POST_VECTOR.body,
];
const env = { ...process.env, TIKI_CLIENT_SECRET: VECTOR_CREDENTIALS.clientSecret };

describe('the tiki-sign bin, as a process', { timeout: 30_000 }, () => {
  it('runs through tsx and prints the signature', async () => {
    const { stdout } = await run(process.execPath, ['bin/tiki-sign.js', ...args], { cwd: packageDir, env });
    expect(stdout).toContain(`signature:       ${POST_VECTOR.signature}\n`);
  });

  it('runs from the repository root as `pnpm -s tiki-sign`, arguments passed through untouched', async () => {
    const { stdout } = await run('pnpm', ['-s', 'tiki-sign', ...args], { cwd: repoRoot, env });
    expect(stdout).toContain(`payload:         ${POST_VECTOR.payload}\n`);
    expect(stdout).toContain(`signature:       ${POST_VECTOR.signature}\n`);
  });

  it('exits 2 on a usage error', async () => {
    const failure = await run(process.execPath, ['bin/tiki-sign.js', '--body', '{}'], {
      cwd: packageDir,
      env: { PATH: process.env.PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('no client secret') });
  });
});
