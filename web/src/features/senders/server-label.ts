import type { MailServer } from '../../api.js';

/**
 * A server as a choice among others names it: its name and where its mail goes, "relay
 * (smtp.example.com:587)" or, for direct delivery, which has no host, "Direct out (direct, MX:25)",
 * as the servers list shows it (a *direct* badge and `MX:25`) rather than a bare ":25".
 */
export function serverChoiceLabel(s: Pick<MailServer, 'name' | 'smtp'>): string {
  return s.smtp.mode === 'direct' ? `${s.name} (direct, MX:${s.smtp.port})` : `${s.name} (${s.smtp.host}:${s.smtp.port})`;
}
