import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { passwordFrom } from '../../src/cli/password-option.js';

const stdin = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));
const terminal = () => Object.assign(stdin(), { isTTY: true });

describe('a command-line password, given one of three ways', () => {
  it('takes --password, --password-env or the first line of stdin, and nothing when none is given', async () => {
    expect(await passwordFrom({ password: 'on-the-line' })).toBe('on-the-line');
    process.env.MAILROOM_TEST_PW = 'from-the-env';
    try {
      expect(await passwordFrom({ passwordEnv: 'MAILROOM_TEST_PW' })).toBe('from-the-env');
    } finally {
      delete process.env.MAILROOM_TEST_PW;
    }
    // Split across chunks, a Windows line ending, lines after the first ignored.
    expect(await passwordFrom({ passwordStdin: true }, stdin('pass wi', 'th spaces\r\nsecond line\n'))).toBe('pass with spaces');
    expect(await passwordFrom({ passwordStdin: true }, stdin('no newline at the end'))).toBe('no newline at the end');
    expect(await passwordFrom({})).toBeUndefined();
  });

  it('refuses two ways at once, an unset variable, an empty first line and a terminal, each with its reason', async () => {
    await expect(passwordFrom({ password: 'a', passwordStdin: true })).rejects.toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'give the password one way, not with --password and --password-stdin' });
    await expect(passwordFrom({ passwordEnv: 'MAILROOM_TEST_NOT_SET' })).rejects.toThrow('--password-env: MAILROOM_TEST_NOT_SET is not set');
    await expect(passwordFrom({ passwordStdin: true }, stdin('\nsecond'))).rejects.toThrow('its first line is empty');
    await expect(passwordFrom({ passwordStdin: true }, stdin())).rejects.toThrow('its first line is empty');
    await expect(passwordFrom({ passwordStdin: true }, terminal())).rejects.toThrow('standard input is a terminal');
  });
});
