import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/senders/presets.js';
import { checkTarget, compileNetworkPolicy } from '../../src/core/probes/network-policy.js';

/**
 * The presets' connection facts, written out as the API serves them: the named submission port
 * and alternatives in presets.ts must still expand to exactly these.
 */
const CONNECTIONS = [
  { id: 'gmail', smtp: { host: 'smtp.gmail.com', port: 587, security: 'starttls' }, alternatives: [{ port: 465, security: 'tls', note: 'implicit TLS' }] },
  { id: 'microsoft365', smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' }, alternatives: undefined },
  {
    id: 'sendgrid',
    smtp: { host: 'smtp.sendgrid.net', port: 587, security: 'starttls' },
    alternatives: [
      { port: 465, security: 'tls', note: 'implicit TLS' },
      { port: 2525, security: 'starttls', note: 'when 587 is blocked' },
    ],
  },
  {
    id: 'mailgun',
    smtp: { host: 'smtp.mailgun.org', port: 587, security: 'starttls' },
    alternatives: [
      { port: 465, security: 'tls', note: 'implicit TLS' },
      { port: 2525, security: 'starttls', note: 'when 587 is blocked' },
    ],
  },
  { id: 'postmark', smtp: { host: 'smtp.postmarkapp.com', port: 587, security: 'starttls' }, alternatives: [{ port: 2525, security: 'starttls', note: 'when 587 is blocked' }] },
  {
    id: 'ses',
    smtp: { host: 'email-smtp.us-east-1.amazonaws.com', port: 587, security: 'starttls' },
    alternatives: [
      { port: 465, security: 'tls', note: 'implicit TLS' },
      { port: 2587, security: 'starttls', note: 'when 587 is blocked' },
    ],
  },
  { id: 'postfix', smtp: { host: 'mail.example.com', port: 587, security: 'starttls' }, alternatives: [{ port: 465, security: 'tls', note: 'submissions (implicit TLS)' }] },
  { id: 'localhost', smtp: { host: 'localhost', port: 25, security: 'none' }, alternatives: undefined },
];

describe('provider presets', () => {
  it('expand to the same hosts, ports, security and alternatives as written out', () => {
    expect(PRESETS.map((p) => ({ id: p.id, smtp: p.smtp, alternatives: p.alternatives }))).toStrictEqual(CONNECTIONS);
  });

  it('serialise with the same keys in the same order (what GET /presets answers)', () => {
    for (const p of PRESETS) expect(Object.keys(p.smtp)).toEqual(['host', 'port', 'security']);
    for (const a of PRESETS.flatMap((p) => p.alternatives ?? [])) expect(Object.keys(a)).toEqual(['port', 'security', 'note']);
  });
});

describe('what the presets tell an admin about the network policy', () => {
  it('asks for MAILROOM_ALLOW_PRIVATE_HOSTS only where connection tests could not reach the preset without it', () => {
    // A preset's host on loopback (the local relay) is reached on a mail port with no allow-list.
    const none = compileNetworkPolicy([]);
    for (const p of PRESETS) {
      const text = [p.catch, p.password, p.usernamePattern].join(' ');
      if (!text.includes('MAILROOM_ALLOW_PRIVATE_HOSTS')) continue;
      const reachable = checkTarget(none, { host: p.smtp.host, port: p.smtp.port, protocol: 'smtp', saved: false }, '127.0.0.1').allowed;
      expect(reachable, `${p.id}: "${p.catch}"`).toBe(false);
    }
  });

  it('tells the local relay that connection tests reach it on its mail port without configuration', () => {
    const local = PRESETS.find((p) => p.id === 'localhost')!;
    expect(checkTarget(compileNetworkPolicy([]), { host: local.smtp.host, port: local.smtp.port, protocol: 'smtp', saved: false }, '127.0.0.1').allowed).toBe(true);
    expect(local.catch).toMatch(/Connection tests reach it on port 25 without any setting/);
  });
});
