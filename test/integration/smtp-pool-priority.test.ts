import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { GuardedPool } from '../../src/delivery/smtp/pool.js';

/**
 * The per-account SMTP pool is the last queue a message waits in: with every connection busy,
 * a two-factor code queued after a run of bulk messages must go out before them (the outbox
 * claims by priority; this keeps that order up to the wire). Same priority: first in, first out.
 */
describe('SMTP pool: urgent mail first; what closing does to waiting messages', () => {
  let server: SMTPServer;
  let port = 0;
  const arrived: string[] = [];
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString()));
        stream.on('end', () => {
          arrived.push(/^Subject: (.*)$/m.exec(text)?.[1].trim() ?? '?');
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a higher-priority message before the lower ones already waiting for a connection', async () => {
    const pool = new GuardedPool({ connection: { host: '127.0.0.1', port, secure: false, ignoreTLS: true }, maxConnections: 1, connectTimeoutMs: 5_000, sendTimeoutMs: 5_000 });
    const send = (subject: string, priority: number) =>
      pool.send({ priority, document: `From: a@example.com\r\nTo: b@example.net\r\nSubject: ${subject}\r\n\r\nx\r\n`, envelope: { from: 'a@example.com', to: ['b@example.net'] } });
    const sends = [...['bulk 1', 'bulk 2', 'bulk 3', 'bulk 4'].map((s) => send(s, 10)), send('two-factor code', 100), send('reset link', 90), send('bulk 5', 10)];
    await Promise.all(sends);
    pool.close();
    // bulk 1 had the one connection already; the rest waited and left by priority, then in order.
    expect(arrived).toEqual(['bulk 1', 'two-factor code', 'reset link', 'bulk 2', 'bulk 3', 'bulk 4', 'bulk 5']);
  });
  it('a closed pool refuses new sends; messages still waiting fail, the one on the wire finishes', async () => {
    arrived.length = 0;
    const pool = new GuardedPool({ connection: { host: '127.0.0.1', port, secure: false, ignoreTLS: true }, maxConnections: 1, connectTimeoutMs: 5_000, sendTimeoutMs: 5_000 });
    const send = (subject: string) => pool.send({ priority: 0, document: `Subject: ${subject}\r\n\r\nx\r\n`, envelope: { from: 'a@example.com', to: ['b@example.net'] } });
    const outcomes = Promise.allSettled([send('on the wire'), send('waiting 1'), send('waiting 2')]);
    pool.close();
    const [wire, w1, w2] = await outcomes;
    expect(wire.status).toBe('fulfilled');
    for (const w of [w1, w2]) expect(w).toMatchObject({ status: 'rejected', reason: { code: 'ECONNECTION', message: 'the SMTP pool was closed before this message was sent' } });
    await expect(send('after')).rejects.toMatchObject({ code: 'ECONNECTION', message: 'the SMTP pool is closed' });
    expect(arrived).toEqual(['on the wire']);
  });
});
