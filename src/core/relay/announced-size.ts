import type { CoreContext } from '../context.js';
import { clientAllowed, clientIpCredential } from './authentication.js';

/**
 * The message size the relay's EHLO answer announces (SIZE, RFC 1870). A client that trusts it
 * refuses a bigger message itself, and sends a smaller one expecting it to pass, so it must be a
 * limit a message from this client can really meet: the session's own credential's once it has
 * logged in (an EHLO after AUTH); before that, the client-ip credential its address belongs to
 * (the one a session without AUTH acts as); otherwise the largest of the enabled password
 * credentials its address may use. null when no credential could take its mail (every MAIL FROM
 * will be refused anyway): the listener then announces SIZE without a number, which says nothing.
 *
 * Read from the store at each EHLO, like the credential at each MAIL FROM, so it follows
 * credentials created, changed or deleted by any process on the same database at once.
 */
export async function announcedMessageBytes(ctx: CoreContext, clientIp: string, credentialId: string | null): Promise<number | null> {
  const repo = ctx.store.repos.smtpCredentials;
  if (credentialId) {
    const own = await repo.get(credentialId);
    if (own?.enabled) return own.maxMessageBytes;
  }
  const all = await repo.list();
  const device = clientIpCredential(all, clientIp);
  if (device) return device.maxMessageBytes;
  const usable = all.filter((c) => c.authentication === 'password' && c.enabled && clientAllowed(c, clientIp));
  return usable.length ? Math.max(...usable.map((c) => c.maxMessageBytes)) : null;
}
