import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('settings for several processes on PostgreSQL', () => {
  const PG = 'postgres://mailroom@db.internal:5432/mailroom';

  it('listens where DATABASE_URL points unless MAILROOM_LISTEN_URL says elsewhere or "off"', () => {
    expect(loadConfig({}).listenUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: PG }).listenUrl).toBe(PG);
    expect(loadConfig({ DATABASE_URL: PG, MAILROOM_LISTEN_URL: 'postgres://mailroom@pg-direct:5432/mailroom' }).listenUrl).toBe('postgres://mailroom@pg-direct:5432/mailroom');
    expect(loadConfig({ DATABASE_URL: PG, MAILROOM_LISTEN_URL: 'off' }).listenUrl).toBeNull();
    expect(() => loadConfig({ MAILROOM_LISTEN_URL: PG })).toThrow(/MAILROOM_LISTEN_URL is set but DATABASE_URL is not/);
    expect(() => loadConfig({ DATABASE_URL: PG, MAILROOM_LISTEN_URL: 'pgbouncer:6432' })).toThrow(/must be a postgres:\/\/ URL or "off"/);
  });

  it('reads the outbox poll interval and lease, leaving the defaults when unset and naming bad values', () => {
    expect(loadConfig({}).outbox).toEqual({ pollMs: undefined, leaseMs: undefined });
    expect(loadConfig({ MAILROOM_OUTBOX_POLL_MS: '60000', MAILROOM_OUTBOX_LEASE_MS: '10000' }).outbox).toEqual({ pollMs: 60_000, leaseMs: 10_000 });
    expect(() => loadConfig({ MAILROOM_OUTBOX_POLL_MS: '1s', MAILROOM_OUTBOX_LEASE_MS: '500' })).toThrow(/MAILROOM_OUTBOX_POLL_MS must be a whole number of milliseconds from 10[\s\S]*MAILROOM_OUTBOX_LEASE_MS must be a whole number of milliseconds from 3000/);
  });
});

describe("a PostgreSQL URL's TLS parameters, checked at start", () => {
  it('refuses an sslmode node-postgres does not know, and a certificate file it cannot read, naming the variable and parameter', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://mailroom@db:5432/mailroom?sslmode=bogus' })).toThrow(
      'DATABASE_URL: sslmode=bogus is not one of disable, prefer, require, verify-ca, verify-full, no-verify (node-postgres would ignore it)',
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://mailroom@db:5432/mailroom?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem' })).toThrow(
      'DATABASE_URL: sslrootcert=/nonexistent/ca.pem cannot be read (ENOENT); give the path of a PEM file this user may read',
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://mailroom@db:5432/mailroom', MAILROOM_LISTEN_URL: 'postgres://mailroom@db-direct:5432/mailroom?sslkey=/nonexistent/key.pem' })).toThrow(/MAILROOM_LISTEN_URL: sslkey=\/nonexistent\/key\.pem cannot be read/);
    expect(loadConfig({ DATABASE_URL: 'postgres://mailroom@db:5432/mailroom?sslmode=verify-full' }).databaseUrl).toContain('sslmode=verify-full');
  });
});
