import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite, requireProgram } from '../helpers/relay.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * The SIZE the relay's EHLO answer announces (RFC 1870) is a limit a message can really meet:
 * the largest maxMessageBytes of the enabled credentials the client's address may use, that of
 * the client-ip credential the address belongs to, or, once logged in, the session's own
 * credential's. It follows credentials created, changed and deleted while the relay runs (and,
 * on PostgreSQL, by another process). Read by clients that trust it: Python's smtplib
 * (esmtp_features['size']) and swaks.
 */
const SWAKS = '/usr/bin/swaks';
const ready = haveSmtpSink() && requireProgram(SWAKS, 'swaks') && requireProgram('/usr/bin/python3', 'python3');
const MiB = 1024 * 1024;

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 120_000, maxBuffer: 64 * MiB }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

/** What smtplib reads as SIZE on a plain EHLO, after STARTTLS, after AUTH (and EHLO again), and on the implicit-TLS port. */
const SIZES = `
import json, smtplib, ssl, sys
port, tls_port, ca, source, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
ctx = ssl.create_default_context(cafile=ca)
out = {}
with smtplib.SMTP('127.0.0.1', port, local_hostname='size.test', source_address=(source, 0)) as s:
    s.ehlo()
    out['plain'] = s.esmtp_features.get('size')
    s.starttls(context=ctx)
    s.ehlo()
    out['starttls'] = s.esmtp_features.get('size')
    if user:
        s.login(user, password)
        s.ehlo()
        out['login'] = s.esmtp_features.get('size')
with smtplib.SMTP_SSL('127.0.0.1', tls_port, context=ctx, local_hostname='size.test', source_address=(source, 0)) as s:
    s.ehlo()
    out['implicit'] = s.esmtp_features.get('size')
print(json.dumps(out))
`;

await describeEachDialect('SMTP relay: the SIZE its EHLO answer announces', (dialect) => {
  if (!ready) return;
  const suite = relaySuite(dialect, { delivery: false });
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  const caFile = async () => {
    const status = (await api('GET', '/relay/status')).json();
    const ca = path.join(suite.r.t.dataDir, 'relay-ca.pem');
    writeFileSync(ca, readFileSync(status.certificate.file));
    return ca;
  };
  /** The SIZE smtplib reads at each point, from a client address on loopback. */
  const sizes = async (opts: { source?: string; user?: string; password?: string } = {}) => {
    const res = await run('/usr/bin/python3', ['-c', SIZES, String(suite.r.port), String(suite.r.tlsPort), await caFile(), opts.source ?? '127.0.0.1', opts.user ?? '', opts.password ?? '']);
    expect(res.code, res.out).toBe(0);
    return JSON.parse(res.out) as Record<string, string | null>;
  };
  const everywhere = (n: number) => ({ plain: String(n), starttls: String(n), implicit: String(n) });

  it('announces the largest limit an enabled credential allows this client, and follows creations, changes and deletes', async () => {
    // Only the suite's credential, with the default 10 MiB (not Mailroom's 25 MiB ceiling).
    expect(await sizes()).toEqual(everywhere(10 * MiB));
    const big = await suite.r.createCredential({ name: 'Big', allowedFrom: ['@example.com'], maxMessageBytes: 20 * MiB });
    expect(await sizes()).toEqual(everywhere(20 * MiB));
    let res = await api('PATCH', `/smtp-credentials/${big.id}`, { version: 1, maxMessageBytes: 15 * MiB });
    expect(res.statusCode, res.body).toBe(200);
    expect(await sizes()).toEqual(everywhere(15 * MiB));
    res = await api('PATCH', `/smtp-credentials/${big.id}`, { version: 2, enabled: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(await sizes()).toEqual(everywhere(10 * MiB));
    // A credential this client's address may not use does not count.
    const elsewhere = await suite.r.createCredential({ name: 'Elsewhere', allowedFrom: ['@example.com'], maxMessageBytes: 24 * MiB, allowedIps: ['10.0.0.0/8'] });
    expect(await sizes()).toEqual(everywhere(10 * MiB));
    for (const c of [big, elsewhere]) expect((await api('DELETE', `/smtp-credentials/${c.id}`)).statusCode).toBe(204);
    expect(await sizes()).toEqual(everywhere(10 * MiB));
    // No credential could take this client's mail: SIZE without a number, which promises nothing.
    const own = (await api('GET', `/smtp-credentials/${suite.r.credential.id}`)).json();
    res = await api('PATCH', `/smtp-credentials/${own.id}`, { version: own.version, enabled: false });
    expect(res.statusCode, res.body).toBe(200);
    try {
      expect(await sizes()).toEqual({ plain: '', starttls: '', implicit: '' });
    } finally {
      res = await api('PATCH', `/smtp-credentials/${own.id}`, { version: own.version + 1, enabled: true });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it("after AUTH, an EHLO again announces the session's own credential's limit", async () => {
    const small = await suite.r.createCredential({ name: 'Small', allowedFrom: ['@example.com'], maxMessageBytes: 2 * MiB });
    try {
      expect(await sizes({ user: small.username, password: small.password })).toEqual({ ...everywhere(10 * MiB), login: String(2 * MiB) });
    } finally {
      await api('DELETE', `/smtp-credentials/${small.id}`);
    }
  });

  it('a client whose address belongs to a client-ip credential is told that credential’s limit', async () => {
    const device = await suite.r.createCredential({ name: 'Printer', authentication: 'client-ip', allowedIps: ['127.0.0.2'], allowedFrom: ['printer@example.com'], maxMessageBytes: 3 * MiB });
    try {
      expect(await sizes({ source: '127.0.0.2' })).toEqual(everywhere(3 * MiB));
      // Every other address: the password credentials' largest.
      expect(await sizes({ source: '127.0.0.3' })).toEqual(everywhere(10 * MiB));
    } finally {
      await api('DELETE', `/smtp-credentials/${device.id}`);
    }
  });

  it('swaks reads the same SIZE; a message over it is refused before its transfer when declared, with 552 after DATA when not', async () => {
    const c = suite.r.credential;
    const body = path.join(suite.r.t.dataDir, 'big.txt');
    writeFileSync(body, `${'x'.repeat(998)}\r\n`.repeat(Math.ceil((10 * MiB + 1) / 1000)));
    const res = await run(SWAKS, ['--server', `127.0.0.1:${suite.r.port}`, '--ehlo', 'swaks.test', '--tls', '--auth', 'PLAIN', '--auth-user', c.username, '--auth-password', c.password!, '--from', 'app@example.com', '--to', 'a@example.net', '--body', `@${body}`, '--suppress-data']);
    expect(res.out).toMatch(/<~ +250-SIZE 10485760\r?\n|<~ +250 SIZE 10485760\r?\n/);
    expect(res.out).toMatch(/<~\*? +552 5\.3\.4 the message is \d+ bytes; SMTP credential "Billing app" allows 10485760/);
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = EmailMessage()
m['From'] = 'app@example.com'
m['To'] = 'a@example.net'
m['Subject'] = 'too big'
m.set_content('x' * (11 * 1024 * 1024))
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='python.test') as s:
    s.starttls(context=ctx)
    s.login(sys.argv[3], sys.argv[4])
    print('announced', s.esmtp_features.get('size'))
    try:
        s.send_message(m)
    except smtplib.SMTPSenderRefused as e:
        print('refused', e.smtp_code, e.smtp_error.decode())
`;
    const py = await run('/usr/bin/python3', ['-c', script, String(suite.r.port), await caFile(), c.username, c.password!]);
    expect(py.code, py.out).toBe(0);
    expect(py.out).toMatch(/^announced 10485760\nrefused 552 5\.3\.4 the message is \d+ bytes; SMTP credential "Billing app" allows 10485760/m);
  });

  // Credentials are read through the store's configuration cache, which sees another process's
  // change within its 1 s lifetime: the EHLO answer and the MAIL FROM check alike.
  // Only PostgreSQL is shared by processes: the test exists on that dialect only (no skipped entry under SQLite).
  if (dialect === 'postgres') it('follows a change another process made in the shared database (within the configuration cache’s second)', async () => {
    const db = new pg.Client({ connectionString: suite.r.t.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE smtp_credentials SET max_message_bytes = $1, version = version + 1 WHERE id = $2', [12 * MiB, suite.r.credential.id]);
      await expect.poll(sizes, { timeout: 5_000, interval: 300 }).toEqual(everywhere(12 * MiB));
      await db.query('UPDATE smtp_credentials SET max_message_bytes = $1, version = version + 1 WHERE id = $2', [10 * MiB, suite.r.credential.id]);
      await expect.poll(sizes, { timeout: 5_000, interval: 300 }).toEqual(everywhere(10 * MiB));
    } finally {
      await db.end();
    }
  });
});
