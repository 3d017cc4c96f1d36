import { describe, expect, it } from 'vitest';
import { generateRelayPassword } from '../../src/core/relay/credentials.service.js';

describe('generated SMTP credential passwords', () => {
  it('are 32 URL-safe characters and never start with "-" (a command-line client would read an option)', () => {
    // One in 64 base64url strings starts with "-": 2,000 tries find it with near certainty.
    const passwords = Array.from({ length: 2_000 }, generateRelayPassword);
    expect(passwords.every((p) => /^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/.test(p))).toBe(true);
    expect(new Set(passwords).size).toBe(passwords.length);
  });
});
