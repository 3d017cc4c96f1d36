import dns2 from 'dns2';
import { freePort } from './ports.js';

const { Packet } = dns2;

/** `ttl`: seconds the answer may be cached (1 when absent). */
export type ZoneRecord =
  | { type: 'A'; address: string; ttl?: number }
  | { type: 'AAAA'; address: string; ttl?: number }
  | { type: 'MX'; exchange: string; priority: number; ttl?: number }
  | { type: 'TXT'; data: string | string[]; ttl?: number }
  /** The server fails every question about this name (SERVFAIL). */
  | { type: 'SERVFAIL' };

export interface DnsServer {
  port: number;
  /** name (lower case, no trailing dot) → records; edit it between requests. */
  zone: Map<string, ZoneRecord[]>;
  /** Every question asked, as "name TYPE" (e.g. "a.test MX"), in order. */
  asked: string[];
  stop(): Promise<void>;
}

const TYPES: Record<string, number> = { A: Packet.TYPE.A, AAAA: Packet.TYPE.AAAA, MX: Packet.TYPE.MX, TXT: Packet.TYPE.TXT };

/**
 * An authoritative DNS server on 127.0.0.1 (UDP, dns2) answering from an in-memory zone.
 * `tcp`: also over TCP on the same port, for answers too large for UDP (a resolver that gets a
 * truncated answer asks again over TCP: a domain with dozens of MX records).
 */
export async function startDnsServer(zone = new Map<string, ZoneRecord[]>(), opts: { tcp?: boolean } = {}): Promise<DnsServer> {
  const asked: string[] = [];
  const server = dns2.createServer({
    udp: true,
    tcp: opts.tcp === true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const name = q.name.toLowerCase().replace(/\.$/, '');
      asked.push(`${name} ${Object.keys(TYPES).find((k) => TYPES[k] === q.type) ?? q.type}`);
      const records = zone.get(name);
      if (!records) response.header.rcode = 3; // NXDOMAIN
      if (records?.some((r) => r.type === 'SERVFAIL')) {
        response.header.rcode = 2;
        return send(response);
      }
      for (const r of records ?? []) {
        if (TYPES[r.type] !== q.type) continue;
        response.answers.push({ ...(r as object), name: q.name, type: TYPES[r.type], class: Packet.CLASS.IN, ttl: 'ttl' in r && r.ttl !== undefined ? r.ttl : 1 } as never);
      }
      send(response);
    },
  });
  server.on('requestError', () => {});
  const both = opts.tcp ? await freePort() : 0;
  const listening = await server.listen({ udp: { port: both, address: '127.0.0.1' }, ...(opts.tcp ? { tcp: { port: both, address: '127.0.0.1' } } : {}) });
  const port = (listening as unknown as { udp: { port: number } }).udp.port;
  return { port, zone, asked, stop: () => server.close() as unknown as Promise<void> };
}
