#!/usr/bin/env node
// First: V8's tiering budget must be set before the rest of Mailroom's code is evaluated.
import './jit-tiering.js';
// Then, before anything else is loaded: `start` and `worker` take SIGTERM and SIGINT from here
// on (src/cli/stop-signals.ts). The rest comes by a dynamic import: static imports are all
// loaded before this module's first line runs, and loading the CLI takes a while (a signal then
// ended the process with 143, though nothing had been started).
import { stopSignalsWhileLoading } from './stop-signals.js';

stopSignalsWhileLoading(process.argv.slice(2));
const { runProgram } = await import('./program.js');
await runProgram(process.argv);
