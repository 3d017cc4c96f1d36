import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

/**
 * A MAILROOM_* variable that is no setting but looks like one misspelled is named with the
 * setting it resembles (the start warns); an installation's own MAILROOM_* variables (a
 * password an env: reference reads, the SDK's MAILROOM_URL) are left alone.
 */
describe('misspelled settings', () => {
  it('names near misses: a swapped pair, a left-out underscore, a letter off', () => {
    const config = loadConfig({ MAILROOM_REALY_PORT: '2587', MAILROOM_SECRETKEY: 'x', MAILROOM_LOGLEVEL: 'debug', MAILROOM_SMTP_HOTS: 'smtp.example.com', MAILROOM_DATADIR: '/srv' });
    expect(config.misspelled).toEqual([
      { name: 'MAILROOM_REALY_PORT', meant: 'MAILROOM_RELAY_PORT' },
      { name: 'MAILROOM_SECRETKEY', meant: 'MAILROOM_SECRET_KEY' },
      { name: 'MAILROOM_LOGLEVEL', meant: 'MAILROOM_LOG_LEVEL' },
      { name: 'MAILROOM_SMTP_HOTS', meant: 'MAILROOM_SMTP_HOST' },
      { name: 'MAILROOM_DATADIR', meant: 'MAILROOM_DATA_DIR' },
    ]);
  });

  it('names the nearest setting, not the first within two edits', () => {
    // One edit from …_TLS_CERT, two from …_TLS_PORT (listed before it).
    expect(loadConfig({ MAILROOM_RELAY_TLS_CRT: 'x' }).misspelled).toEqual([{ name: 'MAILROOM_RELAY_TLS_CRT', meant: 'MAILROOM_RELAY_TLS_CERT' }]);
  });

  it("leaves settings and an installation's own variables alone", () => {
    const config = loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_URL: 'http://127.0.0.1:8025', MAILROOM_API_KEY: 'k', MAILROOM_SMTP_PW_BILLING: 'p', MAILROOM_BILLING_PASSWORD: 'p' });
    expect(config.misspelled).toEqual([]);
  });
});
