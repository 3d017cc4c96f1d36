import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/senders/presets.js';

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
