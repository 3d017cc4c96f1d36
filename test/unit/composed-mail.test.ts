import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { dkimVerify } from 'mailauth';
import MailComposer from 'nodemailer/lib/mail-composer';
import DKIM from 'nodemailer/lib/dkim';
import { describe, expect, it } from 'vitest';
import { composable, composeMail, endWithLineBreak, wireMessage, type Composable } from '../../src/delivery/smtp/composed-mail.js';
import { orderMessage } from '../helpers/mime-message.js';

/*
 * The SMTP pool sends the composed document itself; before, it went through nodemailer's mail
 * layer (MailComposer's raw node, its LastNewline stream, then the DKIM signer). The bytes that
 * reach SMTPConnection must be the same as that path made, signed or not.
 */

const attempt = (message: Partial<Composable['message']> = {}, recipients = ['ann@example.net']): Composable => ({
  message: { ...orderMessage, raw: null, envelopeFrom: 'bounces@shop.example', priority: 50, ...message },
  recipients,
});

const read = async (body: string | Buffer | Readable): Promise<Buffer> => {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};

/** What nodemailer's mail layer streamed for a raw document (the path before). */
const viaMailComposer = (raw: string | Buffer, dkim?: DKIM.Options) => {
  const node = new MailComposer({ raw }).compile();
  const stream = node.createReadStream();
  return read(dkim ? new DKIM(dkim).sign(stream) : stream);
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const dkim = { domainName: 'shop.example', keySelector: 'mr1', privateKey };

describe('composed mail: what the SMTP pool sends', () => {
  it('ends the last line with CRLF (a lone CR gets its LF), for text and for bytes', () => {
    expect(endWithLineBreak('a\r\nb')).toBe('a\r\nb\r\n');
    expect(endWithLineBreak('a\r\nb\r')).toBe('a\r\nb\r\n');
    expect(endWithLineBreak('a\r\nb\n')).toBe('a\r\nb\n');
    expect(endWithLineBreak(Buffer.from('x'))).toEqual(Buffer.from('x\r\n'));
    expect(endWithLineBreak(Buffer.from('x\r'))).toEqual(Buffer.from('x\r\n'));
    const whole = Buffer.from('x\r\n');
    expect(endWithLineBreak(whole)).toBe(whole);
  });

  it('builds the envelope from the stored addresses: a recipient listed twice once, the log id as ENVID, the purpose priority', () => {
    const mail = composeMail(attempt({ priority: 100 }, ['ann@example.net', 'bob@example.net', 'ann@example.net']));
    expect(mail.envelope).toEqual({ from: 'bounces@shop.example', to: ['ann@example.net', 'bob@example.net'], dsn: { id: 'msg_01TEST' } });
    expect(mail.priority).toBe(100);
    expect(mail.dkim).toBeUndefined();
    expect(String(mail.document)).toMatch(/^From: Shop <noreply@shop\.example>\r\n/);
    expect(String(mail.document).endsWith('\r\n')).toBe(true);
  });

  it('sends the same bytes as nodemailer\'s mail layer did, for a composed message and for a relayed one', async () => {
    const composed = composeMail(attempt({ text: 'no line break at the end' }));
    expect(await read(wireMessage(composed))).toEqual(await viaMailComposer(composeMail(attempt({ text: 'no line break at the end' })).document));
    // A relayed message keeps its own bytes (bare LF, 8-bit, no final line break) behind Mailroom's header fields.
    const raw = new Uint8Array(Buffer.from('Subject: relayed\nX-Bytes: \xe9\n\nbody with bare LF\nlast line', 'latin1'));
    const relayed = composeMail(attempt({ raw, headers: { Received: 'from app by mailroom' } }));
    const sent = await read(wireMessage(relayed));
    expect(sent).toEqual(Buffer.concat([Buffer.from('Received: from app by mailroom\r\n'), Buffer.from(raw), Buffer.from('\r\n')]));
    const before = await viaMailComposer(Buffer.concat([Buffer.from('Received: from app by mailroom\r\n'), Buffer.from(raw)]));
    expect(sent).toEqual(before);
  });

  it('signs with the domain key: the signature verifies and covers the document as sent', async () => {
    const mail = composeMail(attempt(), dkim);
    const sent = await read(wireMessage(mail));
    expect(sent.toString().startsWith('DKIM-Signature: ')).toBe(true);
    expect(sent.subarray(sent.length - mail.document.length).toString()).toBe(String(mail.document));
    const publicKey = (await import('node:crypto')).createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    const result = await dkimVerify(sent, {
      resolver: async (name: string, type: string) => {
        if (type === 'TXT' && name === 'mr1._domainkey.shop.example') return [[`v=DKIM1; k=rsa; p=${publicKey}`]];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    });
    expect(result.results[0]?.status.result).toBe('pass');
  });

  it('reduces a claimed attempt to what sending reads: the same bytes and envelope after the trip to the SMTP thread, without the lease, routing or recipient records', () => {
    // A claimed row carries more than composing reads; these stand for the rest.
    const extra = { purpose: 'order', leaseOwner: 'host:1:abc', leaseUntil: 1, routing: { failoverAccountIds: ['acc_1', 'acc_2'] }, pending: [{ address: 'ann@example.net', status: 'queued' }], bcc: [{ address: 'audit@shop.example' }] };
    const rich = attempt({
      cc: [{ name: 'Bob', address: 'bob@example.net' }],
      replyTo: 'help@shop.example',
      html: '<p>Hello Ann</p>',
      headers: { 'X-Order': '42' },
      attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.4').toString('base64') }],
      ...extra,
    } as Partial<Composable['message']>, ['ann@example.net', 'bob@example.net']);
    const relayed = attempt({ raw: Buffer.from('Subject: relayed\r\n\r\nbody\r\n'), headers: { Received: 'from app by mailroom' }, ...extra } as Partial<Composable['message']>);
    for (const out of [rich, relayed]) {
      // What the thread receives: a structured clone, as postMessage makes it.
      const sent = structuredClone(composable(out));
      for (const field of Object.keys(extra)) expect(sent.message, field).not.toHaveProperty(field);
      const [before, after] = [composeMail(out), composeMail(sent)];
      // Multipart boundaries are random per composition: compared by their order of appearance.
      const same = (doc: string | Buffer) => {
        const seen: string[] = [];
        return String(doc).replace(/=_mr_[0-9a-f]+/g, (b) => `=_mr_${seen.includes(b) ? seen.indexOf(b) : seen.push(b) - 1}`);
      };
      expect(same(after.document)).toBe(same(before.document));
      expect(after.envelope).toEqual(before.envelope);
      expect(after.priority).toBe(before.priority);
    }
    expect(String(composeMail(structuredClone(composable(rich))).document)).toContain('filename=invoice.pdf');
  });
});
