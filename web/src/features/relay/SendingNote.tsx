import type { SmtpCredential } from '../../api.js';

/**
 * Whom a credential's mail leaves from, and what of it the relay will refuse: a From the
 * credential allows but the account may not use is refused at the end of every message (550),
 * which an application's admin only learns when mail goes missing. The server works it out on
 * every read (routing can change), so this says what is true now.
 */
export function SendingNote({ credential: c }: { credential: SmtpCredential }) {
  // Null only in a save's answer when the database stopped answering after it: the list, read again, says.
  if (!c.sending) return null;
  const { address, refusedFrom, problem } = c.sending;
  if (problem) {
    return (
      <div className="hint hint-warn" role="note">
        ⚠ Its mail cannot be sent now: {problem}
      </div>
    );
  }
  return (
    <>
      <div className="muted small">sends from {address}</div>
      {refusedFrom.length ? (
        <div className="hint hint-warn" role="note">
          ⚠ {address} may not send as {refusedFrom.map((e) => (e.startsWith('@') ? `every address ${e}` : e)).join(', ')}: the relay refuses such mail. Add{' '}
          {refusedFrom.length === 1 ? 'it' : 'them'} to the account’s aliases, or route this credential to an account that may.
        </div>
      ) : null}
    </>
  );
}

/**
 * The From an example should use: an allowed entry the sending account may use whole; else the
 * account's own address where an entry allows it (a domain the account has no "@domain" alias
 * for: of its addresses the relay takes only the account's own); else what is allowed.
 */
export function sendableFrom(c: SmtpCredential): readonly string[] {
  if (!c.sending) return c.allowedFrom;
  const refused = c.sending.refusedFrom;
  const ok = c.allowedFrom.filter((e) => !refused.includes(e));
  if (ok.length) return ok;
  const own = c.sending.address?.toLowerCase();
  const allowsOwn = own !== undefined && c.allowedFrom.some((e) => (e.startsWith('@') ? own.endsWith(e.toLowerCase()) : e.toLowerCase() === own));
  return allowsOwn && own ? [own] : c.allowedFrom;
}
