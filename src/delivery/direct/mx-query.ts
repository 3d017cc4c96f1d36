import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';

/**
 * One MX question (RFC 1035 §4) to the configured resolvers, for the one thing Node's resolver
 * does not give: the MX records' TTL, so a domain's exchangers are cached as long as the domain
 * says. UDP first, TCP when the answer is truncated; each server in turn, `tries` rounds.
 * Errors carry the codes Node's resolver uses (ENOTFOUND for NXDOMAIN, ENODATA for a name
 * without MX records, ESERVFAIL, EREFUSED, ETIMEOUT), so callers treat both alike.
 */
export interface MxAnswer {
  records: { exchange: string; priority: number }[];
  /** The smallest TTL among the MX records and the CNAMEs leading to them. */
  ttlSec: number;
}

export interface DnsServerAddress {
  host: string;
  port: number;
}

const TYPE_MX = 15;
const TYPE_CNAME = 5;
const CLASS_IN = 1;
const RCODES: Record<number, string> = { 1: 'EFORMERR', 2: 'ESERVFAIL', 3: 'ENOTFOUND', 4: 'ENOTIMP', 5: 'EREFUSED' };

function dnsError(code: string, name: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`queryMx ${code} ${name}`), { code });
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" (as Resolver.getServers() gives them). */
export function parseServer(s: string): DnsServerAddress {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(s);
  if (v6) return { host: v6[1], port: Number(v6[2]) };
  const parts = s.split(':');
  if (parts.length === 2) return { host: parts[0], port: Number(parts[1]) };
  return { host: s, port: 53 };
}

export function mxQuery(name: string, id: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // recursion desired
  header.writeUInt16BE(1, 4); // one question
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE_MX, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, qname, tail]);
}

/** A (possibly compressed) name at `offset`; where the record continues after it. */
function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let jumps = 0; jumps < 64; jumps++) {
    if (pos >= buf.length) throw new Error('name runs past the message');
    const len = buf[pos];
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Error('pointer runs past the message');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1];
      continue;
    }
    if (len & 0xc0) throw new Error('unknown label type');
    if (len === 0) return { name: labels.join('.'), next: next < 0 ? pos + 1 : next };
    if (pos + 1 + len > buf.length) throw new Error('label runs past the message');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error('too many compression pointers');
}

/** The answer to query `id`, or an error with the resolver's code; `truncated` asks for TCP. */
export function parseMxResponse(buf: Buffer, id: number, name: string): MxAnswer | { truncated: true } {
  if (buf.length < 12 || buf.readUInt16BE(0) !== id) throw new Error('not the answer to this question');
  const flags = buf.readUInt16BE(2);
  if (!(flags & 0x8000)) throw new Error('not a response');
  if (flags & 0x0200) return { truncated: true };
  const rcode = flags & 0x0f;
  if (rcode) throw dnsError(RCODES[rcode] ?? 'EBADRESP', name);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qd; i++) {
    const q = readName(buf, pos);
    // An answer to another question (a spoofed or stray packet with a matching id) is not this one's.
    if (i === 0 && q.name.toLowerCase() !== name.toLowerCase().replace(/\.$/, '')) throw new Error('the answer is to another question');
    pos = q.next + 4;
  }
  const records: MxAnswer['records'] = [];
  let ttl = Infinity;
  for (let i = 0; i < an; i++) {
    pos = readName(buf, pos).next;
    if (pos + 10 > buf.length) throw new Error('record runs past the message');
    const type = buf.readUInt16BE(pos);
    const cls = buf.readUInt16BE(pos + 2);
    const recordTtl = buf.readUInt32BE(pos + 4);
    const rdlength = buf.readUInt16BE(pos + 8);
    const rdata = pos + 10;
    if (rdata + rdlength > buf.length) throw new Error('record data runs past the message');
    if (cls === CLASS_IN && type === TYPE_MX) {
      records.push({ priority: buf.readUInt16BE(rdata), exchange: readName(buf, rdata + 2).name });
      ttl = Math.min(ttl, recordTtl);
    } else if (cls === CLASS_IN && type === TYPE_CNAME) {
      ttl = Math.min(ttl, recordTtl);
    }
    pos = rdata + rdlength;
  }
  if (!records.length) throw dnsError('ENODATA', name);
  return { records, ttlSec: ttl };
}

function overUdp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const done = (err: Error | null, msg?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(msg as Buffer);
    };
    const timer = setTimeout(() => done(dnsError('ETIMEOUT', '')), timeoutMs);
    socket.on('error', (err) => done(err));
    // Anything that is not the answer to this question (another id, another sender) is ignored.
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port === server.port && rinfo.address.toLowerCase() === server.host.toLowerCase() && msg.length >= 2 && msg.readUInt16BE(0) === id) done(null, msg);
    });
    socket.send(query, server.port, server.host, (err) => {
      if (err) done(err);
    });
  });
}

function overTcp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let size = 0;
    socket.setTimeout(timeoutMs, () => socket.destroy(dnsError('ETIMEOUT', '')));
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length, 0);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      const all = Buffer.concat(chunks, size);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) {
        socket.end();
        resolve(all.subarray(2, 2 + all.readUInt16BE(0)));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(dnsError('ECONNREFUSED', '')));
  });
}

/**
 * Asks each server in turn, `tries` rounds; an answer (records, NXDOMAIN, no data) ends the
 * search, a failure (SERVFAIL, refusal, timeout, a broken packet) passes to the next server.
 */
export async function queryMx(servers: readonly DnsServerAddress[], name: string, opts: { timeoutMs: number; tries: number }): Promise<MxAnswer> {
  let last: unknown = dnsError('ETIMEOUT', name);
  for (let round = 0; round < opts.tries; round++) {
    for (const server of servers) {
      const id = randomInt(0, 0x10000);
      const query = mxQuery(name, id);
      try {
        let answer = parseMxResponse(await overUdp(server, query, opts.timeoutMs), id, name);
        if ('truncated' in answer) answer = parseMxResponse(await overTcp(server, query, opts.timeoutMs), id, name);
        if ('truncated' in answer) throw new Error('truncated over TCP');
        return answer;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTFOUND' || code === 'ENODATA') throw err;
        last = code === 'ETIMEOUT' ? dnsError('ETIMEOUT', name) : err;
      }
    }
  }
  throw last;
}
