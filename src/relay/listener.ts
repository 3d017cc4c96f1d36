import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { RelayConfig } from '../config.js';
import { announcedMessageBytes } from '../core/relay/announced-size.js';
import { pruneRelayRecords } from '../core/relay/rejections.js';
import type { RelayStatus, Worker } from '../ports.js';
import { announceSize, type SizedConnection } from './announced-size.js';
import { relayCertificate, type CertificateInfo } from './certificate.js';
import { clientHangUp } from './client-hang-up.js';
import { relaySessionHandlers, type SessionDeps } from './session.js';
import { listenFailure } from '../listen-failure.js';
import { LISTEN_BACKLOG } from '../listen-backlog.js';

export interface RelayWorker extends Worker {
  status(): RelayStatus;
  certificatePem(): string | null;
}

const HOUSEKEEPING_MS = 3_600_000;
/** An enhanced status code at the start of a reply's text (RFC 3463). */
const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

type Connection = SizedConnection & { connectionReady?: () => void; _closing?: boolean; secure?: boolean };

/** The AUTH line of an EHLO answer ("AUTH PLAIN LOGIN"). */
const AUTH_FEATURE = /^AUTH /i;

/**
 * The relay announces ENHANCEDSTATUSCODES (RFC 2034), so every 2xx, 4xx and 5xx reply but the
 * greeting and the answer to EHLO/HELO carries an enhanced status code. smtp-server picks it
 * from the reply's number alone (a 550 is always "5.1.1 mailbox unavailable", a successful DATA
 * "2.6.0"). The relay's replies carry their own ("550 5.7.1 sender not allowed", "250 2.0.0
 * queued as …"): a reply whose text starts with one is sent as written, every other reply keeps
 * smtp-server's. And AUTH is offered inside TLS only (Postfix's smtpd_tls_auth_only): an EHLO
 * answer on a plain connection leaves it out, so a client that does not insist on STARTTLS never
 * sends a password in clear text (AUTH tried anyway is still 538). Each connection is adapted
 * as the server adds it to its set (smtp-server is pinned: this relies on send(code, data,
 * context), `secure` and `session`), and then by `adapt` (the SIZE its EHLO answer announces, announced-size.ts). Every refusal
 * sent is reported to `refused`, which lists those smtp-server makes itself (session.ts).
 */
class OwnEnhancedCodes extends Set<Connection> {
  /** The connection added last: the one SMTPServer.connect() has just set up. */
  newest: Connection | undefined;
  constructor(
    private readonly adapt: (conn: Connection) => void,
    private readonly refused: (session: SMTPServerSession) => void,
  ) {
    super();
  }
  override add(conn: Connection): this {
    const send = conn.send.bind(conn);
    conn.send = (code, data, context) => {
      if (code === 250 && Array.isArray(data) && !conn.secure) data = data.filter((line) => !(typeof line === 'string' && AUTH_FEATURE.test(line)));
      const own = typeof data === 'string' && ENHANCED.test(data);
      // smtp-server sends a few refusals with no code at all (context false): "421 Too many
      // connected clients" in place of the greeting, "501" to a malformed EHLO. Every 4xx and
      // 5xx gets one (a code in an answer to EHLO is allowed, just not required); the greeting
      // and the EHLO/HELO answers (2xx, context false) stay without, as RFC 2034 says.
      send(code, data, own ? false : context === false && code >= 400 ? undefined : context);
      if (code >= 400) this.refused(conn.session as SMTPServerSession);
    };
    this.adapt(conn);
    this.newest = conn;
    return super.add(conn);
  }
}

/**
 * smtp-server greets 100 ms after a client connects, to catch spam bots that talk before the
 * greeting (a port-25 defence, like Postfix's postscreen, which Postfix does not run on its
 * submission port either). On a submission port it only costs: every message of a client that
 * opens a connection per message (Django's send_mail does) waits 100 ms more, and 20 such
 * clients can never pass 200 messages a second. The relay greets at once: the connection's own
 * start is run right after SMTPServer.connect() and the delayed one does nothing. If a later
 * smtp-server lacks connectionReady, its own timing stays.
 */
function greetAtOnce(server: SMTPServer, connections: OwnEnhancedCodes): void {
  const s = server as unknown as { connect(socket: unknown, opts: unknown): void };
  const connect = s.connect.bind(server);
  s.connect = (socket, opts) => {
    connections.newest = undefined;
    connect(socket, opts);
    const conn = connections.newest as Connection | undefined;
    if (!conn || conn._closing || typeof conn.connectionReady !== 'function') return;
    const ready = conn.connectionReady.bind(conn);
    conn.connectionReady = () => undefined;
    ready();
  };
}

/**
 * The SMTP submission relay: STARTTLS on MAILROOM_RELAY_PORT, implicit TLS on
 * MAILROOM_RELAY_TLS_PORT, AUTH PLAIN/LOGIN only inside TLS, never an open relay (every
 * transaction belongs to a credential). A worker of `mailroom start`.
 */
export function relayWorker(config: RelayConfig, dataDir: string, deps: Omit<SessionDeps, 'serverName'>): RelayWorker {
  const servers: { server: SMTPServer; tls: 'starttls' | 'implicit'; port: number; listening: boolean }[] = [];
  let certificate: CertificateInfo | null = null;
  let certificatePem: string | null = null;
  let startedAt: number | null = null;
  let housekeeping: NodeJS.Timeout | undefined;
  const serverName = hostname();

  const listen = (server: SMTPServer, port: number, variable: string) =>
    new Promise<number>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) => reject(listenFailure(err, { what: 'the SMTP relay', host: config.host, hostVariable: 'MAILROOM_RELAY_HOST', port, portVariable: variable, unprivilegedPort: 2587 }));
      server.server.once('error', failed);
      server.listen(port, config.host, LISTEN_BACKLOG, () => {
        server.server.off('error', failed);
        resolve((server.server.address() as AddressInfo).port);
      });
    });

  const tidy = async () => {
    const dropped = deps.rejections.takeDropped();
    if (dropped) deps.logger.warn({ dropped }, 'SMTP relay: refusals beyond the per-minute bound were not recorded (the client may be hammering the port)');
    const pruned = await pruneRelayRecords(deps.ctx).catch((err) => deps.logger.warn({ err }, 'SMTP relay: could not prune old refusals and rate counters'));
    if (pruned) deps.logger.info({ pruned }, 'SMTP relay: old refusals pruned');
  };

  return {
    name: 'smtp-relay',
    async start() {
      const cert = await relayCertificate(config, dataDir, deps.ctx.clock.now(), (m) => deps.logger.warn(`SMTP relay: ${m}`));
      if (cert.created) deps.logger.info({ fingerprint256: cert.fingerprint256, file: cert.file }, 'SMTP relay: a self-signed certificate was made');
      if (cert.renewed) deps.logger.warn({ fingerprint256: cert.fingerprint256 }, 'SMTP relay: the self-signed certificate had expired and was replaced: clients that pin it need the new fingerprint');
      const { cert: pem, key, renewed: _r, created: _c, ...info } = cert;
      certificate = info;
      certificatePem = pem;
      const { refusedBySmtpLayer, ...handlers } = relaySessionHandlers({ ...deps, serverName });
      const sizeFor = (clientIp: string, credentialId: string | null) =>
        announcedMessageBytes(deps.ctx, clientIp, credentialId).catch((err: unknown) => {
          deps.logger.warn({ err }, 'SMTP relay: could not read the credentials for the SIZE of an EHLO answer; announced without a number');
          return null;
        });
      // A reset can reach smtp-server twice (the TLS socket and the one beneath it): logged once.
      const logged = new WeakSet<Error>();
      const connectionError = (err: Error) => {
        if (logged.has(err)) return;
        logged.add(err);
        const hangUp = clientHangUp(err);
        // A client hanging up is its own business: one line, with its address, no stack.
        if (hangUp) deps.logger.info(hangUp, `SMTP relay: client ${hangUp.clientIp ?? '(address unknown)'} hung up (${hangUp.code})`);
        else deps.logger.warn({ err }, 'SMTP relay: connection error');
      };
      const options: SMTPServerOptions = {
        name: serverName,
        banner: 'Mailroom submission service',
        key,
        cert: pem,
        authMethods: ['PLAIN', 'LOGIN'],
        // Optional for smtp-server only: MAIL FROM without a login answers 530 unless the client's
        // address belongs to a client-ip credential (session.ts). AUTH itself stays TLS-only (538).
        authOptional: true,
        allowInsecureAuth: false,
        disableReverseLookup: true,
        // No `size`: SIZE is announced per client (announced-size.ts), and MAIL FROM's SIZE= and
        // the message itself are held to the session's credential (session.ts).
        // Not offered, because the relay would not honour them: DSN requests, REQUIRETLS, SMTPUTF8 addresses.
        hideDSN: true,
        // smtp-server's default hides ENHANCEDSTATUSCODES and leaves its own replies without a
        // code, while the relay's carry one: RFC 2034 asks for the keyword, and a code on every
        // reply, once any reply has one (OwnEnhancedCodes).
        hideENHANCEDSTATUSCODES: false,
        hideREQUIRETLS: true,
        hideSMTPUTF8: true,
        maxClients: 500,
        closeTimeout: 5_000,
        logger: false,
        ...handlers,
      } as SMTPServerOptions;
      const add = async (tls: 'starttls' | 'implicit', port: number) => {
        const server = new SMTPServer({ ...options, secure: tls === 'implicit' });
        const connections = new OwnEnhancedCodes((conn) => announceSize(conn, sizeFor), refusedBySmtpLayer);
        (server as unknown as { connections: Set<Connection> }).connections = connections;
        greetAtOnce(server, connections);
        const entry = { server, tls, port, listening: false };
        // smtp-server re-emits its listening socket's errors here too: a port in use is the
        // start's own refusal (listen, above), not a connection error with a stack to log.
        server.on('error', (err) => entry.listening && connectionError(err));
        servers.push(entry);
        entry.port = await listen(server, port, tls === 'starttls' ? 'MAILROOM_RELAY_PORT' : 'MAILROOM_RELAY_TLS_PORT');
        entry.listening = true;
        server.server.on('close', () => (entry.listening = false));
      };
      await add('starttls', config.port);
      if (config.tlsPort !== undefined) await add('implicit', config.tlsPort);
      startedAt = deps.ctx.clock.now();
      housekeeping = setInterval(() => void tidy(), HOUSEKEEPING_MS).unref();
      deps.logger.info({ host: config.host, ports: servers.map((s) => `${s.port} (${s.tls})`), fingerprint256: certificate.fingerprint256, expiresAt: new Date(certificate.expiresAt).toISOString() }, 'SMTP relay listening');
    },
    async stop() {
      clearInterval(housekeeping);
      // smtp-server stops accepting at once and gives open sessions closeTimeout to finish.
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.server.close(() => resolve()))));
      servers.length = 0;
      startedAt = null;
    },
    certificatePem: () => certificatePem,
    status() {
      return {
        enabled: true,
        host: config.host,
        listeners: servers.map((s) => ({ port: s.port, tls: s.tls, listening: s.listening })),
        certificate,
        startedAt,
      };
    },
  };
}
