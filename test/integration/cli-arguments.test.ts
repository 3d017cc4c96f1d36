import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * Wrong arguments said as every other refusal of the CLI: "mailroom: …" and a stable code, then
 * the command's usage. They came out as commander's bare "error: unknown option '--bogus'", and
 * `test-smtp`, which docs/operations.md says exits 2 on bad arguments, exited 1 for these, as for
 * a failing step. Nothing is opened: no store is needed (MAILROOM_DATA_DIR points nowhere).
 */
describe('the command line refuses wrong arguments with a code', { timeout: 60_000 }, () => {
  const env = { MAILROOM_DATA_DIR: '/nonexistent/mailroom-cli-arguments' };

  it('test-smtp: an unknown option or a missing required one exits 2, naming it with MAILROOM_E_VALIDATION', async () => {
    for (const args of [['test-smtp', '--host', 'x', '--port', '25', '--bogus'], ['test-smtp', '--port', '25']]) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^mailroom: (unknown option '--bogus'|required option '--host <host>' not specified)\n {2}\(MAILROOM_E_VALIDATION\)\n/);
      expect(r.stderr).toContain('Usage: mailroom test-smtp');
    }
  });

  it('other commands: an unknown option, a missing option or an unknown command is MAILROOM_E_VALIDATION (exit 1)', async () => {
    const cases: [string[], string][] = [
      [['send', '--to', 'a@example.com', '--subject', 's', '--text', 't', '--bogus'], "unknown option '--bogus'"],
      [['user', 'create', '--password-env', 'X'], "required option '--email <email>' not specified"],
      [['nosuch'], "unknown command 'nosuch'"],
    ];
    for (const [args, said] of cases) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.startsWith(`mailroom: ${said}\n  (MAILROOM_E_VALIDATION)\n`), r.stderr).toBe(true);
    }
  });

  it('--help still prints the usage and exits 0', async () => {
    const r = await runCli(['test-smtp', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: mailroom test-smtp');
  });
});
