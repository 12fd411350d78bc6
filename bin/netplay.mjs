#!/usr/bin/env node
// The netplay CLI: the same engine as the app, from a terminal. TypeScript is loaded through tsx.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../engine/cli.ts');
process.exitCode = await main(process.argv.slice(2));
