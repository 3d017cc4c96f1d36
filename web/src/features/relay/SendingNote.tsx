import type { SmtpCredential } from '../../api.js';

/**
 * Whom a credential's mail leaves from, and what of it the relay will refuse: a From the
 * credential allows but the account may not use is refused at the end of every message (550),
 * which an application's admin only learns when mail goes missing. The server works it out on
 * every read (routing can change), so this says what is true now.
 */
export function SendingNote({ credential: c }: { credential: SmtpCredential }) {
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
          ⚠ {address} may not send as {refusedFrom.join(', ')}: the relay refuses mail from {refusedFrom.length === 1 ? 'it' : 'them'}. Add {refusedFrom.length === 1 ? 'it' : 'them'} to the
          account’s aliases, or route this credential to an account that may.
        </div>
      ) : null}
    </>
  );
}

/** The From an example should use: an allowed one the sending account may use, when there is one. */
export function sendableFrom(c: SmtpCredential): readonly string[] {
  const ok = c.allowedFrom.filter((e) => !c.sending.refusedFrom.includes(e));
  return ok.length ? ok : c.allowedFrom;
}
