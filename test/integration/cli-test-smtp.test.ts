import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { closedPort, selfSignedCert, startSmtpServer, tempDir, type Cert, type SmtpPeer } from '../helpers/diagnostics-peers.js';

const PASSWORD = 'Cli-Secret-Password-5';

describe('mailroom test-smtp', { timeout: 60_000 }, () => {
  let dir: string;
  let cert: Cert;
  let peer: SmtpPeer;
  beforeAll(async () => {
    dir = tempDir('mailroom-cli-smtp-');
    cert = selfSignedCert(dir);
    peer = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert, authMethods: ['PLAIN'], users: { 'app@example.com': PASSWORD } });
  });
  afterAll(async () => {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints every step, authenticates, sends, and exits 0 (no colour when not a terminal)', async () => {
    const r = await runCli(
      ['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--trust', 'any', '--user', 'app@example.com', '--password-env', 'SMTP_PW', '--send-to', 'ops@example.net', '--timeout', '5'],
      { SMTP_PW: PASSWORD },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const step of ['dns', 'tcp', 'tls', 'ehlo', 'auth', 'send']) expect(r.stdout).toMatch(new RegExp(`^PASS  ${step}\\s`, 'm'));
    expect(r.stdout).toMatch(/^SKIP {2}starttls/m);
    expect(r.stdout).toContain('sha256: ');
    expect(r.stdout).toContain('all steps passed');
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(peer.messages.at(-1)!.to).toEqual(['ops@example.net']);
    // The password from standard input instead: off the command line and out of the environment.
    const piped = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--trust', 'any', '--user', 'app@example.com', '--password-stdin', '--timeout', '5'], {}, `${PASSWORD}\n`);
    expect(piped.stdout, piped.stderr).toMatch(/^PASS {2}auth/m);
    // A step skipped for want of an option names the option, not the API's field.
    expect(piped.stdout).toMatch(/^SKIP {2}send\s+no test message requested \(give --send-to, and --from unless --user is an address\)/m);
  });

  it('shows the failing step with its hint and exits 1', async () => {
    const wrongPw = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--trust', 'any', '--user', 'app@example.com', '--password', 'nope-nope', '--timeout', '5'], {});
    expect(wrongPw.code).toBe(1);
    expect(wrongPw.stdout).toMatch(/^FAIL {2}auth/m);
    expect(wrongPw.stdout).toContain('hint: The user name or password is wrong');
    const selfSigned = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--timeout', '5'], {});
    expect(selfSigned.stdout).toMatch(/^FAIL {2}tls/m);
    expect(selfSigned.stdout).toContain('self-signed');
    // Hints speak in the command's options, not the API's fields.
    // A self-signed certificate is pinned by its PEM (a fingerprint alone still needs a CA).
    expect(selfSigned.stdout).toContain('pin the certificate itself: run again with --certificate and a file holding its PEM');
    expect(selfSigned.stdout).not.toContain('tlsTrust');
    const pinned = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--certificate', cert.certFile, '--timeout', '5'], {});
    expect(pinned.stdout).toMatch(/^PASS {2}tls/m);
    const wrongMode = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'starttls', '--trust', 'any', '--timeout', '5'], {});
    expect(wrongMode.code).toBe(1);
    expect(wrongMode.stdout).toContain('a TLS handshake on it succeeded. Use --security tls.');
    const closed = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(await closedPort()), '--timeout', '2'], {});
    expect(closed.code).toBe(1);
    expect(closed.stdout).toMatch(/^FAIL {2}tcp/m);
  });

  it('refuses bad arguments with exit 2, naming the option rather than the API field it fills', async () => {
    const cases: [string[], string][] = [
      [['--security', 'ssl'], 'mailroom: --security: must be one of "starttls", "tls", "none"'],
      [['--timeout', 'abc'], 'mailroom: --timeout: must be a whole number'],
      [['--trust', 'foo'], 'mailroom: --trust: must be one of "system", "any" (pin a certificate with --certificate or --fingerprint)'],
      [['--port', '99999'], 'mailroom: --port: must be between 1 and 65535'],
      [['--password-env', 'MAILROOM_TEST_UNSET_VARIABLE'], 'mailroom: --password-env: MAILROOM_TEST_UNSET_VARIABLE is not set'],
      [['--password', 'x', '--password-stdin'], 'mailroom: give the password one way, not with --password and --password-stdin'],
      [['--send-to', 'ops@example.net'], 'mailroom: --send-to needs --from'],
      // Options that would be dropped unseen: "all steps passed" would then say nothing about them.
      [['--password', 'Unused-Secret-1'], 'mailroom: a password needs --user: AUTH logs in with both'],
      [['--from', 'app@example.com'], 'mailroom: --from is the sender of the test message, which only --send-to sends'],
      [['--trust', 'any', '--fingerprint', 'AB'.repeat(32)], 'mailroom: --trust any cannot be combined with --fingerprint or --certificate'],
      [['--certificate', '/nonexistent/relay.pem'], 'mailroom: --certificate: cannot read /nonexistent/relay.pem (ENOENT)'],
    ];
    for (const [args, said] of cases) {
      const r = await runCli(['test-smtp', '--host', '127.0.0.1', ...args], {});
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('(MAILROOM_E_VALIDATION)');
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain('Unused-Secret-1');
    }
  });

  it('--trust pinned without a certificate to pin names --fingerprint and --certificate, not the API field smtp.tlsTrust', async () => {
    const r = await runCli(['test-smtp', '--host', '127.0.0.1', '--trust', 'pinned'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mailroom: --trust pinned needs --fingerprint or --certificate: the certificate to pin (either of them alone pins it)\n  (MAILROOM_E_VALIDATION)\n');
    // With one of them it is what they set anyway.
    const pinned = await runCli(['test-smtp', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--trust', 'pinned', '--certificate', cert.certFile, '--timeout', '5'], {});
    expect(pinned.stdout, pinned.stderr).toMatch(/^PASS {2}tls/m);
  });
});
