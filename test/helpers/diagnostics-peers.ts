import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/**
 * Real SMTP peers for the diagnostics tests, all on 127.0.0.1 and free ports: a private
 * Postfix instance (smtpd with STARTTLS and a self-signed certificate), nodemailer's
 * smtp-server, a port that accepts and never greets, and a closed port.
 */

export { freePort, waitForPort } from './ports.js';
import { freePort, waitForPort } from './ports.js';
import { startPrivatePostfix } from './postfix.js';
import { killGroup } from './process-group.js';

/** A port nothing listens on (taken and released: closed for the test's lifetime in practice). */
export const closedPort = freePort;

export interface Cert {
  key: string;
  cert: string;
  keyFile: string;
  certFile: string;
}

/** A fresh self-signed certificate for `cn` (openssl, at test time). */
export function selfSignedCert(dir: string, cn = 'mail.test.invalid', days = 2): Cert {
  const keyFile = path.join(dir, `${cn}.key.pem`);
  const certFile = path.join(dir, `${cn}.cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`], { stdio: 'ignore' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export { havePostfix } from './postfix.js';

export interface PostfixInstance {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A private Postfix (test/helpers/postfix.ts) whose smtpd offers STARTTLS with `cert` and
 * discards every message it accepts: nothing is delivered anywhere.
 */
export async function startPostfix(cert: Cert): Promise<PostfixInstance> {
  return startPrivatePostfix({
    main: {
      default_transport: 'discard:',
      relay_transport: 'discard:',
      smtpd_tls_cert_file: cert.certFile,
      smtpd_tls_key_file: cert.keyFile,
      smtpd_tls_security_level: 'may',
    },
    services: ['discard unix - - n - - discard', 'tlsmgr unix - - n 1000? 1 tlsmgr'],
  });
}

export interface SmtpPeer {
  port: number;
  /** Raw messages received, in order. */
  messages: { from: string; to: string[]; raw: Buffer }[];
  stop(): Promise<void>;
}

/** nodemailer's smtp-server with the given options; accepts user/password when `users` is set. */
export async function startSmtpServer(opts: Partial<SMTPServerOptions> & { users?: Record<string, string> } = {}): Promise<SmtpPeer> {
  const { users, ...options } = opts;
  const messages: SmtpPeer['messages'] = [];
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: !users,
    ...(users
      ? {
          onAuth(auth, _session, cb) {
            if (users[auth.username ?? ''] === auth.password) return cb(null, { user: auth.username });
            const err = new Error('Error: authentication failed') as Error & { responseCode: number };
            err.responseCode = 535;
            return cb(err);
          },
        }
      : {}),
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        cb();
      });
    },
    ...options,
  });
  // Clients that hang up mid-handshake (probes, timeouts) are part of these tests, not errors.
  server.on('error', () => {});
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, messages, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Accepts TCP connections and never says a word. */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function haveDovecot(): boolean {
  return existsSync('/usr/sbin/dovecot') && process.getuid?.() === 0;
}

export interface DovecotInstance {
  imapPort: number;
  imapsPort: number;
  stop(): Promise<void>;
}

/**
 * A private Dovecot: IMAP with STARTTLS and IMAPS on free loopback ports, one user from a
 * passwd-file, maildirs and state under a temp dir.
 */
export async function startDovecot(cert: Cert, users: Record<string, string>, oauth2?: { introspectionUrl: string; caCertificate: string; /** SASL mechanisms offered for tokens (default both; Microsoft 365 offers XOAUTH2 only). */ mechanisms?: ('xoauth2' | 'oauthbearer')[] }): Promise<DovecotInstance> {
  const dir = tempDir('mailroom-dovecot-');
  chmodSync(dir, 0o755);
  for (const d of ['run', 'state', 'mail']) mkdirSync(path.join(dir, d));
  const dovecotUid = Number(execFileSync('id', ['-u', 'dovecot']).toString().trim());
  const dovecotGid = Number(execFileSync('id', ['-g', 'dovecot']).toString().trim());
  chownSync(path.join(dir, 'mail'), dovecotUid, dovecotGid);
  // nodelay: a wrong password is refused at once, not after Dovecot's 2 s (tests refuse many).
  writeFileSync(path.join(dir, 'passwd'), Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}::::::nodelay=y`).join('\n') + '\n');
  let [imapPort, imapsPort] = [await freePort(), await freePort()];
  // OAuth2: Dovecot asks the authorization server about each bearer token (RFC 7662 introspection).
  if (oauth2) {
    writeFileSync(path.join(dir, 'oauth2-ca.pem'), oauth2.caCertificate, { mode: 0o644 });
    writeFileSync(
      path.join(dir, 'dovecot-oauth2.conf.ext'),
      `introspection_mode = post\nintrospection_url = ${oauth2.introspectionUrl}\ntls_ca_cert_file = ${dir}/oauth2-ca.pem\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n`,
      { mode: 0o644 },
    );
  }
  const tokenMechanisms = (oauth2?.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
  const oauth2Passdb = oauth2 ? `passdb {\n  driver = oauth2\n  mechanisms = ${tokenMechanisms}\n  args = ${dir}/dovecot-oauth2.conf.ext\n}\n` : '';
  const confFor = (imapPort: number, imapsPort: number) => `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${cert.certFile}
ssl_key = <${cert.keyFile}
auth_mechanisms = plain login${oauth2 ? ` ${tokenMechanisms}` : ''}
disable_plaintext_auth = yes
${oauth2Passdb}passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
mail_location = maildir:${dir}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
service anvil {
  chroot =
  # No penalty for failed logins from an address: the tests' own wrong passwords and revoked
  # tokens (readers retrying them) made every later login from 127.0.0.1 wait 2 to 15 s.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${imapsPort}
    ssl = yes
  }
}
`;
  const confFile = path.join(dir, 'dovecot.conf');
  // A free port is taken and released before Dovecot binds it: another test may bind it first
  // (Dovecot then exits 89 at start, in a whole-suite run). Fresh ports, a few times.
  for (let attempt = 1; ; attempt++) {
    writeFileSync(confFile, confFor(imapPort, imapsPort));
    // Dovecot's daemon keeps inherited pipes open, so spawnSync would wait forever: no pipes.
    const r = spawnSync('/usr/sbin/dovecot', ['-c', confFile], { stdio: 'ignore' });
    if (r.status === 0) break;
    if (attempt === 3) throw new Error(`dovecot did not start (exit ${r.status}): ${existsSync(path.join(dir, 'dovecot.log')) ? readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : ''}`);
    [imapPort, imapsPort] = [await freePort(), await freePort()];
  }
  await waitForPort(imapsPort);
  return {
    imapPort,
    imapsPort,
    async stop() {
      // A kill of the whole instance (its master's process group), not `doveadm stop`: that
      // waited ~3 s for the master's orderly shutdown, in each of the ~25 files with a Dovecot,
      // and a test peer has nothing to save.
      const pidFile = path.join(dir, 'run', 'master.pid');
      if (existsSync(pidFile)) await killGroup(Number(readFileSync(pidFile, 'utf8')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
