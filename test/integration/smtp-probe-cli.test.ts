import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startScriptedPeer, type Script, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/** `mailroom test-smtp` says what delivery would do, in the command's own options. */

const PASSWORD = 'Cli-Probe-Secret-9';

let peer: ScriptedPeer | undefined;
afterEach(async () => {
  await peer?.stop();
  peer = undefined;
});
const start = async (script: Script) => (peer = await startScriptedPeer({ script }));

describe('mailroom test-smtp against byte-exact peers', { timeout: 60_000 }, () => {
  it('--security none with --user on a server that offers STARTTLS: tells to use --security starttls', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '250-peer.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n' : undefined));
    const r = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--user', 'app@example.com', '--password', PASSWORD, '--timeout', '5'], {});
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}auth/m);
    expect(r.stdout).toContain('Use --security starttls');
    expect(r.stdout).not.toContain('does not offer STARTTLS');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(p.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('passes a server that answers 251 to RCPT TO', async () => {
    const p = await start((c) => (c.startsWith('RCPT') ? '251 2.1.5 user not local; will forward\r\n' : undefined));
    const r = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--from', 'app@example.com', '--send-to', 'ops@example.net', '--timeout', '5'], {});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}send/m);
    expect(p.messages).toHaveLength(1);
  });
});
