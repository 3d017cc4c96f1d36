import net from 'node:net';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { logLinesSince, relaySuite, type LogLine } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * A client that hangs up (a reset in the middle of a message, a connection to the implicit-TLS
 * port closed before its handshake) is the client's business: the relay logs one info line with
 * the client's address, not a warning with a stack trace the operator cannot act on. What is not
 * a hang-up (a client speaking plain text to the TLS port) stays a warning.
 */
const sinkOk = haveSmtpSink();

const WARN = 40;
const INFO = 30;

await describeEachDialect('SMTP relay: a client that hangs up', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect, { delivery: false });

  /** The relay's lines about connections (not the sessions' own), from `from` on, once `done` holds for them. */
  async function connectionLines(from: number, done: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
    const lines = () => logLinesSince(suite.r, from).filter((l) => /^SMTP relay: (connection error|client )/.test(l.msg));
    await expect.poll(() => done(lines()), { timeout: 10_000 }).toBe(true);
    // Anything logged a moment later about the same connection belongs to the answer too.
    await new Promise((r) => setTimeout(r, 300));
    return lines();
  }

  function expectQuietHangUp(lines: LogLine[], code: string): void {
    expect(lines.map((l) => ({ level: l.level, msg: l.msg, clientIp: l.clientIp, code: l.code }))).toEqual([
      { level: INFO, msg: `SMTP relay: client 127.0.0.1 hung up (${code})`, clientIp: '127.0.0.1', code },
    ]);
    expect(JSON.stringify(lines)).not.toContain('"stack"');
  }

  it('a reset in the middle of a message is one info line with the client address, without a stack', async () => {
    // The proxy resets its connection to the relay: the relay sees what a client that drops sends, an RST.
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: suite.r.port });
    try {
      const s = await RawSmtp.connect(proxy.port);
      await s.login(suite.r.credential.username, suite.r.credential.password!);
      expectCode(await s.command('MAIL FROM:<billing@example.com>'), 250);
      expectCode(await s.command('RCPT TO:<customer@example.net>'), 250);
      expectCode(await s.command('DATA'), 354);
      s.write('From: billing@example.com\r\nTo: customer@example.net\r\nSubject: half a message\r\n\r\nhal');
      const from = suite.r.t.logLines.length;
      proxy.cut();
      await s.closed;
      expectQuietHangUp(await connectionLines(from, (l) => l.length > 0), 'ECONNRESET');
    } finally {
      await proxy.close();
    }
  });

  it('a connection to the implicit-TLS port reset or closed before its handshake is an info line too', async () => {
    for (const [hangUp, code] of [
      [(sock: net.Socket) => sock.resetAndDestroy(), 'ECONNRESET'],
      [(sock: net.Socket) => sock.end(), 'closed before TLS'],
    ] as const) {
      const from = suite.r.t.logLines.length;
      const sock = net.connect(suite.r.tlsPort, '127.0.0.1');
      sock.on('error', () => undefined);
      await new Promise((r) => sock.once('connect', r));
      hangUp(sock);
      expectQuietHangUp(await connectionLines(from, (l) => l.length > 0), code);
    }
  });

  it('what is not a hang-up stays a warning: plain text to the implicit-TLS port', async () => {
    const from = suite.r.t.logLines.length;
    const sock = net.connect(suite.r.tlsPort, '127.0.0.1');
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    sock.write('EHLO client.test\r\n');
    const lines = await connectionLines(from, (l) => l.length > 0);
    sock.destroy();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[WARN, 'SMTP relay: connection error']]);
  });
});
