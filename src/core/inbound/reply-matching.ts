/**
 * Finding the outbound message an inbound one answers or returns. Mailroom gives every
 * message it composes the Message-ID `<ID@sender-domain>`, where `msg_ID` is its id in the log:
 * the Message-ID itself is the opaque reply token, so a reply is matched even when the
 * application's own Message-ID (relay mail) differs in form. Candidates are tried in the
 * order the headers give them: In-Reply-To first, then References from the newest.
 */

/** The Message-IDs to look up, most specific first, each once. */
export function candidateIds(inReplyTo: readonly string[], references: readonly string[], returned: string | null = null): string[] {
  const out: string[] = [];
  for (const id of [...(returned ? [returned] : []), ...inReplyTo, ...[...references].reverse()]) {
    const clean = id.trim();
    if (clean && clean.length <= 400 && !out.includes(clean)) out.push(clean);
  }
  return out.slice(0, 50);
}

const OWN_TOKEN = /^<([0-9a-z]{26})@[^<>@\s]+>$/i;

/** The log id a Message-ID of Mailroom's own form names (`<ID@domain>` → `msg_ID`), else null. */
export function ownMessageIdToken(messageId: string): string | null {
  const m = OWN_TOKEN.exec(messageId.trim());
  return m ? `msg_${m[1].toLowerCase()}` : null;
}

const OWN_ENVID = /^msg_[0-9a-z]{26}$/;

/**
 * The log id a DSN's Original-Envelope-Id names, else null. Mailroom sends each message with
 * its log id as the RFC 3461 ENVID, so a bounce that returns neither the message nor its
 * headers (only the report) still names it; anything else in that field is another sender's.
 */
export function ownEnvelopeId(envelopeId: string | null): string | null {
  const id = envelopeId?.trim().toLowerCase() ?? '';
  return OWN_ENVID.test(id) ? id : null;
}
