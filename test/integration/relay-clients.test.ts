import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, requireProgram } from '../helpers/relay.js';
import { haveSmtpSink, rcptsOf } from '../helpers/smtp-sink.js';

/**
 * Independent SMTP clients submit through the relay and Mailroom delivers to Postfix's
 * smtp-sink: swaks (STARTTLS with AUTH PLAIN, AUTH LOGIN, pipelining), Python's smtplib
 * (STARTTLS with the certificate verified, and implicit TLS), and Postfix's smtp-source (20
 * parallel sessions, logging in by client address: it cannot AUTH). Every message is in the log
 * with source smtp and the credential named, and reaches the sink once.
 */
const SWAKS = '/usr/bin/swaks';
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const ready = haveSmtpSink() && requireProgram(SWAKS, 'swaks') && requireProgram(SMTP_SOURCE, 'postfix') && requireProgram('/usr/bin/python3', 'python3');

function run(file: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

await describeEachDialect('SMTP relay: independent clients deliver through Mailroom', (dialect) => {
  if (!ready) return;
  const suite = relaySuite(dialect);
  const delivered = (id: string) => expect.poll(async () => (await suite.r.message(id)).status, { timeout: 30_000 }).toBe('sent');
  const dumpOf = (subject: string) => suite.sink.messages().filter((d) => d.includes(`Subject: ${subject}`));


  const swaks = (subject: string, extra: string[]) =>
    run(SWAKS, ['--server', `127.0.0.1:${suite.r.port}`, '--ehlo', 'swaks.test', '--from', 'billing@example.com', '--to', 'customer@example.net', '--header', `Subject: ${subject}`, '--body', `Sent by swaks: ${subject}`, ...extra]);

  it('swaks: STARTTLS + AUTH PLAIN', async () => {
    const res = await swaks('swaks plain', ['--tls', '--auth', 'PLAIN', '--auth-user', suite.r.credential.username, '--auth-password', suite.r.credential.password!]);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/<~ +250 2\.0\.0 queued as msg_/);
    const id = queuedId(res.out);
    await delivered(id);
    const m = await suite.r.message(id);
    expect(m).toMatchObject({ source: 'smtp', createdBy: 'smtp:Billing app', subject: 'swaks plain', from: 'billing@example.com', accountId: suite.r.accountId });
    const dumps = dumpOf('swaks plain');
    expect(dumps).toHaveLength(1);
    expect(rcptsOf(dumps[0])).toEqual(['customer@example.net']);
    // Mailroom's trace field in front of the application's own headers, which arrive as sent.
    expect(dumps[0]).toMatch(/^Received: from swaks\.test \(\[127\.0\.0\.1\]\)\s+by \S+ \(Mailroom\) with ESMTPSA;/m);
    expect(dumps[0]).toContain('X-Mailer: swaks');
  });

  it('swaks: STARTTLS + AUTH LOGIN, and a pipelined session', async () => {
    const login = await swaks('swaks login', ['--tls', '--auth', 'LOGIN', '--auth-user', suite.r.credential.username, '--auth-password', suite.r.credential.password!]);
    expect(login.code, login.out).toBe(0);
    const piped = await swaks('swaks pipelined', ['--tls', '--auth', 'PLAIN', '--auth-user', suite.r.credential.username, '--auth-password', suite.r.credential.password!, '--pipeline']);
    expect(piped.code, piped.out).toBe(0);
    // swaks sends MAIL, RCPT and DATA in one write once the server offers PIPELINING.
    // (swaks marks lines inside TLS with ~> and <~.)
    expect(piped.out).toMatch(/~> MAIL FROM:<billing@example\.com>\s*\n\s*~> RCPT TO:<customer@example\.net>\s*\n\s*~> DATA\s*\n\s*<~ +250/);
    for (const id of [queuedId(login.out), queuedId(piped.out)]) await delivered(id);
    expect(dumpOf('swaks login')).toHaveLength(1);
    expect(dumpOf('swaks pipelined')).toHaveLength(1);
  });

  it("Python's smtplib: STARTTLS verifying the relay's certificate, and implicit TLS", async () => {
    const status = (await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/status' })).json();
    const ca = path.join(suite.r.t.dataDir, 'relay-ca.pem');
    writeFileSync(ca, readFileSync(status.certificate.file));
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
port, tls_port, user, password, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
def message(subject):
    m = EmailMessage()
    m['From'] = 'Reports <reports@example.com>'
    m['To'] = 'boss@example.net'
    m['Cc'] = 'team@example.net'
    m['Subject'] = subject
    m.set_content('Grüße aus Python: ' + subject)
    return m
with smtplib.SMTP('127.0.0.1', port, local_hostname='python.test') as s:
    s.starttls(context=ctx)
    s.login(user, password)
    print(s.send_message(message('python starttls'), to_addrs=['boss@example.net', 'team@example.net', 'hidden@example.net']))
with smtplib.SMTP_SSL('127.0.0.1', tls_port, context=ctx, local_hostname='python.test') as s:
    s.login(user, password)
    s.send_message(message('python implicit tls'))
    print(s.noop())
`;
    const res = await run('/usr/bin/python3', ['-c', script, String(suite.r.port), String(suite.r.tlsPort), suite.r.credential.username, suite.r.credential.password!, ca]);
    expect(res.code, res.out).toBe(0);
    await expect.poll(() => dumpOf('python starttls').length + dumpOf('python implicit tls').length, { timeout: 30_000 }).toBe(2);
    const [starttls] = dumpOf('python starttls');
    expect(rcptsOf(starttls).sort()).toEqual(['boss@example.net', 'hidden@example.net', 'team@example.net']);
    expect(starttls).toMatch(/^Received: from python\.test .* with ESMTPSA;/m);
    expect(starttls).not.toMatch(/^Bcc:/im);
    const list = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?q=python starttls' })).json().items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ source: 'smtp', from: 'Reports <reports@example.com>', to: ['boss@example.net'], cc: ['team@example.net'], bcc: ['hidden@example.net'] });
    const detail = await suite.r.message(list[0].id);
    expect((detail.recipients as { address: string; kind: string }[]).map((x) => `${x.kind}:${x.address}`).sort()).toEqual(['bcc:hidden@example.net', 'cc:team@example.net', 'to:boss@example.net']);
  });

  it("Postfix's smtp-source: 20 sessions, logging in by client address", async () => {
    const device = await suite.r.createCredential({ name: 'Load generator', authentication: 'client-ip', allowedIps: ['127.0.0.1'], allowedFrom: ['load@example.com'] });
    expect(device.password).toBeUndefined();
    const res = await run(SMTP_SOURCE, ['-s', '20', '-m', '60', '-f', 'load@example.com', '-t', 'sink@example.net', '-S', 'smtp-source load', '-M', 'source.test', `127.0.0.1:${suite.r.port}`]);
    expect(res.code, res.out).toBe(0);
    await expect.poll(() => dumpOf('smtp-source load').length, { timeout: 60_000 }).toBe(60);
    const page = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?q=smtp-source load&limit=100' })).json().items as { status: string; source: string; createdBy: string }[];
    expect(await page()).toHaveLength(60);
    // The sink has them all; the last outcomes are being recorded.
    await expect.poll(async () => [...new Set((await page()).map((m) => `${m.status} ${m.source} ${m.createdBy}`))], { timeout: 20_000 }).toEqual(['sent smtp smtp:Load generator']);
    // Counted like every other source (the message-events port).
    const metrics = (await suite.r.t.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(Number(/^mailroom_messages_accepted_total\{source="smtp"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(60);
  });
});
