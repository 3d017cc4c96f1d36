import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('MAILROOM_RELAY_* configuration', () => {
  it('is off unless MAILROOM_RELAY_PORT is set, and says which stray variable would do nothing', () => {
    expect(loadConfig({}).relay).toBeUndefined();
    expect(() => loadConfig({ MAILROOM_RELAY_TLS_PORT: '2465' })).toThrow(/MAILROOM_RELAY_TLS_PORT is set but MAILROOM_RELAY_PORT is not/);
  });

  it('defaults to 127.0.0.1 and refuses what cannot work, naming every problem', () => {
    expect(loadConfig({ MAILROOM_RELAY_PORT: '2587' }).relay).toEqual({ host: '127.0.0.1', port: 2587, tlsPort: undefined });
    const err = (() => {
      try {
        loadConfig({ MAILROOM_PORT: '2587', MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_PORT: 'x', MAILROOM_RELAY_HOST: 'not a host', MAILROOM_RELAY_TLS_CERT: '/nope.pem' });
      } catch (e) {
        return e as { code: string; message: string };
      }
    })();
    expect(err?.code).toBe('MAILROOM_E_CONFIG');
    expect(err?.message).toContain('MAILROOM_RELAY_TLS_PORT must be a port number');
    expect(err?.message).toContain('MAILROOM_RELAY_HOST must be an IP address or host name');
    expect(err?.message).toContain('MAILROOM_RELAY_PORT=2587 is also MAILROOM_PORT');
    expect(err?.message).toContain('MAILROOM_RELAY_TLS_CERT and MAILROOM_RELAY_TLS_KEY go together');
    expect(() => loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_PORT: '2587' })).toThrow(/must differ from MAILROOM_RELAY_PORT/);
  });

  it('reads the certificate and key at start and checks that they belong together', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-relay-cert-'));
    const [a, other] = await Promise.all([generate([{ name: 'commonName', value: 'relay.test' }], { keySize: 2048 }), generate([{ name: 'commonName', value: 'other.test' }], { keySize: 2048 })]);
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const cert = file('cert.pem', a.cert);
    const ok = loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_CERT: cert, MAILROOM_RELAY_TLS_KEY: file('key.pem', a.private) }).relay;
    expect(ok?.tls?.cert).toBe(a.cert);
    expect(() => loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_CERT: cert, MAILROOM_RELAY_TLS_KEY: file('other.pem', other.private) })).toThrow(/is not the key of the certificate/);
    expect(() => loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_CERT: file('junk.pem', 'junk'), MAILROOM_RELAY_TLS_KEY: file('key2.pem', a.private) })).toThrow(/must be PEM files/);
    expect(() => loadConfig({ MAILROOM_RELAY_PORT: '2587', MAILROOM_RELAY_TLS_CERT: path.join(dir, 'missing.pem'), MAILROOM_RELAY_TLS_KEY: cert })).toThrow(/cannot be read: ENOENT/);
  });
});
