#!/usr/bin/env node
// The `crm` command. Sources are TypeScript; tsx compiles them on load (cached), so a fresh
// clone runs after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
