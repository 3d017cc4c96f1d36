import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('the HTTP port and the database URL are checked when the configuration is read', () => {
  const refusal = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (err) {
      return err as Error & { code?: string };
    }
    throw new Error('accepted');
  };

  it('takes MAILROOM_PORT as digits only, as MAILROOM_RELAY_PORT', () => {
    expect(loadConfig({}).port).toBe(8025);
    expect(loadConfig({ MAILROOM_PORT: '0' }).port).toBe(0);
    expect(loadConfig({ MAILROOM_PORT: '9025' }).port).toBe(9025);
    // Number() would have read " " as 0 (a random port), 0x4A39 as 19001 and 1e3 as 1000.
    for (const raw of [' ', '0x4A39', '1e3', '80.5', '-1', '70000', 'abc']) {
      const err = refusal({ MAILROOM_PORT: raw });
      expect(err.code).toBe('MAILROOM_E_CONFIG');
      expect(err.message).toContain(`MAILROOM_PORT must be a port number (1-65535; 0 picks a free port), got "${raw}"`);
    }
  });

  it('refuses a postgres:// value that is no URL, without repeating it (it may hold a password)', () => {
    for (const url of ['postgres://app:s3cret-pw@127.0.0.1:99999/x', 'postgres://app:s3cret-pw@[::1/x']) {
      const err = refusal({ DATABASE_URL: url });
      expect(err.code).toBe('MAILROOM_E_CONFIG');
      expect(err.message).toContain('DATABASE_URL is not a valid URL');
      expect(err.message).not.toContain('s3cret-pw');
      const listen = refusal({ DATABASE_URL: 'postgres://app@db/mailroom', MAILROOM_LISTEN_URL: url });
      expect(listen.message).toContain('MAILROOM_LISTEN_URL is not a valid URL');
      expect(listen.message).not.toContain('s3cret-pw');
    }
    // What node-postgres takes stays accepted: a socket directory, percent-encoded passwords, IPv6.
    for (const url of ['postgres:///mailroom?host=/var/run/postgresql', 'postgresql://app:p%40ss@db.internal:6432/mailroom', 'postgres://app@[::1]:5432/mailroom']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });
});
