#!/usr/bin/env node
// The CLI is TypeScript like the rest of the package; tsx loads it without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/cli.ts');
