// Preloaded (`node --import`) by test/integration/start-signals-while-loading.test.ts: holds the
// loading of commander, which the CLI loads early, so that a signal reaches the process while it
// is still loading its modules, for as long as the test needs, without timing.
import { register } from 'node:module';
import process from 'node:process';

register('./hold-commander-load-hooks.mjs', import.meta.url, { data: { marker: process.env.HOLD_MARKER_FILE } });
