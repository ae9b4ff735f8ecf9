#!/usr/bin/env node
// The `insurance-webhooks` executable. Everything but the process wiring lives in run.ts.
import { processIo } from './io.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
