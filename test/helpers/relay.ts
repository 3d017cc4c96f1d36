import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Dialect } from './dialects.js';
import { freePorts } from './ports.js';
import { expectCode, RawSmtp } from './smtp-client.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** The independent SMTP clients the relay is tested with; with CI=true each must be installed. */
export function requireProgram(file: string, pkg: string): boolean {
  if (existsSync(file)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${file} is missing: install ${pkg}`);
  console.warn(`[mailroom tests] ${file} not found: the tests that use it are SKIPPED (install ${pkg})`);
  return false;
}

export interface RelayCredential {
  id: string;
  name: string;
  username: string;
  password?: string;
}

export interface RelayApp {
  t: TestApp;
  /** STARTTLS port. */
  port: number;
  /** Implicit-TLS port. */
  tlsPort: number;
  accountId: string;
  serverId: string;
  /** A password credential that may send as anyone @example.com. */
  credential: RelayCredential;
  createCredential(body: Record<string, unknown>): Promise<RelayCredential>;
  /** The message the log shows for an id from a "250 2.0.0 queued as msg_…" reply. */
  message(id: string): Promise<Record<string, unknown> & { status: string; source: string; createdBy: string }>;
  close(): Promise<void>;
}

/** The id in "250 2.0.0 queued as msg_…". */
export function queuedId(reply: string | null): string {
  const m = /queued as (msg_[0-9a-z]{26})/.exec(reply ?? '');
  if (!m) throw new Error(`no "queued as msg_…" in ${JSON.stringify(reply)}`);
  return m[1];
}

/**
 * Mailroom with its SMTP relay on two free loopback ports (STARTTLS and implicit TLS), its
 * workers running (relay and delivery), a server pointing at `sinkPort` and an account
 * app@example.com that may send as anyone @example.com.
 */
export async function startRelayApp(dialect: Dialect, sinkPort: number, opts: TestAppOptions & { delivery?: boolean } = {}): Promise<RelayApp> {
  // A free port is taken and released before the relay binds it: another test's connection may
  // take it first (EADDRINUSE at start, in a whole-suite run). Fresh ports, a few times.
  let port: number, tlsPort: number, t: TestApp;
  for (let attempt = 1; ; attempt++) {
    [port, tlsPort] = await freePorts(2);
    t = await startTestApp(dialect, {
      ...opts,
      env: { MAILROOM_RELAY_PORT: String(port), MAILROOM_RELAY_TLS_PORT: String(tlsPort), ...(opts.env ?? {}) },
      config: { runWorkers: opts.delivery !== false, ...(opts.config ?? {}) },
    });
    try {
      await t.app.startWorkers();
      break;
    } catch (err) {
      await t.close();
      if (attempt === 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
  const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sinkPort, security: 'none', requireTls: false, connectTimeoutSec: 5, sendTimeoutSec: 10 } } });
  expect(server.statusCode).toBe(201);
  const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'app@example.com', aliases: ['@example.com'] } });
  expect(account.statusCode).toBe(201);
  const createCredential = async (body: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/smtp-credentials', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as RelayCredential;
  };
  const credential = await createCredential({ name: 'Billing app', allowedFrom: ['@example.com'] });
  return {
    t,
    port,
    tlsPort,
    accountId: account.json().id,
    serverId: server.json().id,
    credential,
    createCredential,
    message: async (id) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json(),
    close: () => t.close(),
  };
}

/**
 * A suite's Postfix smtp-sink and relay app, started before its tests and stopped after them;
 * read `suite.r` and `suite.sink` inside the tests.
 */
export function relaySuite(dialect: Dialect, opts: TestAppOptions & { delivery?: boolean } = {}): { r: RelayApp; sink: SmtpSink } {
  const suite = {} as { r: RelayApp; sink: SmtpSink };
  beforeAll(async () => {
    suite.sink = await startSmtpSink();
    suite.r = await startRelayApp(dialect, suite.sink.port, opts);
  }, 60_000);
  afterAll(async () => {
    await suite.r?.close();
    await suite.sink?.stop();
  });
  return suite;
}

/** An audit entry as the relay's refusal tests read it. */
export interface RelayAuditEntry {
  action: string;
  actor: string;
  ip: string | null;
  after: Record<string, unknown>;
}

/** A row of GET /relay/rejections as the relay's refusal tests read it. */
export interface RelayRejection {
  clientIp: string;
  username: string | null;
  stage: string;
  code: number;
  reply: string;
}

/** The AUTH PLAIN command for an authorization identity, a username and a password. */
export function authPlain(authzid: string, username: string, password: string): string {
  return `AUTH PLAIN ${Buffer.from(`${authzid}\0${username}\0${password}`).toString('base64')}`;
}

/**
 * What an admin can read about the relay's refusals: the audit log, the rejections list, and
 * `everything` (both, with the server log) for "never recorded as typed" checks.
 */
export function relayRecords(suite: { r: RelayApp }) {
  // Read at each call: the suite starts its app in beforeAll.
  const audit = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/audit?limit=500' })).json().items as RelayAuditEntry[];
  const rejections = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/rejections?limit=500' })).json().items as RelayRejection[];
  const everything = async () => JSON.stringify(await audit()) + JSON.stringify(await rejections()) + suite.r.t.logLines.join('');
  return { audit, rejections, everything };
}

/** A line of the server log as the tests read it (pino's JSON). */
export interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string; code?: string };
  [field: string]: unknown;
}

/** The server log's lines from index `from` of `t.logLines` on, parsed. */
export function logLinesSince(r: RelayApp, from: number): LogLine[] {
  return r.t.logLines
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * Sends one message through the relay as `c`, from billing@example.com to customer@example.net,
 * whose header starts with `headers` (the authors: From, Sender …): the reply to its end of DATA.
 */
export async function sendWithAuthors(r: RelayApp, c: RelayCredential, headers: string): Promise<string> {
  const s = await RawSmtp.connect(r.port);
  await s.login(c.username, c.password!);
  expectCode(await s.command('MAIL FROM:<billing@example.com>'), 250);
  expectCode(await s.command('RCPT TO:<customer@example.net>'), 250);
  expectCode(await s.command('DATA'), 354);
  s.write(`${headers}\r\nTo: customer@example.net\r\nSubject: authors\r\n\r\nhello\r\n.\r\n`);
  const reply = (await s.reply()) ?? '';
  s.close();
  return reply;
}
