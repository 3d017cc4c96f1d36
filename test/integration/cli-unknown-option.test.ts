import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * An unknown option is named before a required option left out, for every command with one:
 * `mailroom apikey create --bogus` said "required option '--name <name>' not specified"
 * (commander checks those first), where docs/operations.md promises "mailroom: unknown option
 * '--bogus'". A required option left out is still named when nothing is unknown. Nothing is
 * opened: MAILROOM_DATA_DIR points nowhere.
 */
describe('an unknown option wins over a missing required one', { timeout: 60_000 }, () => {
  const env = { MAILROOM_DATA_DIR: '/nonexistent/mailroom-cli-unknown-option' };
  // Every command that has a required option, each with none of them given.
  const commands: [string[], string, number][] = [
    [['apikey', 'create'], "'--name <name>'", 1],
    [['user', 'create', '--password-env', 'X'], "'--email <email>'", 1],
    [['user', 'reset-password', '--password-env', 'X'], "'--email <email>'", 1],
    [['send', '--subject', 's', '--text', 't'], "'--to <address>'", 1],
    [['test-smtp', '--port', '25'], "'--host <host>'", 2],
  ];

  it.each(commands)('%j --bogus: "unknown option \'--bogus\'"; without it, the missing option', async (args, missing, exitCode) => {
    const unknown = await runCli([...args, '--bogus'], env);
    expect(unknown.code, unknown.stderr).toBe(exitCode);
    expect(unknown.stderr.startsWith("mailroom: unknown option '--bogus'\n  (MAILROOM_E_VALIDATION)\n"), unknown.stderr).toBe(true);
    expect(unknown.stderr).toContain(`Usage: mailroom ${args[0]}`);

    const without = await runCli(args, env);
    expect(without.code, without.stderr).toBe(exitCode);
    expect(without.stderr.startsWith(`mailroom: required option ${missing} not specified\n  (MAILROOM_E_VALIDATION)\n`), without.stderr).toBe(true);
  });

  it('with every required option given and none unknown, neither is said (the missing store is what stops it)', async () => {
    const r = await runCli(['apikey', 'create', '--name', 'n', '--scopes', 'send'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('required option');
    expect(r.stderr).not.toContain('unknown option');
  });
});
