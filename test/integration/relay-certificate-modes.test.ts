import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RelayConfig } from '../../src/config.js';
import { relayCertificate } from '../../src/relay/certificate.js';
import { tempDirs } from '../helpers/temp-dirs.js';

/**
 * The relay's self-signed certificate is public (clients download it to trust it); its private
 * key lets whoever reads it impersonate the relay, so only Mailroom's user may read key.pem:
 * created 0600, and put right at start when an earlier start, a copy or a restore left it wider.
 */
const dataDir = tempDirs('mailroom-relay-tls-');
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
const relay: RelayConfig = { host: '127.0.0.1', port: 0 };
const DAY = 86_400_000;

describe("the relay's self-signed certificate files", () => {
  it('creates the key 0600 and the certificate 0644', async () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const made = await relayCertificate(relay, dir, Date.now(), (m) => warnings.push(m));
    expect(made.created).toBe(true);
    expect(modeOf(path.join(dir, 'relay-tls', 'key.pem'))).toBe('600');
    expect(modeOf(path.join(dir, 'relay-tls', 'cert.pem'))).toBe('644');
    expect(warnings).toEqual([]);
  });

  it('makes a key an earlier start left readable by others 0600 when it starts, and keeps the certificate', async () => {
    const dir = dataDir();
    const first = await relayCertificate(relay, dir);
    const keyFile = path.join(dir, 'relay-tls', 'key.pem');
    chmodSync(keyFile, 0o644);
    const warnings: string[] = [];
    const kept = await relayCertificate(relay, dir, Date.now(), (m) => warnings.push(m));
    expect(kept.created || kept.renewed).toBe(false);
    expect(kept.fingerprint256).toBe(first.fingerprint256);
    expect(modeOf(keyFile)).toBe('600');
    expect(warnings).toEqual([]);
  });

  it('writes the key that replaces an expired one 0600, never into the wider file', async () => {
    const dir = dataDir();
    const first = await relayCertificate(relay, dir);
    const keyFile = path.join(dir, 'relay-tls', 'key.pem');
    chmodSync(keyFile, 0o666);
    const renewed = await relayCertificate(relay, dir, first.expiresAt + DAY);
    expect(renewed.renewed).toBe(true);
    expect(renewed.fingerprint256).not.toBe(first.fingerprint256);
    expect(modeOf(keyFile)).toBe('600');
    // The key on disk is the new certificate's.
    expect(new X509Certificate(renewed.cert).checkPrivateKey(createPrivateKey(readFileSync(keyFile)))).toBe(true);
  });
});
