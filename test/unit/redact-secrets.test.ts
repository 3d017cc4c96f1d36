import { describe, expect, it } from 'vitest';
import { redactSecrets, secretRedactor } from '../../src/core/kernel/redact-secrets.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('redactSecrets: a secret and the encodings it travels in', () => {
  const login = { value: 'p@ss w+rd/9', user: 'me@example.com' };

  it('hides the value in clear, URL-, form- and JSON-encoded', () => {
    const text = `pass=${login.value} url=${encodeURIComponent(login.value)} form=${new URLSearchParams({ v: login.value }).toString().slice(2)}`;
    expect(redactSecrets(text, [login])).toBe('pass=[redacted] url=[redacted] form=[redacted]');
    expect(redactSecrets(JSON.stringify({ e: 'a"b\\c' }), ['a"b\\c'])).toBe('{"e":"[redacted]"}');
  });

  it('hides AUTH PLAIN (both forms), LOGIN and XOAUTH2, padded or not, standard or URL-safe', () => {
    const plain = b64(`\0${login.user}\0${login.value}`);
    const authz = b64(`${login.user}\0${login.user}\0${login.value}`);
    const xoauth2 = b64(`user=${login.user}\x01auth=Bearer ${login.value}\x01\x01`);
    const text = `AUTH PLAIN ${plain} / ${authz.replace(/=+$/, '')} / LOGIN ${b64(login.user)} ${b64(login.value)} / XOAUTH2 ${xoauth2.replace(/\+/g, '-').replace(/\//g, '_')}`;
    // The user name is not a secret: its LOGIN form stays.
    expect(redactSecrets(text, [login])).toBe(`AUTH PLAIN [redacted] / [redacted] / LOGIN ${b64(login.user)} [redacted] / XOAUTH2 [redacted]`);
  });

  it('hides a multi-line key whole and line by line, and leaves short or absent secrets alone', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
    expect(redactSecrets(`key: ${key}`, [key])).toBe('key: [redacted]');
    expect(redactSecrets('key: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', [key])).toBe('key: [redacted] [redacted]');
    expect(redactSecrets('a pw here', ['pw', null, undefined, ''])).toBe('a pw here');
    // Base64 forms shorter than four letters ("cHc" of "pw") are as common as the clear form would be.
    expect(redactSecrets(`LOGIN ${b64('pw')}`, ['pw'])).toBe(`LOGIN ${b64('pw')}`);
    expect(redactSecrets(`LOGIN ${b64('pwd')}`, ['pwd'])).toBe('LOGIN [redacted]');
    expect(secretRedactor([])('unchanged $& text')).toBe('unchanged $& text');
  });
});
