#!/usr/bin/env node
// `hcrm`: runs the CLI from its TypeScript source through tsx, so a checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv.slice(2));
