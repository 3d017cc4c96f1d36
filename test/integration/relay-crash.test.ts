import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { apiRequest } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { queuedId } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

/**
 * `mailroom start` with the relay, killed with SIGKILL while applications submit: every message
 * that got "250 2.0.0 queued as msg_…" is delivered after the restart. The mail server is down
 * until then, so at the kill every acknowledged message is still only on disk.
 */
const sinkOk = haveSmtpSink();

describe.runIf(sinkOk)('SIGKILL of mailroom start after the relay said 250 (SQLite)', () => {
  let sink: SmtpSink | undefined;
  let dataDir: string;
  let running: RunningMailroom | undefined;
  let sinkPort: number;
  let relayPort: number;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-relay-crash-'));
    sinkPort = await freePort();
    relayPort = await freePort();
  });
  afterAll(async () => {
    await running?.stop('SIGKILL');
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_ADMIN_EMAIL: 'admin@example.com',
    MAILROOM_ADMIN_PASSWORD: 'crash-test-password',
    MAILROOM_SMTP_HOST: '127.0.0.1',
    MAILROOM_SMTP_PORT: String(sinkPort),
    MAILROOM_SMTP_SECURITY: 'none',
    MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
    MAILROOM_MAIL_FROM_NAME: 'App',
    MAILROOM_RELAY_PORT: String(relayPort),
  });

  it('every acknowledged message is delivered after the restart', async () => {
    const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'crash', '--scopes', 'admin'], env())).stdout.trim();
    running = await startCli(env());
    expect(running.stdout()).toMatch(new RegExp(`SMTP relay: 127\\.0\\.0\\.1:${relayPort} \\(STARTTLS\\)`));
    expect(running.stdout()).toMatch(/relay certificate: self-signed, SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const made = await apiRequest(`${running.url}/api/v1/smtp-credentials`, key, 'POST', { name: 'crash', authentication: 'client-ip', allowedIps: ['127.0.0.1'], allowedFrom: ['app@example.com'] });
    expect(made.status, made.body).toBe(201);

    const first = running;
    const acknowledged = new Map<string, string>(); // id -> subject
    let next = 0;
    let killed = false;
    const session = async () => {
      const c = await RawSmtp.connect(relayPort);
      try {
        await c.reply();
        expectCode(await c.command('EHLO crash.test'), 250);
        while (!killed) {
          const subject = `relay crash ${next++}`;
          if ((await c.command('MAIL FROM:<app@example.com>'))?.startsWith('250') !== true) break;
          if ((await c.command('RCPT TO:<r@example.net>'))?.startsWith('250') !== true) break;
          if ((await c.command('DATA'))?.startsWith('354') !== true) break;
          c.write(`From: app@example.com\r\nTo: r@example.net\r\nSubject: ${subject}\r\n\r\nbody\r\n.\r\n`);
          const reply = await c.reply();
          if (!reply?.startsWith('250')) break;
          acknowledged.set(queuedId(reply), subject);
          if (!killed && acknowledged.size >= 150) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      } catch {
        // The connection died with the process: the message in flight was never acknowledged.
      } finally {
        c.close();
      }
    };
    await Promise.all(Array.from({ length: 8 }, session));
    expect(killed).toBe(true);
    await first.stop('SIGKILL');

    // The mail server comes up, and Mailroom again on the same data directory.
    sink = await startSmtpSink([], sinkPort);
    running = await startCli(env());
    const delivered = () => new Set(sink!.messages().map((d) => /^Subject: (.*)$/m.exec(d)?.[1]));
    const deadline = Date.now() + 90_000;
    let missing = [...acknowledged.values()];
    while (missing.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const got = delivered();
      missing = missing.filter((s) => !got.has(s));
    }
    console.log(`[relay crash test] acknowledged ${acknowledged.size}; delivered after the restart ${sink.count()}; lost ${missing.length}`);
    expect(missing).toEqual([]);
  }, 150_000);
});
