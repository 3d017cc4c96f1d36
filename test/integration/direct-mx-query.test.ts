import dgram from 'node:dgram';
import net from 'node:net';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mxQuery, parseMxResponse, parseServer, queryMx } from '../../src/delivery/direct/mx-query.js';
import { freePort } from '../helpers/ports.js';

const { Packet } = dns2;

/**
 * The MX question direct delivery asks itself (to learn the records' TTL), against hand-made
 * DNS servers on loopback: a truncated UDP answer is asked again over TCP, a CNAME's TTL
 * counts, a server that does not answer or fails passes to the next one, and the error codes
 * are those of Node's resolver.
 */
describe('MX question with TTL', () => {
  let udp: dgram.Socket;
  let tcp: net.Server;
  let silent: dgram.Socket;
  let port = 0;
  let silentPort = 0;
  const tcpQuestions: string[] = [];

  /** Answers a question (a dns2 request) as the zone below says. */
  function answer(buf: Buffer): Buffer {
    const req = Packet.parse(buf);
    const res = Packet.createResponseFromRequest(req);
    const name = req.questions[0].name.toLowerCase();
    const base = { class: Packet.CLASS.IN };
    if (name === 'many.test') {
      for (let i = 0; i < 40; i++) res.answers.push({ ...base, name, type: Packet.TYPE.MX, ttl: 900 - i, exchange: `exchanger-number-${i}.many.test`, priority: i } as never);
    } else if (name === 'alias.test') {
      res.answers.push({ ...base, name, type: Packet.TYPE.CNAME, ttl: 40, domain: 'target.test' } as never);
      res.answers.push({ ...base, name: 'target.test', type: Packet.TYPE.MX, ttl: 600, exchange: 'mx.target.test', priority: 5 } as never);
    } else if (name === 'fail.test') {
      res.header.rcode = 2;
    } else if (name === 'empty.test') {
      // The name exists, without MX records.
    } else {
      res.header.rcode = 3;
    }
    return res.toBuffer();
  }

  beforeAll(async () => {
    port = await freePort();
    udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      let out = answer(msg);
      if (out.length > 512) {
        // Too big for UDP: the header alone, with TC set (RFC 1035 §4.2.1).
        out = Buffer.from(out.subarray(0, 12));
        out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
        out.writeUInt16BE(0, 6);
      }
      udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
    tcp = net.createServer((socket) => {
      // A client that gave up on its question (its timeout) resets the connection under the answer.
      socket.on('error', () => {});
      socket.once('data', (data: Buffer) => {
        const q = data.subarray(2, 2 + data.readUInt16BE(0));
        tcpQuestions.push(Packet.parse(q).questions[0].name);
        const out = answer(q);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length, 0);
        socket.end(Buffer.concat([len, out]));
      });
    });
    await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
    // A server that never answers.
    silentPort = await freePort();
    silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(silentPort, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    udp?.close();
    silent?.close();
    await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
  });

  const servers = () => [{ host: '127.0.0.1', port }];
  // Answers come from this process's own event loop: on a loaded machine (CI runs the suite two
  // files at a time) the first one took over 500 ms once, and the question timed out. Questions
  // that must be answered wait long; only the silent server's are meant to time out.
  const opts = { timeoutMs: 5_000, tries: 2 };

  it('reads the records and their smallest TTL, over TCP when the UDP answer is truncated', async () => {
    const a = await queryMx(servers(), 'many.test', opts);
    expect(a.records).toHaveLength(40);
    expect(a.records[3]).toEqual({ exchange: 'exchanger-number-3.many.test', priority: 3 });
    expect(a.ttlSec).toBe(861);
    expect(tcpQuestions).toEqual(['many.test']);
  });

  it('counts a CNAME\'s TTL on the way to the records', async () => {
    expect(await queryMx(servers(), 'alias.test', opts)).toEqual({ records: [{ exchange: 'mx.target.test', priority: 5 }], ttlSec: 40 });
  });

  it('gives the resolver\'s codes: ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT', async () => {
    await expect(queryMx(servers(), 'nowhere.test', opts)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(queryMx(servers(), 'empty.test', opts)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(queryMx(servers(), 'fail.test', opts)).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(queryMx([{ host: '127.0.0.1', port: silentPort }], 'alias.test', { timeoutMs: 200, tries: 2 })).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('passes from a server that does not answer to the next one', async () => {
    const a = await queryMx([{ host: '127.0.0.1', port: silentPort }, ...servers()], 'alias.test', { timeoutMs: 1_000, tries: 1 });
    expect(a.records[0].exchange).toBe('mx.target.test');
  });

  it('follows compressed names (RFC 1035 §4.1.4), as real resolvers send them', () => {
    const query = mxQuery('a.test', 0x1234);
    // The question as asked, then one answer: owner = pointer to the question's name,
    // exchange = "mx" + pointer to "a.test".
    const answerRecord = Buffer.from([0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 120, 0, 7, 0, 10, 2, 0x6d, 0x78, 0xc0, 0x0c]);
    const res = Buffer.concat([query, answerRecord]);
    res.writeUInt16BE(0x8180, 2);
    res.writeUInt16BE(1, 6);
    expect(parseMxResponse(res, 0x1234, 'a.test')).toEqual({ records: [{ exchange: 'mx.a.test', priority: 10 }], ttlSec: 120 });
    // A pointer loop is a broken answer, not a hang.
    const loop = Buffer.concat([query, Buffer.from([0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 120, 0, 4, 0, 10, 0xc0, res.length - 2])]);
    loop.writeUInt16BE(0x8180, 2);
    loop.writeUInt16BE(1, 6);
    loop.writeUInt8(loop.length - 2, loop.length - 1);
    expect(() => parseMxResponse(loop, 0x1234, 'a.test')).toThrow(/compression pointers/);
    // Another question's answer is refused: another id, or another name with the same id.
    expect(() => parseMxResponse(res, 0x4321, 'a.test')).toThrow(/not the answer/);
    expect(() => parseMxResponse(res, 0x1234, 'b.test')).toThrow(/another question/);
    expect(parseMxResponse(res, 0x1234, 'A.test.')).toMatchObject({ ttlSec: 120 });
  });

  it('reads the servers as the resolver lists them', () => {
    expect(parseServer('192.0.2.1')).toEqual({ host: '192.0.2.1', port: 53 });
    expect(parseServer('192.0.2.1:5353')).toEqual({ host: '192.0.2.1', port: 5353 });
    expect(parseServer('2001:db8::1')).toEqual({ host: '2001:db8::1', port: 53 });
    expect(parseServer('[2001:db8::1]:5353')).toEqual({ host: '2001:db8::1', port: 5353 });
  });
});
