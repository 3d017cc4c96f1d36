import { beforeAll } from 'vitest';
import { restartIdClock } from '../../src/core/kernel/ids.js';

// Each test file starts with the id clock of a fresh process (see restartIdClock): files share
// worker processes (isolate: false in vitest.config.ts), and their fake clocks differ.
beforeAll(() => {
  restartIdClock();
});
